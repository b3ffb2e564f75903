import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  address,
  appendTransactionMessageInstructions,
  createKeyPairSignerFromPrivateKeyBytes,
  createTransactionMessage,
  getBase64EncodedWireTransaction,
  pipe,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  signTransactionMessageWithSigners,
} from '@solana/kit';
import {
  findAssociatedTokenPda,
  getCreateAssociatedTokenIdempotentInstruction,
  getTransferInstruction,
  TOKEN_PROGRAM_ADDRESS,
} from '@solana-program/token';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SolanaRpcEmulator } from '../../../dev/chains/solana-rpc.ts';
import { freePort } from '../../../dev/ports.ts';
import { base58Encode } from '../../../src/chains/base58.ts';
import { custodialAddress, custodialPrivateKey } from '../../../src/chains/custody.ts';
import { createSolanaAdapter, type SolanaAdapterConfig } from '../../../src/chains/solana/index.ts';
import { MINT_UNITS, mintsPerTransaction, unitsFor } from '../../../src/chains/solana/transactions.ts';
import {
  type ChainAdapter,
  ChainUnavailableError,
  type MintOutcome,
  type MintRequest,
  type SignedMint,
} from '../../../src/chains/types.ts';
import { jsonRpc } from '../../helpers/json-rpc';
import { startSolanaFixture } from './fixtures.ts';

/**
 * The Solana adapter against the LiteSVM emulator, which runs the real SPL Token and Associated Token Account
 * programs on the adapter's signed transactions. Every test mints tickets with fresh ids, so the tests share one
 * chain; what is on chain is read with plain JSON-RPC, not through the adapter.
 */
const SEED = 'solana-test-custody-seed-0123456789abcdef';
const TENANT = 'tenant-solana';

let chain: SolanaRpcEmulator, config: SolanaAdapterConfig, adapter: ChainAdapter;
beforeAll(async () => {
  ({ chain, config, adapter } = await startSolanaFixture(SEED));
});
afterAll(() => chain?.stop());

type Ticket = MintRequest & { userId: string };

const rpc = <T>(method: string, params: unknown[] = []): Promise<T> => jsonRpc<T>(chain.url, method, params);

async function control<T>(path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${chain.url}/__solana/${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
  return (await response.json()) as T;
}

type Executed = { count: number; signatures: string[]; transactions: { signature: string; bytes: number; err: unknown }[] };
const executed = () => control<Executed>('transactions');

async function owner(userId: string): Promise<string> {
  return custodialAddress(SEED, { tenantId: TENANT, userId, chain: 'solana' });
}

/** `count` tickets with fresh ids, spread over the given users' custodial addresses in turn. */
async function newTickets(count: number, users = [`user-${crypto.randomUUID()}`]): Promise<Ticket[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const userId = users[i % users.length] as string;
      return { ticketId: crypto.randomUUID(), tenantId: TENANT, userId, owner: await owner(userId) };
    }),
  );
}

type RawAccount = { data: [string, string]; owner: string; lamports: number } | null;

const bytesOf = (account: RawAccount) => new Uint8Array(Buffer.from(account?.data[0] ?? '', 'base64'));
const u64 = (data: Uint8Array, offset: number) => Buffer.from(data).readBigUInt64LE(offset);

/** A ticket's mint and its owner's token account, as an explorer reads them. */
async function onChain(ticket: Ticket) {
  const mint = await adapter.tokenIdOf(ticket);
  const [tokenAccount] = await findAssociatedTokenPda({
    owner: address(ticket.owner),
    mint: address(mint),
    tokenProgram: TOKEN_PROGRAM_ADDRESS,
  });
  const { value } = await rpc<{ value: RawAccount[] }>('getMultipleAccounts', [[mint, tokenAccount], { encoding: 'base64' }]);
  const [mintAccount, holding] = value;
  const mintData = bytesOf(mintAccount ?? null);
  const holdingData = bytesOf(holding ?? null);
  return {
    mint: mintAccount && {
      program: mintAccount.owner,
      // COption<Pubkey>: a 4-byte tag, 1 = Some.
      mintAuthority: mintData[0] === 1,
      supply: u64(mintData, 36),
      decimals: mintData[44],
      freezeAuthority: mintData[46] === 1,
    },
    holding: holding && {
      mint: base58Encode(holdingData.subarray(0, 32)),
      owner: base58Encode(holdingData.subarray(32, 64)),
      amount: u64(holdingData, 64),
    },
  };
}

