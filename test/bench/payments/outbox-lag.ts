import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { formatColumns } from '../table.ts';
import {
  type Bench,
  benchPool,
  errorCode,
  HIGH_LIMITS,
  LAG_POLL_MS,
  LAG_REQUESTS,
  LAG_SPACING_MS,
  LAG_TIMEOUT_MS,
  machineLoad,
  message,
  ms,
  percentile,
  sleep,
  transactionIdOf,
} from './shared.ts';

export async function outboxLag(b: Bench): Promise<string> {
  const { o } = b;
  if (o.databaseKind === 'pglite') {
    return '(c) outbox lag: skipped — PGlite serves one session at a time, so polling it would stall the app itself';
  }
  const eventId = `lag-${randomUUID().slice(0, 8)}`;
  await b.event(eventId, HIGH_LIMITS);
  const users = await Promise.all(Array.from({ length: LAG_REQUESTS }, (_, i) => b.user(`lag-buyer-${i}`)));

  const { pool, close } = await benchPool(o.databaseUrl);
  try {
    await pool.query('SELECT 1');
    o.say(`(c) outbox lag: ${LAG_REQUESTS} sequential payments (≥ ${LAG_SPACING_MS} ms apart), polling Postgres every ${LAG_POLL_MS} ms`);

    const pending = new Map<string, number>(); // transaction id → when its 200 arrived
    const lags: number[] = [];
    const failed: string[] = [];
    const processMs: number[] = [];
    const missing: string[] = [];
    let pollErrors = 0;
    let lastPollError = '';
    let sending = true;

    const poller = (async () => {
      while ((sending || pending.size > 0) && !o.signal.aborted) {
        if (pending.size > 0) {
          try {
            const { rows } = await pool.query<{ id: string }>(
              "SELECT id::text AS id FROM payment_transactions WHERE id = ANY($1::uuid[]) AND status = 'completed'",
              [[...pending.keys()]],
            );
            const seen = performance.now();
            for (const { id } of rows) {
              const at = pending.get(id);
              if (at === undefined) continue;
              lags.push(seen - at);
              pending.delete(id);
            }
          } catch (err) {
            pollErrors++;
            lastPollError = message(err);
          }
          const now = performance.now();
          for (const [id, at] of pending) {
            if (now - at > LAG_TIMEOUT_MS) {
              missing.push(id);
              pending.delete(id);
            }
          }
        }
        await sleep(LAG_POLL_MS);
      }
    })();

    try {
      for (let i = 0; i < LAG_REQUESTS && !o.signal.aborted; i++) {
        const start = performance.now();
        const reply = await b.process(users[i] as string, randomUUID(), b.order(eventId, 1));
        const at = performance.now();
        processMs.push(reply.ms);
        const id = reply.status === 200 ? transactionIdOf(reply.text) : undefined;
        if (id) pending.set(id, at);
        else failed.push(reply.status ? `${reply.status} ${errorCode(reply.text) ?? reply.text.slice(0, 120)}` : `error: ${reply.error}`);
        const wait = LAG_SPACING_MS - (performance.now() - start);
        if (wait > 0) await sleep(wait);
      }
    } finally {
      sending = false;
      await poller;
    }

    const headers = ['requests', '200', 'rows arrived', 'never arrived (30 s)', 'p50 lag ms', 'p99 lag ms', 'max lag ms'];
    const cells = [
      [
        String(LAG_REQUESTS),
        String(LAG_REQUESTS - failed.length),
        String(lags.length),
        String(missing.length),
        ms(percentile(lags, 50)),
        ms(percentile(lags, 99)),
        lags.length ? ms(Math.max(...lags)) : '-',
      ],
    ];
    const lines = [
      `(c) outbox lag: from the 200 of POST /api/v1/payments/process to its payment_transactions row with status 'completed'`,
      formatColumns(headers, cells),
      `sequential payments at most every ${LAG_SPACING_MS} ms; Postgres polled every ${LAG_POLL_MS} ms (lag includes up to one poll interval + query time)`,
      `process latency of these sequential requests: p50 ${ms(percentile(processMs, 50))} ms, p99 ${ms(percentile(processMs, 99))} ms`,
      machineLoad(),
    ];
    if (failed.length) lines.push(`  non-200 answers: ${failed.slice(0, 5).join('; ')}${failed.length > 5 ? ' …' : ''}`);
    if (pollErrors) lines.push(`  ${pollErrors} polls failed; last: ${lastPollError}`);
    if (missing.length) {
      lines.push(
        `!!! WARNING: ${missing.length} completed payments never appeared in payment_transactions with status 'completed' within ${LAG_TIMEOUT_MS / 1000} s !!!`,
      );
      try {
        const { rows } = await pool.query<{ id: string; status: string }>(
          'SELECT id::text AS id, status FROM payment_transactions WHERE id = ANY($1::uuid[])',
          [missing],
        );
        const statuses = new Map(rows.map((r) => [r.id, r.status]));
        lines.push(`  their rows now: ${missing.map((id) => `${id} ${statuses.get(id) ?? '(no row)'}`).join(', ')}`);
      } catch (err) {
        lines.push(`  (could not look them up: ${message(err)})`);
      }
    }
    return lines.join('\n');
  } finally {
    await close();
  }
}

// ---------------------------------------------------------------------------------------------------------------
