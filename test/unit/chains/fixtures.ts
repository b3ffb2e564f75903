import { expect } from 'vitest';
import { startAnvil } from '../../../dev/chains/anvil.ts';
import { startSolanaRpc } from '../../../dev/chains/solana-rpc.ts';
import { deployTicketContract } from '../../../dev/chains/ticket-contract.ts';
import { type CustodyChain, custodialAddress } from '../../../src/chains/custody.ts';
import { createPolygonAdapter, type PolygonAdapterConfig } from '../../../src/chains/polygon/index.ts';
import { createSolanaAdapter, type SolanaAdapterConfig } from '../../../src/chains/solana/index.ts';
import type { ChainAdapter, MintRequest } from '../../../src/chains/types.ts';

/** A fresh anvil with the ticket contract deployed, and a Polygon adapter on it (stop `anvil` when done). */
export async function startPolygonFixture(seed: string) {
  const anvil = await startAnvil();
  const contract = await deployTicketContract(anvil.rpcUrl, anvil.minterKey);
  const config: PolygonAdapterConfig = {
    rpcUrl: anvil.rpcUrl,
    minterKey: anvil.minterKey,
    contract,
    custodySeed: seed,
    pollingIntervalMs: 100,
  };
  return { anvil, contract, config, adapter: createPolygonAdapter(config) };
}

/** A fresh LiteSVM JSON-RPC emulator and a Solana adapter on it (stop `chain` when done). */
export async function startSolanaFixture(seed: string) {
  const chain = await startSolanaRpc();
  const config: SolanaAdapterConfig = { rpcUrl: chain.url, minterKey: chain.minterKey, custodySeed: seed, pollMs: 20, resendMs: 50 };
  return { chain, config, adapter: createSolanaAdapter(config) };
}

export type CustodialUser = { userId: string; address: string };
export type OwnedTicket = MintRequest & { userId: string };

/** New users of one tenant with their custodial addresses, and tickets minted to them for real. */
export function custodialHolders(seed: string, tenantId: string, chain: CustodyChain, adapter: () => ChainAdapter) {
  const newUser = async (): Promise<CustodialUser> => {
    const userId = `user-${crypto.randomUUID()}`;
    return { userId, address: await custodialAddress(seed, { tenantId, userId, chain }) };
  };
  /** `count` tickets of `owner` (a new user by default), minted. */
  const mintedTickets = async (count: number, owner?: CustodialUser): Promise<{ seller: CustodialUser; tickets: OwnedTicket[] }> => {
    const seller = owner ?? (await newUser());
    const tickets = Array.from({ length: count }, () => ({
      ticketId: crypto.randomUUID(),
      tenantId,
      userId: seller.userId,
      owner: seller.address,
    }));
    const outcomes = await adapter().mint(tickets, async () => {});
    expect(outcomes.every((o) => o.status === 'confirmed')).toBe(true);
    return { seller, tickets };
  };
  return { newUser, mintedTickets };
}