async function minterBalance(): Promise<bigint> {
  const minter = await createKeyPairSignerFromPrivateKeyBytes(Uint8Array.from(Buffer.from(chain.minterKey, 'hex')));
  return BigInt((await rpc<{ value: number }>('getBalance', [minter.address])).value);
}

const feesOf = (outcomes: readonly MintOutcome[]) => outcomes.reduce((sum, o) => sum + o.feePaid, 0n);
const ticketIdsOf = (outcomes: readonly MintOutcome[]) => outcomes.flatMap((o) => o.ticketIds).sort();
const idsOf = (tickets: readonly Ticket[]) => tickets.map((t) => t.ticketId).sort();
const noSigning = async () => {
  throw new Error('nothing should have been signed');
};

describe('Solana adapter: minting', () => {
  it('mints each ticket as its own 1-supply mint in its owner’s token account, handing the signatures over before sending', async () => {
    const tickets = await newTickets(3, ['alice', 'bob']);
    const before = await executed();
    const balanceBefore = await minterBalance();
    const signed: SignedMint[][] = [];
    let seenWhenSigned: { count: number; statuses: unknown[] } | undefined;
    const outcomes = await adapter.mint(tickets, async (batch) => {
      signed.push([...batch]);
      const { value } = await rpc<{ value: unknown[] }>('getSignatureStatuses', [batch.map((s) => s.transactionHash)]);
      seenWhenSigned = { count: (await executed()).count, statuses: value };
    });

    expect(signed).toHaveLength(1);
    expect(seenWhenSigned).toEqual({ count: before.count, statuses: signed[0]?.map(() => null) });
    expect(outcomes.map((o) => o.transactionHash)).toEqual(signed[0]?.map((s) => s.transactionHash));
    expect(outcomes.every((o) => o.status === 'confirmed')).toBe(true);
    expect(ticketIdsOf(outcomes)).toEqual(idsOf(tickets));
    // What the outcomes say the minter paid is what left its account: signature fees and the rent of the new accounts.
    expect(balanceBefore - (await minterBalance())).toBe(feesOf(outcomes));

    for (const ticket of tickets) {
      const { mint, holding } = await onChain(ticket);
      expect(mint).toEqual({ program: TOKEN_PROGRAM_ADDRESS, mintAuthority: false, supply: 1n, decimals: 0, freezeAuthority: false });
      expect(holding).toEqual({ mint: await adapter.tokenIdOf(ticket), owner: await owner(ticket.userId), amount: 1n });
    }
    const states = await adapter.onChainStates(tickets);
    for (const ticket of tickets) expect(states.get(ticket.ticketId)).toEqual({ state: 'minted', owner: ticket.owner });
  });

  it('splits 50 tickets over several transactions within 1,232 bytes, minting each ticket once', async () => {
    const tickets = await newTickets(50, ['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7']);
    const before = await executed();
    let signedCount = 0;
    const outcomes = await adapter.mint(tickets, async (batch) => {
      signedCount = batch.length;
    });
    const after = await executed();
    const perTransaction = mintsPerTransaction();

    expect(perTransaction).toBeGreaterThanOrEqual(3);
    expect(outcomes).toHaveLength(Math.ceil(50 / perTransaction));
    expect(signedCount).toBe(outcomes.length);
    expect(outcomes.every((o) => o.status === 'confirmed' && o.ticketIds.length <= perTransaction)).toBe(true);
    expect(ticketIdsOf(outcomes)).toEqual(idsOf(tickets));
    const landed = after.transactions.slice(before.count);
    expect(landed.map((t) => t.signature).sort()).toEqual(outcomes.map((o) => o.transactionHash).sort());
    expect(landed.every((t) => t.bytes <= 1232 && t.err === null)).toBe(true);
    const states = await adapter.onChainStates(tickets);
    expect([...states.values()].every((s) => s.state === 'minted')).toBe(true);
    for (const ticket of tickets.slice(0, 5)) expect((await onChain(ticket)).mint?.supply).toBe(1n);
  });

  it('leaves out tickets already on chain: asked again, it signs and sends nothing', async () => {
    const tickets = await newTickets(4);
    await adapter.mint(tickets, async () => {});
    const before = await executed();
    expect(await adapter.mint(tickets, noSigning)).toEqual([]);
    // Mixed with new tickets, only the new ones are minted.
    const fresh = await newTickets(2);
    const outcomes = await adapter.mint([...tickets, ...fresh], async () => {});
    expect(ticketIdsOf(outcomes)).toEqual(idsOf(fresh));
    expect((await executed()).count).toBe(before.count + outcomes.length);
  });

  it('mints a ticket once when two minters race for it: the loser’s transaction is refused, not minted twice', async () => {
    const tickets = await newTickets(2);
    const otherMinter = crypto.getRandomValues(new Uint8Array(32));
    const otherSigner = await createKeyPairSignerFromPrivateKeyBytes(Uint8Array.from(otherMinter));
    await rpc('requestAirdrop', [otherSigner.address, 10_000_000_000]);
    const other = createSolanaAdapter({ ...config, minterKey: Buffer.from(otherMinter).toString('hex') });
    // Both read the chain and sign before either sends.
    let release: () => void = () => {};
    const bothSigned = new Promise<void>((resolve) => {
      let signed = 0;
      release = () => {
        signed += 1;
        if (signed === 2) resolve();
      };
    });
    const onSigned = async () => {
      release();
      await bothSigned;
    };
    const results = (await Promise.all([adapter.mint(tickets, onSigned), other.mint(tickets, onSigned)])).flat();

    expect(results.filter((o) => o.status === 'confirmed')).toHaveLength(1);
    const [refused] = results.filter((o) => o.status === 'reverted');
    expect(refused?.error).toMatch(/refused in simulation/);
    expect(refused?.feePaid).toBe(0n);
    for (const ticket of tickets) expect((await onChain(ticket)).mint?.supply).toBe(1n);
  });

  it('mints to a mint address someone sent lamports to first', async () => {
    const [ticket] = await newTickets(1);
    const mint = await adapter.tokenIdOf(ticket as Ticket);
    await rpc('requestAirdrop', [mint, 1_000_000]);
    const outcomes = await adapter.mint([ticket as Ticket], async () => {});
    expect(outcomes.map((o) => o.status)).toEqual(['confirmed']);
    expect((await onChain(ticket as Ticket)).mint).toMatchObject({ supply: 1n, mintAuthority: false, decimals: 0 });
  });

  it('sends a transaction again that the chain did not see, while its blockhash is valid', async () => {
    const tickets = await newTickets(4);
    await control('config', { dropTransactions: 2 });
    const outcomes = await adapter.mint(tickets, async () => {});
    expect(outcomes.every((o) => o.status === 'confirmed')).toBe(true);
    expect((await adapter.onChainStates(tickets)).get(tickets[0]?.ticketId as string)).toMatchObject({ state: 'minted' });
  });

  it('reports a transaction that never landed as reverted once its blockhash expired, having minted nothing', async () => {
    const tickets = await newTickets(2);
    await control('config', { dropTransactions: 1_000 });
    try {
      const expiry = setTimeout(() => control('slots', { advance: 200 }), 200);
      const outcomes = await adapter.mint(tickets, async () => {});
      clearTimeout(expiry);
      expect(outcomes).toEqual([expect.objectContaining({ status: 'reverted', feePaid: 0n, error: expect.stringMatching(/expired/) })]);
    } finally {
      await control('config', { dropTransactions: 0 });
    }
    expect([...(await adapter.onChainStates(tickets)).values()]).toEqual([{ state: 'absent' }, { state: 'absent' }]);
  });

  it('signs nothing twice and sends nothing when recording the signatures fails', async () => {
    const tickets = await newTickets(2);
    const before = await executed();
    await expect(
      adapter.mint(tickets, async () => {
        throw new Error('the database is down');
      }),
    ).rejects.toThrow('the database is down');
    expect((await executed()).count).toBe(before.count);
    expect([...(await adapter.onChainStates(tickets)).values()].every((s) => s.state === 'absent')).toBe(true);
  });

  it('refuses more than 50 tickets at once', async () => {
    await expect(adapter.mint(await newTickets(51), noSigning)).rejects.toThrow(/at most 50/);
  });
});

