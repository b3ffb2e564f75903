import { env } from 'cloudflare:workers';
import { address } from '@solana/kit';
import { findAssociatedTokenPda, TOKEN_PROGRAM_ADDRESS } from '@solana-program/token';
import { base58Encode } from '../../src/chains/base58';
import { jsonRpc } from './json-rpc';

/**
 * Reads of the local chains straight over JSON-RPC, as a block explorer would: tests check what is on chain
 * without going through the adapters they test.
 */

const word = (n: bigint) => n.toString(16).padStart(64, '0');

/** ERC-721 ownerOf(tokenId) on the ticket contract: the owner's address, or null when the token does not exist. */
export async function polygonOwnerOf(tokenId: string): Promise<string | null> {
  try {
    const result = await jsonRpc<string>(env.POLYGON_RPC_URL, 'eth_call', [
      { to: env.POLYGON_TICKET_CONTRACT, data: `0x6352211e${word(BigInt(tokenId))}` },
      'latest',
    ]);
    return `0x${result.slice(-40)}`;
  } catch {
    return null;
  }
}

const TRANSFER_TOPIC = '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef';

/** Every Transfer of the token ever logged (a mint is a transfer from the zero address). */
export async function polygonTransfers(tokenId: string): Promise<{ from: string; to: string; transactionHash: string }[]> {
  const logs = await jsonRpc<{ topics: string[]; transactionHash: string }[]>(env.POLYGON_RPC_URL, 'eth_getLogs', [
    {
      address: env.POLYGON_TICKET_CONTRACT,
      fromBlock: '0x0',
      toBlock: 'latest',
      topics: [TRANSFER_TOPIC, null, null, `0x${word(BigInt(tokenId))}`],
    },
  ]);
  return logs.map((l) => ({
    from: `0x${(l.topics[1] as string).slice(-40)}`,
    to: `0x${(l.topics[2] as string).slice(-40)}`,
    transactionHash: l.transactionHash,
  }));
}

/** Transactions the minter has sent so far (its nonce). */
export async function polygonMinterNonce(): Promise<number> {
  const minter = await jsonRpc<string[]>(env.POLYGON_RPC_URL, 'eth_accounts', []);
  return Number(await jsonRpc<string>(env.POLYGON_RPC_URL, 'eth_getTransactionCount', [minter[0], 'latest']));
}

function bytesOf(base64: string): Uint8Array {
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

const u64 = (data: Uint8Array, offset: number) => new DataView(data.buffer, data.byteOffset).getBigUint64(offset, true);

type AccountInfo = { value: { data: [string, string]; owner: string } | null };

/** An SPL mint as the chain has it: supply, decimals and whether anyone may still mint. */
export async function solanaMint(
  mint: string,
): Promise<{ supply: bigint; decimals: number; mintAuthority: boolean; program: string } | null> {
  const info = await jsonRpc<AccountInfo>(env.SOLANA_RPC_URL, 'getAccountInfo', [mint, { encoding: 'base64' }]);
  if (!info.value) return null;
  const data = bytesOf(info.value.data[0]);
  return { supply: u64(data, 36), decimals: data[44] as number, mintAuthority: data[0] === 1, program: info.value.owner };
}

/** How many of `mint`'s tokens `owner`'s associated token account holds (0 when it has none). */
export async function solanaBalance(owner: string, mint: string): Promise<{ amount: bigint; accountOwner: string | null }> {
  const [ata] = await findAssociatedTokenPda({ owner: address(owner), mint: address(mint), tokenProgram: TOKEN_PROGRAM_ADDRESS });
  const info = await jsonRpc<AccountInfo>(env.SOLANA_RPC_URL, 'getAccountInfo', [ata, { encoding: 'base64' }]);
  if (!info.value) return { amount: 0n, accountOwner: null };
  const data = bytesOf(info.value.data[0]);
  return { amount: u64(data, 64), accountOwner: base58Encode(data.subarray(32, 64)) };
}

/** Takes a local chain away (every connection closed at once) or gives it back; its state is kept. */
export async function setChainDown(chain: 'polygon' | 'solana', down: boolean): Promise<void> {
  const url = chain === 'polygon' ? env.POLYGON_RPC_URL : env.SOLANA_RPC_URL;
  await fetch(`${url}/__outage`, { method: 'POST', body: JSON.stringify({ down }) });
}
