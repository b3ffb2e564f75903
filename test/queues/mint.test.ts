import { env } from 'cloudflare:workers';
import { describe, expect, inject, it } from 'vitest';
import type { TicketIssue } from '../../durable-objects/ticket/types';
import { custodialAddress } from '../../src/chains/custody';
import { chainAdapter } from '../../src/chains/registry';
import type { Chain } from '../../src/chains/types';
import { type Bindings, parseConfig } from '../../src/env';
import { ticketStub } from '../../src/lib/stubs';
import type { MintMessage } from '../../src/queues/messages';
import { call, json } from '../helpers/app';
import { eventually, rows, sql } from '../helpers/db';
import { jsonRpc as rpc } from '../helpers/json-rpc';
import { deliverBatch, holdingQueue } from '../helpers/queues';
import { bearer, signToken } from '../helpers/tokens';

/**
 * The mint consumer against the real local chains, reached directly (not through the outage proxy other
 * tests may be holding down). Tickets are issued straight into their TicketDOs, so nothing but the batches
 * these tests deliver mints them.
 */
const direct = JSON.parse(inject('chainDirectUrls')) as { polygon: string; solana: string };
const directChains = { POLYGON_RPC_URL: direct.polygon, SOLANA_RPC_URL: direct.solana };
const chainEnv = { ...env, ...directChains } as Bindings;

async function issueTickets(chain: Chain, count: number, tenantId = `mint-${crypto.randomUUID()}`, userId = 'holder') {
  const config = parseConfig(chainEnv);
  const adapter = chainAdapter(config.chains, chain);
  if (!adapter) throw new Error(`${chain} is not configured`);
  const ownerAddress = await custodialAddress(env.CUSTODY_SEED, { tenantId, userId, chain });
  const transactionId = crypto.randomUUID();
  const issues: TicketIssue[] = await Promise.all(
    Array.from({ length: count }, async () => {
      const ticketId = `tkt_${crypto.randomUUID().replace(/-/g, '').slice(0, 26)}`;
      return {
        ticketId,
        tenantId,
        eventId: 'ev',
        venueId: 'venue',
        ticketTypeId: 'ga',
        seat: null,
        faceValue: 5000,
        currency: 'USD',
        ownerId: userId,
        transactionId,
        jobId: `mint_${transactionId}`,
        priority: 'standard' as const,
        nft: { chain, contract: adapter.contract, tokenId: await adapter.tokenIdOf({ ticketId, tenantId }), ownerAddress },
      };
    }),
  );
  await Promise.all(issues.map((i) => ticketStub(env, tenantId, i.ticketId).issue(i)));
  const messages: MintMessage[] = issues.map((i) => ({ v: 1, op: 'mint', tenantId, ticketId: i.ticketId, chain, jobId: i.jobId }));
  return { tenantId, issues, messages, adapter };
}

/** A batch through the consumer, reaching the chains directly (plus any other binding overridden). */
const deliver = (queue: string, bodies: unknown[], attempts = 1, overrides: Partial<Bindings> = {}) =>
  deliverBatch(queue, bodies, attempts, { ...directChains, ...overrides });

const viewOf = (tenantId: string, ticketId: string) => ticketStub(env, tenantId, ticketId).view(tenantId);

async function minterNonce(): Promise<number> {
  const [minter] = await rpc<string[]>(direct.polygon, 'eth_accounts', []);
  return Number(await rpc<string>(direct.polygon, 'eth_getTransactionCount', [minter, 'latest']));
}