describe('Solana adapter: states and burning', () => {
  it('burns minted tickets with their owners’ custodial keys, the minter paying the fees', async () => {
    const tickets = await newTickets(5, ['carol', 'dave']);
    await adapter.mint(tickets, async () => {});
    const balanceBefore = await minterBalance();
    const outcomes = await adapter.burn(tickets.map((t) => ({ ticketId: t.ticketId, tenantId: TENANT, ownerUserId: t.userId })));

    expect(outcomes.every((o) => o.status === 'confirmed')).toBe(true);
    expect(ticketIdsOf(outcomes)).toEqual(idsOf(tickets));
    expect(balanceBefore - (await minterBalance())).toBe(feesOf(outcomes));
    const states = await adapter.onChainStates(tickets);
    for (const ticket of tickets) {
      expect(states.get(ticket.ticketId)).toEqual({ state: 'burned' });
      const { mint, holding } = await onChain(ticket);
      expect(mint?.supply).toBe(0n);
      expect(holding?.amount).toBe(0n);
    }
    // Burned tickets are neither burned again nor minted again.
    expect(await adapter.burn(tickets.map((t) => ({ ticketId: t.ticketId, tenantId: TENANT, ownerUserId: t.userId })))).toEqual([]);
    expect(await adapter.mint(tickets, noSigning)).toEqual([]);
  });

  it('reads never-minted tickets as absent and a ticket moved to another wallet as minted to that wallet', async () => {
    const [kept, moved, never] = await newTickets(3);
    await adapter.mint([kept as Ticket, moved as Ticket], async () => {});
    // The owner sends the ticket on to a wallet of its own (the minter pays the fee).
    const ownerKey = await custodialPrivateKey(SEED, { tenantId: TENANT, userId: (moved as Ticket).userId, chain: 'solana' });
    const holder = await createKeyPairSignerFromPrivateKeyBytes(ownerKey);
    const minter = await createKeyPairSignerFromPrivateKeyBytes(Uint8Array.from(Buffer.from(chain.minterKey, 'hex')));
    const wallet = address(await owner(`wallet-${crypto.randomUUID()}`));
    const mint = address(await adapter.tokenIdOf(moved as Ticket));
    const [from] = await findAssociatedTokenPda({ owner: holder.address, mint, tokenProgram: TOKEN_PROGRAM_ADDRESS });
    const [to] = await findAssociatedTokenPda({ owner: wallet, mint, tokenProgram: TOKEN_PROGRAM_ADDRESS });
    const { value: lifetime } = await rpc<{ value: { blockhash: string; lastValidBlockHeight: number } }>('getLatestBlockhash');
    const transaction = await signTransactionMessageWithSigners(
      pipe(
        createTransactionMessage({ version: 0 }),
        (m) => setTransactionMessageFeePayerSigner(minter, m),
        (m) =>
          setTransactionMessageLifetimeUsingBlockhash(
            { blockhash: lifetime.blockhash as never, lastValidBlockHeight: BigInt(lifetime.lastValidBlockHeight) },
            m,
          ),
        (m) =>
          appendTransactionMessageInstructions(
            [
              getCreateAssociatedTokenIdempotentInstruction({ payer: minter, ata: to, owner: wallet, mint }),
              getTransferInstruction({ source: from, destination: to, authority: holder, amount: 1n }),
            ],
            m,
          ),
      ),
    );
    await rpc('sendTransaction', [getBase64EncodedWireTransaction(transaction), { encoding: 'base64' }]);

    const states = await adapter.onChainStates([kept, moved, never] as Ticket[]);
    expect(states.get((kept as Ticket).ticketId)).toEqual({ state: 'minted', owner: (kept as Ticket).owner });
    expect(states.get((moved as Ticket).ticketId)).toEqual({ state: 'minted', owner: wallet });
    expect(states.get((never as Ticket).ticketId)).toEqual({ state: 'absent' });
    // Its custodial owner no longer holds it: the burn leaves it out.
    expect(await adapter.burn([{ ticketId: (moved as Ticket).ticketId, tenantId: TENANT, ownerUserId: (moved as Ticket).userId }])).toEqual(
      [],
    );
  });

  it('reads more tickets than one getMultipleAccounts request takes', async () => {
    const tickets = await newTickets(60);
    const states = await adapter.onChainStates(tickets);
    expect(states.size).toBe(60);
    expect([...states.values()].every((s) => s.state === 'absent')).toBe(true);
  });

  it('derives each ticket’s mint address from (tenant, ticket) alone', async () => {
    const ticket = { ticketId: 'ticket-1', tenantId: TENANT };
    const id = await adapter.tokenIdOf(ticket);
    expect(id).toMatch(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/);
    expect(await createSolanaAdapter({ ...config, rpcUrl: 'http://127.0.0.1:1' }).tokenIdOf(ticket)).toBe(id);
    expect(await adapter.tokenIdOf({ ...ticket, tenantId: 'other' })).not.toBe(id);
    expect(adapter.contract).toBe(TOKEN_PROGRAM_ADDRESS);
    expect(adapter.maxBatch).toBe(50);
  });
});

