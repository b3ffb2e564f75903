import { decideIdempotency, responseRetentionMs } from '../../src/domain/idempotency';
import { errorSpec } from '../../src/lib/error-catalog';
import { IdempotencyStore } from '../idempotency';
import { answerOf, refused, resultOf, stamp } from './replies';
import type { PaymentResult, Reply } from './types';

/** How long an in-progress request holds its key before a retry may take over (the PSP call is bounded by PSP_TIMEOUT_MS). */
const LEASE_MS = 90_000;

/** Replay, 409 while running, 422 for another body; 2xx kept 24 h, 4xx 1 h (but not a refusal the catalog marks curedByRetry), 5xx not kept. */
export async function idempotent(
  sql: SqlStorage,
  scope: string,
  input: { fingerprint: string; path: string },
  run: () => Promise<Reply>,
): Promise<PaymentResult> {
  const store = new IdempotencyStore(sql);
  const now = Date.now();
  const record = store.read(scope);
  const decision = decideIdempotency(record, input.fingerprint, now);
  if (decision === 'replay' && record?.status !== undefined && record.body !== null)
    return { ...resultOf({ status: record.status, body: record.body }), replayed: true };
  if (decision === 'reused')
    return refused(input.path, {
      refusal: {
        code: 'IDEMPOTENCY_KEY_REUSED',
        message: 'This Idempotency-Key was already used with a different request body',
      },
    });
  if (decision === 'in_progress')
    return refused(input.path, {
      refusal: { code: 'DUPLICATE_IN_PROGRESS', message: 'A request with this Idempotency-Key is still being processed' },
    });
  store.begin(scope, input.fingerprint, now + LEASE_MS);
  let reply: Reply;
  try {
    reply = await run();
  } catch (err) {
    store.forget(scope);
    throw err;
  }
  const answer = answerOf(stamp(reply, input.path, new Date()));
  const retention = !reply.ok && errorSpec(reply.refusal.code).curedByRetry ? 0 : responseRetentionMs(answer.status);
  if (retention > 0) store.complete(scope, input.fingerprint, Date.now() + retention, answer);
  else store.forget(scope);
  return { ...resultOf(answer), replayed: false };
}
