import { chainAdapter } from '../chains/registry';
import { type ChainAdapter, ChainUnavailableError, type MintOutcome, type MintRequest } from '../chains/types';
import { exponentialBackoff } from '../domain/backoff';
import { type Bindings, parseConfig } from '../env';
import { type Logger, loggerFor } from '../lib/logger';
import { ticketStub } from '../lib/stubs';
import { MintMessage } from './messages';
import { transferGroup } from './transfers';

export type Job = { msg: Message<unknown>; body: MintMessage };

/**
 * Waits between tries: a refusal 10 s doubling to a minute; an outage 5 s doubling to 10 s, so mints resume within
 * seconds of the chain's return (a try while it is away costs one failed connection).
 */
export const refusedDelaySeconds = (attempts: number) => exponentialBackoff(attempts, 10, 60);
const unavailableDelaySeconds = (attempts: number) => exponentialBackoff(attempts, 5, 10);
/** Below the deliveries after which the queue dead-letters a message itself (max_retries 100); 90 outage retries are about 15 minutes. */
const FRESH_COPY_AFTER_ATTEMPTS = 90;

/**
 * The `mint` and `mint-urgent` consumer. Mints are grouped by chain and sent in groups of the chain's
 * batch size; for each group it claims the tickets in their TicketDOs, reads the chain (a ticket already
 * there — a batch confirmed whose acknowledgement was lost — is confirmed, not sent again), signs, records
 * the hashes, broadcasts and confirms. A chain that cannot be reached retries without counting; a chain that
 * refuses counts an attempt, and the third refusal dead-letters the ticket. Burns of refunded tickets go the
 * same way.
 */
export async function consumeMint(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  const config = parseConfig(env);
  const logger = loggerFor(env, { queue: batch.queue });
  const groups = new Map<string, Job[]>();
  for (const msg of batch.messages) {
    const parsed = MintMessage.safeParse(msg.body);
    if (!parsed.success) {
      // Never valid, so never mintable: kept in the dead-letter queue for a person to look at.
      await env.MINT_DLQ.send(msg.body, { contentType: 'json' });
      msg.ack();
      logger.error('mint.invalid_message', { messageId: msg.id });
      continue;
    }
    const key = `${parsed.data.op}:${parsed.data.chain}`;
    groups.set(key, [...(groups.get(key) ?? []), { msg, body: parsed.data }]);
  }
  for (const jobs of groups.values()) {
    const first = jobs[0] as Job;
    const adapter = chainAdapter(config.chains, first.body.chain);
    if (!adapter) {
      for (const job of jobs) job.msg.retry({ delaySeconds: 60 });
      logger.warn('mint.chain_not_configured', { chain: first.body.chain, tickets: jobs.length });
      continue;
    }
    for (let i = 0; i < jobs.length; i += adapter.maxBatch) {
      const group = jobs.slice(i, i + adapter.maxBatch);
      if (first.body.op === 'mint') await mintGroup(env, adapter, group, logger);
      else if (first.body.op === 'transfer') await transferGroup(env, adapter, group, logger);
      else await burnGroup(env, adapter, group, logger);
    }
  }
}

