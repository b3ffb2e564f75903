import { address, createKeyPairSignerFromPrivateKeyBytes, signature } from '@solana/kit';
import { findAssociatedTokenPda, TOKEN_PROGRAM_ADDRESS } from '@solana-program/token';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOutageProxy } from '../../../dev/chains/outage-proxy.ts';
import type { SolanaRpcEmulator } from '../../../dev/chains/solana-rpc.ts';
import { freePort } from '../../../dev/ports.ts';
import { base58Encode } from '../../../src/chains/base58.ts';
import { createSolanaAdapter, type SolanaAdapterConfig } from '../../../src/chains/solana/index.ts';
import {
  type ChainAdapter,
  ChainUnavailableError,
  type MintOutcome,
  type SignedMint,
  type TransferRequest,
} from '../../../src/chains/types.ts';
import { jsonRpc } from '../../helpers/json-rpc';
import { type CustodialUser, custodialHolders, type OwnedTicket, startSolanaFixture } from './fixtures.ts';

/**
 * The Solana adapter's resales against the LiteSVM emulator, which runs the real SPL Token and Associated Token Account
 * programs: the seller's custodial key signs a TransferChecked into the buyer's associated token account, the minter
 * pays. Every test uses fresh tickets and users, so the tests share one chain; the chain is read with plain JSON-RPC.
 */
const SEED = 'solana-transfer-test-seed-0123456789abcdef';
const TENANT = 'tenant-solana-transfer';

let chain: SolanaRpcEmulator, config: SolanaAdapterConfig, adapter: ChainAdapter;
beforeAll(async () => {
  ({ chain, config, adapter } = await startSolanaFixture(SEED));
});
afterAll(() => chain?.stop());

type User = CustodialUser;
type Ticket = OwnedTicket;
const { newUser, mintedTickets } = custodialHolders(SEED, TENANT, 'solana', () => adapter);

const rpc = <T>(method: string, params: unknown[] = []): Promise<T> => jsonRpc<T>(chain.url, method, params);

