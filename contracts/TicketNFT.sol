// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/**
 * Event tickets as ERC-721 tokens, held by custodial addresses and managed by one minter: the platform's key
 * that deployed the contract. Minting and burning are idempotent per token: a batch sent again (after a lost
 * answer, a restart, a second queue delivery) skips what is already done instead of reverting, so one stale
 * id never sinks the other 99 of its batch. A burned id stays burned: it is never minted again.
 */
contract TicketNFT is ERC721 {
    address public immutable minter;

    /// Ids that were burned; they are skipped by later mints.
    mapping(uint256 => bool) private _burned;

    error NotMinter();
    error LengthMismatch();

    modifier onlyMinter() {
        if (msg.sender != minter) revert NotMinter();
        _;
    }

    constructor() ERC721("edgepay ticket", "TICKET") {
        minter = msg.sender;
    }

    /// Mints tokenIds[i] to to[i]; ids that exist or were burned are skipped. A zero owner reverts the batch.
    function mintBatch(address[] calldata to, uint256[] calldata tokenIds) external onlyMinter {
        if (to.length != tokenIds.length) revert LengthMismatch();
        for (uint256 i = 0; i < tokenIds.length; ++i) {
            uint256 tokenId = tokenIds[i];
            if (_ownerOf(tokenId) != address(0) || _burned[tokenId]) continue;
            _mint(to[i], tokenId);
        }
    }

    /// Burns the ids that exist (voided tickets); ids never minted or already burned are skipped.
    function burnBatch(uint256[] calldata tokenIds) external onlyMinter {
        for (uint256 i = 0; i < tokenIds.length; ++i) {
            uint256 tokenId = tokenIds[i];
            if (_ownerOf(tokenId) == address(0)) continue;
            _burned[tokenId] = true;
            _burn(tokenId);
        }
    }

    /// Moves a ticket between custodial addresses (resale); reverts unless `from` holds it.
    function issuerTransfer(address from, address to, uint256 tokenId) external onlyMinter {
        _transfer(from, to, tokenId);
    }

    /**
     * Resales in one call: moves tokenIds[i] from from[i] to to[i]. An id `to[i]` holds already is skipped, so a batch
     * sent again after a lost answer succeeds; any other id `from[i]` does not hold (never minted, burned, moved
     * elsewhere) reverts the whole batch, since skipping it would report a resale that did not happen.
     */
    function issuerTransferBatch(address[] calldata from, address[] calldata to, uint256[] calldata tokenIds) external onlyMinter {
        if (from.length != tokenIds.length || to.length != tokenIds.length) revert LengthMismatch();
        for (uint256 i = 0; i < tokenIds.length; ++i) {
            uint256 tokenId = tokenIds[i];
            address holder = _ownerOf(tokenId);
            if (holder != address(0) && holder == to[i]) continue;
            _transfer(from[i], to[i], tokenId);
        }
    }

    function exists(uint256 tokenId) external view returns (bool) {
        return _ownerOf(tokenId) != address(0);
    }

    function wasBurned(uint256 tokenId) external view returns (bool) {
        return _burned[tokenId];
    }

    /// Owner (zero when absent or burned) and burned flag of each id, for reading many tickets in one call.
    function statesOf(uint256[] calldata tokenIds) external view returns (address[] memory owners, bool[] memory burned) {
        owners = new address[](tokenIds.length);
        burned = new bool[](tokenIds.length);
        for (uint256 i = 0; i < tokenIds.length; ++i) {
            owners[i] = _ownerOf(tokenIds[i]);
            burned[i] = _burned[tokenIds[i]];
        }
    }
}
