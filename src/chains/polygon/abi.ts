import { parseAbi } from 'viem';

/** What the adapter calls on contracts/TicketNFT.sol; test/unit/chains checks it against the compiled ABI. */
export const ticketAbi = parseAbi([
  'function mintBatch(address[] to, uint256[] tokenIds)',
  'function burnBatch(uint256[] tokenIds)',
  'function issuerTransferBatch(address[] from, address[] to, uint256[] tokenIds)',
  'function statesOf(uint256[] tokenIds) view returns (address[] owners, bool[] burned)',
  'event Transfer(address indexed from, address indexed to, uint256 indexed tokenId)',
  'error NotMinter()',
  'error LengthMismatch()',
  'error ERC721InvalidReceiver(address receiver)',
  'error ERC721NonexistentToken(uint256 tokenId)',
  'error ERC721IncorrectOwner(address sender, uint256 tokenId, address owner)',
]);