describe('the mint consumer', () => {
  it('mints 250 Polygon tickets in batches of at most 100, one transaction each, and records hash and gas', {
    timeout: 60_000,
  }, async () => {
    const { tenantId, issues, messages } = await issueTickets('polygon', 250);
    for (let i = 0; i < messages.length; i += 100) {
      const result = await deliver('mint', messages.slice(i, i + 100));
      expect(result.explicitAcks).toHaveLength(Math.min(100, messages.length - i));
    }
    const views = await Promise.all(issues.map((t) => viewOf(tenantId, t.ticketId)));
    const batches = new Map<string, Set<string>>();
    for (const view of views) {
      expect(view?.nft).toMatchObject({ status: 'minted', attempts: 0 });
      expect(BigInt(view?.nft?.gasPaid ?? '0')).toBeGreaterThan(0n);
      const key = view?.nft?.mintBatchId as string;
      batches.set(key, (batches.get(key) ?? new Set()).add(view?.nft?.transactionHash as string));
    }
    expect([...batches.keys()]).toHaveLength(3);
    for (const hashes of batches.values()) expect(hashes.size).toBe(1);
    const sizes = [...batches.keys()].map((b) => views.filter((v) => v?.nft?.mintBatchId === b).length).sort((a, b) => b - a);
    expect(sizes).toEqual([100, 100, 50]);
  });

  it('mints 250 Solana tickets in groups of at most 50, several transactions per group', { timeout: 90_000 }, async () => {
    const { tenantId, issues, messages } = await issueTickets('solana', 250);
    for (let i = 0; i < messages.length; i += 100) await deliver('mint', messages.slice(i, i + 100));
    const views = await Promise.all(issues.map((t) => viewOf(tenantId, t.ticketId)));
    const groups = new Map<string, Set<string>>();
    for (const view of views) {
      expect(view?.nft?.status).toBe('minted');
      const key = view?.nft?.mintBatchId as string;
      groups.set(key, (groups.get(key) ?? new Set()).add(view?.nft?.transactionHash as string));
    }
    const sizes = [...groups.keys()].map((g) => views.filter((v) => v?.nft?.mintBatchId === g).length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(50);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(250);
    // A transaction holds a few tickets, so a group of 50 takes several.
    for (const hashes of groups.values()) expect(hashes.size).toBeGreaterThan(1);
  });

  it('never mints twice when a batch confirmed on chain but its acknowledgement was lost', async () => {
    const { tenantId, issues, messages, adapter } = await issueTickets('polygon', 3);
    // What a consumer killed after broadcasting did: claim, record the hash, send; it never confirmed.
    const batchId = 'mb_killed';
    for (const t of issues) await ticketStub(env, tenantId, t.ticketId).claimMint(batchId);
    const outcomes = await adapter.mint(
      issues.map((t) => ({ ticketId: t.ticketId, tenantId, owner: t.nft?.ownerAddress as string })),
      async (signed) => {
        for (const tx of signed)
          for (const id of tx.ticketIds) await ticketStub(env, tenantId, id).recordMintTransaction(tx.transactionHash);
      },
    );
    expect(outcomes.map((o) => o.status)).toEqual(['confirmed']);
    expect((await viewOf(tenantId, issues[0]?.ticketId as string))?.nft?.status).toBe('minting');

    const before = await minterNonce();
    const result = await deliver('mint', messages, 2);
    expect(result.explicitAcks).toHaveLength(3);
    expect(await minterNonce()).toBe(before);
    for (const t of issues) {
      const view = await viewOf(tenantId, t.ticketId);
      expect(view?.nft).toMatchObject({ status: 'minted', transactionHash: outcomes[0]?.transactionHash });
    }
    // Delivered yet again after that: nothing to do.
    expect((await deliver('mint', messages, 3)).explicitAcks).toHaveLength(3);
    expect(await minterNonce()).toBe(before);
  });

  it('retries without counting while the chain cannot be reached', async () => {
    const { tenantId, issues, messages } = await issueTickets('polygon', 2);
    const result = await deliver('mint', messages, 1, { POLYGON_RPC_URL: 'http://127.0.0.1:1' });
    expect(result.retryMessages).toHaveLength(2);
    expect((await viewOf(tenantId, issues[0]?.ticketId as string))?.nft).toMatchObject({ status: 'minting', attempts: 0 });
    // Near the queue's own retry limit, an outage must not dead-letter the ticket: a fresh copy waits on instead.
    const holding = holdingQueue();
    const late = await deliver('mint', messages, 95, { POLYGON_RPC_URL: 'http://127.0.0.1:1', MINT_QUEUE: holding.queue });
    expect(late.explicitAcks).toHaveLength(2);
    expect(holding.take()).toEqual(messages);
    await deliver('mint', messages, 2);
    expect((await viewOf(tenantId, issues[0]?.ticketId as string))?.nft?.status).toBe('minted');
  });

  it('dead-letters a ticket the chain refused three times; an admin requeue mints it once', { timeout: 60_000 }, async () => {
    const { tenantId, issues, messages } = await issueTickets('polygon', 1, undefined, 'unlucky');
    const ticketId = issues[0]?.ticketId as string;
    // A minter the contract does not know: every mint is refused by the chain itself.
    const refusing = { POLYGON_MINTER_KEY: `0x${'11'.repeat(32)}` };
    for (const attempt of [1, 2]) {
      const result = await deliver('mint', messages, attempt, refusing);
      expect(result.retryMessages).toHaveLength(1);
      expect((await viewOf(tenantId, ticketId))?.nft).toMatchObject({ status: 'queued', attempts: attempt });
    }
    const third = await deliver('mint', messages, 3, refusing);
    expect(third.explicitAcks).toHaveLength(1);
    expect((await viewOf(tenantId, ticketId))?.nft).toMatchObject({ status: 'failed', attempts: 3 });

    // The dead letter reaches Postgres, where an admin finds and requeues it.
    const deadLetter = await eventually(async () => {
      const [row] = await rows<{ id: string }>(sql`SELECT id FROM outbox_dlq WHERE queue = 'mint' AND body->>'ticketId' = ${ticketId}`);
      return row;
    }, 20_000);
    const failedJob = await eventually(async () => {
      const [row] = await rows<{ status: string }>(sql`SELECT status FROM nft_mint_queue WHERE id = ${issues[0]?.jobId}`);
      return row?.status === 'failed' ? row : undefined;
    }, 20_000);
    expect(failedJob.status).toBe('failed');
    const admin = { ...bearer(await signToken({ tenant_id: tenantId, sub: 'ops', role: 'admin' })), 'content-type': 'application/json' };
    const requeued = await call('/admin/dead-letters/requeue', {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ ids: [Number(deadLetter.id)] }),
    });
    expect(requeued.status).toBe(200);
    expect((await json<any>(requeued)).requeued).toEqual([Number(deadLetter.id)]);
    expect((await viewOf(tenantId, ticketId))?.nft).toMatchObject({ status: 'queued', attempts: 0 });
    // The requeued message reaches the consumer in the background; this delivery of the same body races it,
    // and whichever comes first mints the ticket: once.
    await deliver('mint', messages, 1);
    await eventually(async () => ((await viewOf(tenantId, ticketId))?.nft?.status === 'minted' ? true : undefined), 20_000);
    const view = await viewOf(tenantId, ticketId);
    const logs = await rpc<unknown[]>(direct.polygon, 'eth_getLogs', [
      {
        address: env.POLYGON_TICKET_CONTRACT,
        fromBlock: '0x0',
        toBlock: 'latest',
        topics: [
          null,
          null,
          null,
          `0x${BigInt(view?.nft?.tokenId as string)
            .toString(16)
            .padStart(64, '0')}`,
        ],
      },
    ]);
    expect(logs).toHaveLength(1);
  });

  it('skips tickets that are void, already minted or unknown, and dead-letters a message it cannot read', async () => {
    const { tenantId, issues, messages } = await issueTickets('polygon', 2);
    await ticketStub(env, tenantId, issues[0]?.ticketId as string).voidTicket();
    const result = await deliver('mint', [...messages, { ...messages[0], ticketId: 'tkt_00000000000000000000000000' }, { nonsense: true }]);
    expect(result.explicitAcks).toHaveLength(4);
    expect((await viewOf(tenantId, issues[0]?.ticketId as string))?.nft?.status).toBe('queued');
    expect((await viewOf(tenantId, issues[1]?.ticketId as string))?.nft?.status).toBe('minted');
  });
});
