import { type ChainAdapter, ChainUnavailableError, type TransferRequest } from '../chains/types';
import type { Bindings } from '../env';
import type { Logger } from '../lib/logger';
import { ticketStub } from '../lib/stubs';
import { type Job, refusedDelaySeconds, waitForChain } from './mint';

/**
 * Resale transfers on the mint queues: each ticket's TicketDO says where its token goes (the buyer's custodial
 * address) and which transaction may carry it already; the hashes are recorded before broadcasting; a chain
 * that cannot be reached waits without counting, a refusal counts, and the third gives the transfer up (the
 * TicketDO tells the sale, which refunds its buyer).
 */
export async function transferGroup(env: Bindings, adapter: ChainAdapter, jobs: Job[], logger: Logger): Promise<void> {
  const stub = (job: Job) => ticketStub(env, job.body.tenantId, job.body.ticketId);
  const pending = new Map<string, { job: Job; request: TransferRequest; recordedHash: string | null }>();
  for (const job of jobs) {
    const claim = await stub(job).claimTransfer(job.body.jobId);
    if (claim.action === 'skip') job.msg.ack();
    else
      pending.set(job.body.ticketId, {
        job,
        request: { ticketId: job.body.ticketId, tenantId: job.body.tenantId, fromUserId: claim.fromUserId, to: claim.to },
        recordedHash: claim.transactionHash,
      });
  }
  if (pending.size === 0) return;
  try {
    const outcomes = await adapter.transfer(
      [...pending.values()].map((p) => p.request),
      async (signed) => {
        const records = signed.flatMap((tx) =>
          tx.ticketIds.flatMap((id) => {
            const entry = pending.get(id);
            return entry ? [stub(entry.job).recordTransferTransaction(entry.job.body.jobId, tx.transactionHash)] : [];
          }),
        );
        await Promise.all(records);
      },
    );
    for (const outcome of outcomes) {
      for (const id of outcome.ticketIds) {
        const entry = pending.get(id);
        if (!entry) continue;
        pending.delete(id);
        const { jobId } = entry.job.body;
        if (outcome.status === 'confirmed') {
          // Nothing sent (the buyer holds it already): the hash recorded when it was sent.
          await stub(entry.job).confirmTransfer(jobId, outcome.transactionHash || entry.recordedHash);
          entry.job.msg.ack();
          continue;
        }
        const { failed, attempts } = await stub(entry.job).refuseTransfer(jobId, outcome.error ?? 'the chain reverted the transfer');
        if (failed) entry.job.msg.ack();
        else entry.job.msg.retry({ delaySeconds: refusedDelaySeconds(attempts) });
      }
    }
    // A ticket no outcome named was not sent: it is tried again.
    for (const entry of pending.values()) await waitForChain(env, entry.job);
    logger.info('mint.transferred', { chain: adapter.chain, tickets: jobs.length, transactions: outcomes.length });
  } catch (err) {
    if (err instanceof ChainUnavailableError) {
      for (const entry of pending.values()) await waitForChain(env, entry.job);
      logger.warn('mint.transfer_chain_unavailable', { chain: adapter.chain, tickets: pending.size });
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    for (const entry of pending.values()) {
      const { failed, attempts } = await stub(entry.job).refuseTransfer(entry.job.body.jobId, message);
      if (failed) entry.job.msg.ack();
      else entry.job.msg.retry({ delaySeconds: refusedDelaySeconds(attempts) });
    }
    logger.warn('mint.transfer_refused', { chain: adapter.chain, tickets: pending.size, error: message });
  }
}