async function mintGroup(env: Bindings, adapter: ChainAdapter, jobs: Job[], logger: Logger): Promise<void> {
  const batchId = `mb_${crypto.randomUUID()}`;
  const stub = (job: Job) => ticketStub(env, job.body.tenantId, job.body.ticketId);
  const claims = await Promise.all(jobs.map(async (job) => ({ job, claim: await stub(job).claimMint(batchId) })));
  const pending = new Map<string, { job: Job; request: MintRequest; recordedHash: string | null }>();
  for (const { job, claim } of claims) {
    if (claim.action === 'skip') job.msg.ack();
    else
      pending.set(job.body.ticketId, {
        job,
        request: { ticketId: job.body.ticketId, tenantId: job.body.tenantId, owner: claim.owner },
        recordedHash: claim.transactionHash,
      });
  }
  if (pending.size === 0) return;
  try {
    const states = await adapter.onChainStates([...pending.values()].map((p) => p.request));
    for (const [ticketId, entry] of pending) {
      const state = states.get(ticketId);
      if (state?.state === 'absent' || !state) continue;
      // On chain already (minted, or minted and burned since): confirmed with the hash recorded before it was sent.
      await confirm(env, adapter, entry.job, { transactionHash: entry.recordedHash, gasPaid: null, batchId });
      pending.delete(ticketId);
    }
    if (pending.size === 0) return;
    const outcomes = await adapter.mint(
      [...pending.values()].map((p) => p.request),
      async (signed) => {
        const records = signed.flatMap((tx) =>
          tx.ticketIds.flatMap((id) => {
            const entry = pending.get(id);
            return entry ? [stub(entry.job).recordMintTransaction(tx.transactionHash)] : [];
          }),
        );
        await Promise.all(records);
      },
    );
    for (const outcome of outcomes) await settleOutcome(env, adapter, outcome, pending, batchId, logger);
    // A ticket no outcome named was not sent: it is tried again.
    for (const entry of pending.values()) await waitForChain(env, entry.job);
    logger.info('mint.batch', { chain: adapter.chain, batchId, tickets: jobs.length, transactions: outcomes.length });
  } catch (err) {
    if (err instanceof ChainUnavailableError) {
      for (const entry of pending.values()) await waitForChain(env, entry.job);
      logger.warn('mint.chain_unavailable', { chain: adapter.chain, batchId, tickets: pending.size });
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    for (const entry of [...pending.values()]) await refuse(env, entry.job, message);
    logger.warn('mint.refused', { chain: adapter.chain, batchId, tickets: pending.size, error: message });
  }
}

async function settleOutcome(
  env: Bindings,
  adapter: ChainAdapter,
  outcome: MintOutcome,
  pending: Map<string, { job: Job }>,
  batchId: string,
  logger: Logger,
): Promise<void> {
  const entries = outcome.ticketIds.map((id) => pending.get(id)).filter((e): e is { job: Job } => e !== undefined);
  for (const entry of entries) pending.delete(entry.job.body.ticketId);
  if (outcome.status === 'reverted') {
    // Reverted: nothing of it is on chain, unless it collided with an earlier send; the next try reads the chain first.
    for (const entry of entries) await refuse(env, entry.job, outcome.error ?? 'the chain reverted the mint');
    logger.warn('mint.reverted', { chain: adapter.chain, transactionHash: outcome.transactionHash, tickets: entries.length });
    return;
  }
  // The fee is shared out in whole units; the first ticket carries the remainder, so the shares sum to the fee.
  const count = BigInt(Math.max(entries.length, 1));
  const share = outcome.feePaid / count;
  const remainder = outcome.feePaid - share * count;
  for (const [i, entry] of entries.entries()) {
    const gasPaid = (i === 0 ? share + remainder : share).toString();
    await confirm(env, adapter, entry.job, { transactionHash: outcome.transactionHash, gasPaid, batchId });
  }
}

/**
 * Tries again once the chain may be back. An outage never counts against the ticket, so a message close to the
 * queue's own retry limit is replaced by a fresh copy instead of being dead-lettered for something that is not its fault.
 */
export async function waitForChain(env: Bindings, job: Job): Promise<void> {
  const delaySeconds = unavailableDelaySeconds(job.msg.attempts);
  if (job.msg.attempts < FRESH_COPY_AFTER_ATTEMPTS) {
    job.msg.retry({ delaySeconds });
    return;
  }
  await env.MINT_QUEUE.send(job.body, { contentType: 'json', delaySeconds });
  job.msg.ack();
}

/** Marks the ticket minted and acknowledges its message; a ticket voided meanwhile is sent on to be burned. */
async function confirm(
  env: Bindings,
  adapter: ChainAdapter,
  job: Job,
  input: { transactionHash: string | null; gasPaid: string | null; batchId: string },
): Promise<void> {
  const { burn } = await ticketStub(env, job.body.tenantId, job.body.ticketId).confirmMint(input);
  if (burn) await env.MINT_QUEUE.send({ ...job.body, op: 'burn', chain: adapter.chain } satisfies MintMessage, { contentType: 'json' });
  job.msg.ack();
}

/** Counts a refusal: tried again later, or dead-lettered at the third. */
async function refuse(env: Bindings, job: Job, error: string): Promise<void> {
  const { attempts, failed } = await ticketStub(env, job.body.tenantId, job.body.ticketId).refuseMint(error);
  if (failed) {
    await env.MINT_DLQ.send(job.body, { contentType: 'json' });
    job.msg.ack();
  } else job.msg.retry({ delaySeconds: refusedDelaySeconds(attempts) });
}

async function burnGroup(env: Bindings, adapter: ChainAdapter, jobs: Job[], logger: Logger): Promise<void> {
  const claims = await Promise.all(
    jobs.map(async (job) => ({ job, claim: await ticketStub(env, job.body.tenantId, job.body.ticketId).burnClaim() })),
  );
  const burnable = claims.filter((c) => c.claim !== null);
  for (const c of claims) if (c.claim === null) c.job.msg.ack();
  if (burnable.length === 0) return;
  try {
    const outcomes = await adapter.burn(
      burnable.map(({ job, claim }) => ({
        ticketId: job.body.ticketId,
        tenantId: job.body.tenantId,
        ownerUserId: claim?.ownerId as string,
      })),
    );
    // Left out by the adapter: never minted, burned already, or no longer held by the refunded owner (moved on).
    const named = new Set(outcomes.flatMap((o) => o.ticketIds));
    const leftOut = burnable.filter((b) => !named.has(b.job.body.ticketId));
    if (leftOut.length) {
      const requests = leftOut.map(({ job, claim }) => ({
        ticketId: job.body.ticketId,
        tenantId: job.body.tenantId,
        owner: claim?.ownerAddress ?? '',
      }));
      const states = await adapter.onChainStates(requests);
      for (const { job } of leftOut) {
        if (states.get(job.body.ticketId)?.state === 'burned')
          await ticketStub(env, job.body.tenantId, job.body.ticketId).confirmBurn(null);
        job.msg.ack();
      }
      logger.warn('mint.burn_left_out', { chain: adapter.chain, tickets: leftOut.length });
    }
    for (const outcome of outcomes) {
      for (const id of outcome.ticketIds) {
        const entry = burnable.find((b) => b.job.body.ticketId === id);
        if (!entry) continue;
        if (outcome.status === 'confirmed') {
          await ticketStub(env, entry.job.body.tenantId, id).confirmBurn(outcome.transactionHash);
          entry.job.msg.ack();
        } else entry.job.msg.retry({ delaySeconds: refusedDelaySeconds(entry.job.msg.attempts) });
      }
    }
    logger.info('mint.burned', { chain: adapter.chain, tickets: burnable.length });
  } catch (err) {
    for (const { job } of burnable) {
      if (err instanceof ChainUnavailableError) await waitForChain(env, job);
      else job.msg.retry({ delaySeconds: refusedDelaySeconds(job.msg.attempts) });
    }
    logger.warn('mint.burn_failed', { chain: adapter.chain, tickets: burnable.length, unavailable: err instanceof ChainUnavailableError });
  }
}
