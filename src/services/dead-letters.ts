import { withDb } from '../db/client';
import { type DeadLetterScope, findDeadLetters, listDeadLetters, markRequeued } from '../db/repos/dead-letters';
import type { outboxDlq } from '../db/schema';
import type { Bindings, Config, Principal } from '../env';
import { ticketStub } from '../lib/stubs';
import { MintMessage } from '../queues/messages';

type WaitUntil = { waitUntil(promise: Promise<unknown>): void };
type Row = typeof outboxDlq.$inferSelect;

export function deadLetterScope(principal: Principal, config: Config): DeadLetterScope {
  return { tenantId: principal.tenantId, includeSystem: principal.tenantId === config.platformTenantId };
}

function queueFor(env: Bindings, name: string): Queue | null {
  if (name === 'outbox') return env.OUTBOX_QUEUE;
  if (name === 'mint') return env.MINT_QUEUE;
  if (name === 'deliveries') return env.DELIVERIES_QUEUE;
  return null;
}

function toDeadLetterView(row: Row) {
  return {
    id: row.id,
    queue: row.queue as 'outbox' | 'mint' | 'deliveries',
    messageId: row.messageId,
    eventId: row.eventId,
    eventType: row.eventType,
    tenantId: row.tenantId,
    body: row.body,
    attempts: row.attempts,
    lastError: row.lastError,
    movedToDlqAt: row.movedToDlqAt.toISOString(),
    requeuedAt: row.requeuedAt ? row.requeuedAt.toISOString() : null,
    requeueCount: row.requeueCount,
  };
}

export function listDeadLettersFor(
  config: Config,
  ctx: WaitUntil,
  scope: DeadLetterScope,
  query: { queue?: string; status: 'pending' | 'all'; limit: number },
) {
  return withDb(config, ctx, async (db) =>
    (await listDeadLetters(db, scope, { queue: query.queue, pendingOnly: query.status === 'pending', limit: query.limit })).map(
      toDeadLetterView,
    ),
  );
}

/**
 * Sends each dead letter's original body back to its queue. Safe to repeat: consumers are idempotent
 * on eventId. Ids outside the caller's scope are reported as not found, never revealed.
 */
export function requeueDeadLetters(env: Bindings, config: Config, ctx: WaitUntil, scope: DeadLetterScope, ids: number[]) {
  return withDb(config, ctx, async (db) => {
    const unique = [...new Set(ids)];
    const rows = await findDeadLetters(db, scope, unique);
    const requeued: number[] = [];
    for (const row of rows) {
      const queue = queueFor(env, row.queue);
      if (!queue) continue;
      // A dead-lettered mint starts its attempts again in its TicketDO, which otherwise refuses a failed ticket.
      const mint = row.queue === 'mint' ? MintMessage.safeParse(row.body) : null;
      if (mint?.success && mint.data.op === 'mint')
        await ticketStub(env, mint.data.tenantId, mint.data.ticketId).requeueMint(mint.data.tenantId);
      await queue.send(row.body, { contentType: 'json' });
      await markRequeued(db, [row.id]);
      requeued.push(row.id);
    }
    const found = new Set(requeued);
    return { requeued: requeued.sort((a, b) => a - b), notFound: unique.filter((id) => !found.has(id)).sort((a, b) => a - b) };
  });
}