async function control<T>(path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${chain.url}/__solana/${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
  return (await response.json()) as T;
}

type Executed = { count: number; transactions: { signature: string; bytes: number; err: unknown }[] };
const executed = () => control<Executed>('transactions');

const resale = (ticket: Ticket, seller: User, buyer: User): TransferRequest => ({
  ticketId: ticket.ticketId,
  tenantId: TENANT,
  fromUserId: seller.userId,
  to: buyer.address,
});

type RawAccount = { data: [string, string]; owner: string; lamports: number } | null;

/** What `user`'s associated token account of the ticket's mint holds: null when there is no such account. */
async function holding(ticket: Ticket, user: User): Promise<{ owner: string; amount: bigint } | null> {
  const mint = address(await adapter.tokenIdOf(ticket));
  const [account] = await findAssociatedTokenPda({ owner: address(user.address), mint, tokenProgram: TOKEN_PROGRAM_ADDRESS });
  const { value } = await rpc<{ value: RawAccount[] }>('getMultipleAccounts', [[account], { encoding: 'base64' }]);
  const raw = value[0];
  if (!raw) return null;
  const data = Buffer.from(raw.data[0], 'base64');
  return { owner: base58Encode(data.subarray(32, 64)), amount: data.readBigUInt64LE(64) };
}

const balanceOf = async (target: string) => BigInt((await rpc<{ value: number }>('getBalance', [target])).value);
async function minterBalance(): Promise<bigint> {
  const minter = await createKeyPairSignerFromPrivateKeyBytes(Uint8Array.from(Buffer.from(chain.minterKey, 'hex')));
  return balanceOf(minter.address);
}

const feesOf = (outcomes: readonly MintOutcome[]) => outcomes.reduce((sum, o) => sum + o.feePaid, 0n);
const unitsOf = (hash: string) => {
  const meta = chain.svm.getTransaction(signature(hash));
  return meta && 'computeUnitsConsumed' in meta ? Number(meta.computeUnitsConsumed()) : Number.NaN;
};
const noSigning = async () => {
  throw new Error('nothing should have been signed');
};

describe('Solana adapter: transfers', () => {
  it('moves a ticket into the buyer’s token account, signed by the seller, the minter paying only the fees', async () => {
    const { seller, tickets } = await mintedTickets(1);
    const [ticket] = tickets as [Ticket];
    const buyer = await newUser();
    const balanceBefore = await minterBalance();
    const before = await executed();
    const signed: SignedMint[][] = [];
    let seenWhenSigned: unknown[] = [];
    const outcomes = await adapter.transfer([resale(ticket, seller, buyer)], async (batch) => {
      signed.push([...batch]);
      seenWhenSigned = (await rpc<{ value: unknown[] }>('getSignatureStatuses', [batch.map((s) => s.transactionHash)])).value;
    });

    expect(seenWhenSigned).toEqual([null]);
    expect(outcomes).toEqual([
      { transactionHash: signed[0]?.[0]?.transactionHash, ticketIds: [ticket.ticketId], status: 'confirmed', feePaid: expect.any(BigInt) },
    ]);
    expect((await executed()).count).toBe(before.count + 1);
    // The seller's emptied account is closed and its rent returned: the minter is out the signature fees alone (its own
    // and the seller's), which the outcome reports.
    expect(balanceBefore - (await minterBalance())).toBe(feesOf(outcomes));
    expect(feesOf(outcomes)).toBe(10_000n);
    console.info(`Solana: compute units of a one-ticket transfer: ${unitsOf(outcomes[0]?.transactionHash as string)}`);

    expect(await holding(ticket, buyer)).toEqual({ owner: buyer.address, amount: 1n });
    expect(await holding(ticket, seller)).toBeNull();
    expect((await adapter.onChainStates([ticket])).get(ticket.ticketId)).toEqual({ state: 'minted', owner: buyer.address });
    // Custodial addresses never need SOL.
    expect([await balanceOf(seller.address), await balanceOf(buyer.address)]).toEqual([0n, 0n]);
    expect(await adapter.burn([{ ticketId: ticket.ticketId, tenantId: TENANT, ownerUserId: seller.userId }])).toEqual([]);
  });

  it('confirms a transfer asked again without sending anything, and sells a ticket back to an earlier holder', async () => {
    const { seller, tickets } = await mintedTickets(2);
    const buyer = await newUser();
    const requests = tickets.map((t) => resale(t, seller, buyer));
    expect((await adapter.transfer(requests, async () => {})).map((o) => o.status)).toEqual(['confirmed']);
    const before = await executed();

    const again = await adapter.transfer(requests, noSigning);
    expect(again).toEqual([{ transactionHash: '', ticketIds: tickets.map((t) => t.ticketId), status: 'confirmed', feePaid: 0n }]);
    expect((await executed()).count).toBe(before.count);

    // Back to the first holder, whose closed account is made again.
    const back = await adapter.transfer([resale(tickets[0] as Ticket, buyer, seller)], async () => {});
    expect(back.map((o) => o.status)).toEqual(['confirmed']);
    expect(await holding(tickets[0] as Ticket, seller)).toEqual({ owner: seller.address, amount: 1n });
    expect(await holding(tickets[1] as Ticket, buyer)).toEqual({ owner: buyer.address, amount: 1n });
  });

  it('packs the tickets of several sellers into as few transactions as fit, each ticket moved once', async () => {
    const sellers = await Promise.all(Array.from({ length: 3 }, () => newUser()));
    const minted = await Promise.all(sellers.map((seller) => mintedTickets(6, seller)));
    const buyers = await Promise.all(Array.from({ length: 18 }, () => newUser()));
    const requests = minted.flatMap(({ seller, tickets }, s) => tickets.map((t, i) => resale(t, seller, buyers[s * 6 + i] as User)));
    const before = await executed();
    const balanceBefore = await minterBalance();
    let signedCount = 0;
    const outcomes = await adapter.transfer(requests, async (batch) => {
      signedCount = batch.length;
    });

    expect(outcomes.every((o) => o.status === 'confirmed')).toBe(true);
    expect(signedCount).toBe(outcomes.length);
    expect(outcomes.flatMap((o) => o.ticketIds).sort()).toEqual(requests.map((r) => r.ticketId).sort());
    const landed = (await executed()).transactions.slice(before.count);
    expect(landed.map((t) => t.signature).sort()).toEqual(outcomes.map((o) => o.transactionHash).sort());
    expect(landed.every((t) => t.bytes <= 1232 && t.err === null)).toBe(true);
    expect(balanceBefore - (await minterBalance())).toBe(feesOf(outcomes));
    const sizes = outcomes.map((o) => o.ticketIds.length);
    const units = outcomes.map((o) => unitsOf(o.transactionHash) / o.ticketIds.length);
    console.info(
      `Solana: 18 transfers of 3 sellers in ${outcomes.length} transactions of ${sizes.join(', ')} tickets; ` +
        `fees ${feesOf(outcomes)} lamports; compute units per ticket ${units.map((u) => u.toFixed(0)).join(', ')}`,
    );
    const all = minted.flatMap((m) => m.tickets);
    const states = await adapter.onChainStates(all);
    expect(all.map((t) => states.get(t.ticketId))).toEqual(buyers.map((b) => ({ state: 'minted', owner: b.address })));
  });

  it('moves what it can and refuses, each on its own, tickets never minted, burned or held by someone else', async () => {
    const { seller, tickets } = await mintedTickets(4);
    const [movable, burned, elsewhere, done] = tickets as [Ticket, Ticket, Ticket, Ticket];
    const [buyer, other] = await Promise.all([newUser(), newUser()]);
    await adapter.burn([{ ticketId: burned.ticketId, tenantId: TENANT, ownerUserId: seller.userId }]);
    await adapter.transfer([resale(elsewhere, seller, other), resale(done, seller, buyer)], async () => {});
    const never: Ticket = { ticketId: crypto.randomUUID(), tenantId: TENANT, userId: seller.userId, owner: seller.address };

    const outcomes = await adapter.transfer(
      [movable, burned, elsewhere, done, never, movable].map((t) => resale(t, seller, buyer)),
      async () => {},
    );
    const byTicket = new Map(outcomes.flatMap((o) => o.ticketIds.map((id) => [id, o] as const)));
    expect(byTicket.size).toBe(5);
    expect(byTicket.get(movable.ticketId)).toMatchObject({ status: 'confirmed', ticketIds: [movable.ticketId] });
    expect(byTicket.get(movable.ticketId)?.transactionHash).not.toBe('');
    expect(byTicket.get(done.ticketId)).toEqual({ transactionHash: '', ticketIds: [done.ticketId], status: 'confirmed', feePaid: 0n });
    for (const [ticket, reason] of [
      [burned, /burned/],
      [elsewhere, /held by neither/],
      [never, /not minted/],
    ] as const) {
      expect(byTicket.get(ticket.ticketId)).toEqual({
        transactionHash: '',
        ticketIds: [ticket.ticketId],
        status: 'reverted',
        feePaid: 0n,
        error: expect.stringMatching(reason),
      });
    }
    const states = await adapter.onChainStates([movable, burned, elsewhere, never]);
    expect([movable, burned, elsewhere, never].map((t) => states.get(t.ticketId))).toEqual([
      { state: 'minted', owner: buyer.address },
      { state: 'burned' },
      { state: 'minted', owner: other.address },
      { state: 'absent' },
    ]);
  });

  it('reports a transfer the chain refuses as reverted, having moved nothing', async () => {
    const { seller, tickets } = await mintedTickets(1);
    const buyer = await newUser();
    await control('config', { refuseTransactions: true });
    try {
      const outcomes = await adapter.transfer([resale(tickets[0] as Ticket, seller, buyer)], async () => {});
      expect(outcomes).toEqual([expect.objectContaining({ status: 'reverted', feePaid: 0n, error: expect.stringMatching(/refused/) })]);
      expect(outcomes[0]?.transactionHash).not.toBe('');
    } finally {
      await control('config', { refuseTransactions: false });
    }
    expect(await holding(tickets[0] as Ticket, seller)).toEqual({ owner: seller.address, amount: 1n });
  });

  it('refuses a buyer that is not an address and more than 50 tickets, before signing anything', async () => {
    const { seller, tickets } = await mintedTickets(1);
    const request = resale(tickets[0] as Ticket, seller, seller);
    await expect(adapter.transfer([{ ...request, to: '0xnot-solana' }], noSigning)).rejects.toThrow(/not a Solana address/);
    const many = Array.from({ length: 51 }, () => ({ ...request, ticketId: crypto.randomUUID() }));
    await expect(adapter.transfer(many, noSigning)).rejects.toThrow(/at most 50/);
  });
});

describe('Solana adapter: transfers on an unreachable chain', () => {
  it('throws ChainUnavailableError when nothing listens, or the node goes away, and moves the ticket once it is back', async () => {
    const { seller, tickets } = await mintedTickets(1);
    const buyer = await newUser();
    const request = resale(tickets[0] as Ticket, seller, buyer);
    const nowhere = createSolanaAdapter({ ...config, rpcUrl: `http://127.0.0.1:${await freePort()}` });
    await expect(nowhere.transfer([request], noSigning)).rejects.toBeInstanceOf(ChainUnavailableError);

    const proxy = await startOutageProxy(chain.url);
    try {
      const behind = createSolanaAdapter({ ...config, rpcUrl: proxy.url });
      proxy.setDown(true);
      await expect(behind.transfer([request], noSigning)).rejects.toBeInstanceOf(ChainUnavailableError);
      proxy.setDown(false);
      expect((await behind.transfer([request], async () => {})).map((o) => o.status)).toEqual(['confirmed']);
    } finally {
      await proxy.close();
    }
    expect(await holding(tickets[0] as Ticket, buyer)).toEqual({ owner: buyer.address, amount: 1n });
  });
});