describe('Solana adapter: refusals and outages', () => {
  it('reports transactions the chain refuses as reverted (a plain refusal, not an outage)', async () => {
    const tickets = await newTickets(4);
    await adapter.mint(tickets.slice(0, 2), async () => {});
    await control('config', { refuseTransactions: true });
    try {
      const minted = await adapter.mint(tickets.slice(2), async () => {});
      expect(minted.length).toBeGreaterThan(0);
      for (const outcome of minted)
        expect(outcome).toMatchObject({ status: 'reverted', feePaid: 0n, error: expect.stringMatching(/refused/) });
      const burned = await adapter.burn(
        tickets.slice(0, 2).map((t) => ({ ticketId: t.ticketId, tenantId: TENANT, ownerUserId: t.userId })),
      );
      expect(burned.map((o) => o.status)).toEqual(['reverted']);
    } finally {
      await control('config', { refuseTransactions: false });
    }
    const states = await adapter.onChainStates(tickets);
    expect(tickets.map((t) => states.get(t.ticketId)?.state)).toEqual(['minted', 'minted', 'absent', 'absent']);
  });

  it('throws ChainUnavailableError when nothing listens at the RPC URL', async () => {
    const down = createSolanaAdapter({ ...config, rpcUrl: `http://127.0.0.1:${await freePort()}` });
    const tickets = await newTickets(1);
    await expect(down.onChainStates(tickets)).rejects.toBeInstanceOf(ChainUnavailableError);
    await expect(down.mint(tickets, noSigning)).rejects.toBeInstanceOf(ChainUnavailableError);
    await expect(down.burn([{ ticketId: 't', tenantId: TENANT, ownerUserId: 'u' }])).rejects.toBeInstanceOf(ChainUnavailableError);
    await expect(down.feeQuote()).rejects.toBeInstanceOf(ChainUnavailableError);
  });

  it('throws ChainUnavailableError on HTTP 5xx and on a node that does not answer in time, and a plain Error on HTTP 4xx', async () => {
    let status = 503;
    const server = createServer((_req, res) => {
      if (status === 0) return; // never answers
      res.writeHead(status).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const broken = createSolanaAdapter({ ...config, rpcUrl: url, requestTimeoutMs: 200 });
      const tickets = await newTickets(1);
      await expect(broken.onChainStates(tickets)).rejects.toBeInstanceOf(ChainUnavailableError);
      status = 0;
      await expect(broken.onChainStates(tickets)).rejects.toBeInstanceOf(ChainUnavailableError);
      status = 403;
      const refused = await broken.onChainStates(tickets).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(Error);
      expect(refused).not.toBeInstanceOf(ChainUnavailableError);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('Solana adapter: fees', () => {
  it('quotes rent, a share of the signature fees and of the priority fee per ticket, following the fee market', async () => {
    const mintRent = BigInt(await rpc<number>('getMinimumBalanceForRentExemption', [82]));
    const tokenAccountRent = BigInt(await rpc<number>('getMinimumBalanceForRentExemption', [165]));
    const quiet = await adapter.feeQuote();
    expect(quiet).toMatchObject({ chain: 'solana', decimals: 9, congestion: 'low' });
    const perTransaction = BigInt(mintsPerTransaction());
    expect(quiet.perTicket).toBe(mintRent + tokenAccountRent + (5_000n * (perTransaction + 1n) + perTransaction - 1n) / perTransaction);

    try {
      await control('config', { priorityFeeMicroLamports: 50_000 });
      expect((await adapter.feeQuote()).congestion).toBe('medium');
      await control('config', { priorityFeeMicroLamports: 2_000_000 });
      const busy = await adapter.feeQuote();
      expect(busy.congestion).toBe('high');
      const priority = (2_000_000n * BigInt(unitsFor(Number(perTransaction), MINT_UNITS)) + 999_999n) / 1_000_000n;
      expect(busy.perTicket).toBe(quiet.perTicket + (priority + perTransaction - 1n) / perTransaction);

      // A mint pays that priority fee, and reports it.
      const tickets = await newTickets(3);
      const balanceBefore = await minterBalance();
      const outcomes = await adapter.mint(tickets, async () => {});
      expect(outcomes.every((o) => o.status === 'confirmed')).toBe(true);
      expect(balanceBefore - (await minterBalance())).toBe(feesOf(outcomes));
      expect(feesOf(outcomes)).toBeGreaterThanOrEqual(3n * (mintRent + tokenAccountRent) + 4n * 5_000n + priority);
    } finally {
      await control('config', { priorityFeeMicroLamports: 0 });
    }
  });
});
