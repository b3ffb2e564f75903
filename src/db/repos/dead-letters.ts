import { and, asc, eq, inArray, isNull, or, type SQL, sql } from 'drizzle-orm';
import { storableJson, storableText } from '../../lib/storable-json';
import type { Db } from '../client';
import { outboxDlq } from '../schema';

export type DeadLetterInput = {
  queue: string;
  messageId: string;
  eventId: string | null;
  eventType: string | null;
  tenantId: string | null;
  body: unknown;
  attempts: number | null;
  lastError: string | null;
};

/**
 * Keeps a dead letter whatever it holds: text Postgres cannot store (U+0000, lone surrogates) is replaced
 * by U+FFFD in the body and the text columns, so the text that killed a message cannot also lose its record.
 */
export async function recordDeadLetter(db: Db, letter: DeadLetterInput): Promise<void> {
  const text = (value: string | null) => (value === null ? null : storableText(value));
  await db
    .insert(outboxDlq)
    .values({
      ...letter,
      messageId: storableText(letter.messageId),
      eventId: text(letter.eventId),
      eventType: text(letter.eventType),
      tenantId: text(letter.tenantId),
      body: storableJson(letter.body ?? null),
      lastError: text(letter.lastError),
    })
    .onConflictDoNothing();
}

/** A message no consumer can ever parse: kept at once with its schema problems, instead of spending every retry on it. */
export function recordUnparsableMessage(
  db: Db,
  queue: string,
  msg: { id: string; body: unknown; attempts: number },
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
): Promise<void> {
  return recordDeadLetter(db, {
    queue,
    messageId: msg.id,
    eventId: null,
    eventType: null,
    tenantId: null,
    body: msg.body ?? null,
    attempts: msg.attempts,
    lastError: `invalid message: ${issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; ')}`,
  });
}

/** Who may see which rows: a tenant's admin its own; the platform's admin also the tenant-less (system) ones. */
export type DeadLetterScope = { tenantId: string; includeSystem: boolean };

function scopeFilter(scope: DeadLetterScope): SQL {
  const own = eq(outboxDlq.tenantId, scope.tenantId);
  return scope.includeSystem ? (or(own, isNull(outboxDlq.tenantId)) as SQL) : own;
}

export async function listDeadLetters(db: Db, scope: DeadLetterScope, opts: { queue?: string; pendingOnly: boolean; limit: number }) {
  const filters = [scopeFilter(scope)];
  if (opts.queue) filters.push(eq(outboxDlq.queue, opts.queue));
  if (opts.pendingOnly) filters.push(isNull(outboxDlq.requeuedAt));
  return db
    .select()
    .from(outboxDlq)
    .where(and(...filters))
    .orderBy(asc(outboxDlq.id))
    .limit(opts.limit);
}

export async function findDeadLetters(db: Db, scope: DeadLetterScope, ids: number[]) {
  return db
    .select()
    .from(outboxDlq)
    .where(and(scopeFilter(scope), inArray(outboxDlq.id, ids)));
}

export async function markRequeued(db: Db, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .update(outboxDlq)
    .set({ requeuedAt: sql`now()`, requeueCount: sql`${outboxDlq.requeueCount} + 1` })
    .where(inArray(outboxDlq.id, ids));
}
