import { randomUUID } from 'node:crypto';
import { formatColumns } from '../table.ts';
import { type Bench, HIGH_LIMITS, machineLoad, ms, percentile, sleep, transactionIdOf, workerDurations } from './shared.ts';

/**
 * (b) at one connection keeps the stack busy: under `wrangler dev` the Worker, every object and the queue
 * consumer share one thread, so each request also waits behind the previous payments' Stripe notification,
 * outbox flush and consumer batch. Here each payment is sent alone, once that background work is done
 * (SPACING_MS after the previous answer: the outbox waits 250 ms and the queue up to 1 s), so its figures are
 * what the request itself costs.
 */
const PAYMENTS = 15;
const SPACING_MS = 1500;
const LATENCIES_MS = [0, 200];

export async function oneAtATime(b: Bench): Promise<string> {
  const cells: string[][] = [];
  for (const latencyMs of LATENCIES_MS) {
    const eventId = `solo${latencyMs}-${randomUUID().slice(0, 8)}`;
    await b.event(eventId, HIGH_LIMITS);
    await b.resetSandbox(latencyMs);
    b.o.say(`(b) one payment at a time: ${PAYMENTS} payments ${SPACING_MS} ms apart, sandbox Stripe latency ${latencyMs} ms`);
    // A buyer per payment: one buyer paying again and again is what the fraud score challenges.
    await b.process(await b.user(`solo-${latencyMs}-warm-up`), randomUUID(), b.order(eventId, 1)); // warm-up
    await sleep(SPACING_MS);
    const from = Date.now();
    const client: number[] = [];
    const paid = new Set<string>();
    let failed = 0;
    for (let i = 0; i < PAYMENTS; i++) {
      const authorization = await b.user(`solo-${latencyMs}-${i}`);
      const reply = await b.process(authorization, randomUUID(), b.order(eventId, 1));
      const id = reply.status === 200 ? transactionIdOf(reply.text) : undefined;
      if (id) {
        paid.add(id);
        client.push(reply.ms);
      } else failed++;
      await sleep(SPACING_MS);
    }
    const worker = workerDurations(b.o.logFile, '/api/v1/payments/process', from, Date.now(), (s) => s === 200);
    const sandbox = (await b.paymentIntentCreates())
      .filter((r) => paid.has(r.body?.['metadata[transaction_id]'] ?? '') && typeof r.handledMs === 'number')
      .map((r) => r.handledMs as number);
    const workerP50 = percentile(worker, 50);
    const sandboxP50 = percentile(sandbox, 50);
    cells.push([
      `${latencyMs} ms`,
      `${paid.size} × 200${failed ? `, ${failed} other` : ''}`,
      ms(percentile(client, 50)),
      ms((percentile(client, 50) ?? Number.NaN) - latencyMs),
      ms(workerP50),
      ms((workerP50 ?? Number.NaN) - latencyMs),
      ms(sandboxP50),
      ms((workerP50 ?? Number.NaN) - latencyMs - (sandboxP50 ?? Number.NaN)),
    ]);
  }
  await b.resetSandbox(0);
  return [
    `(b) one payment at a time: ${PAYMENTS} payments per row, each ${SPACING_MS} ms after the previous answer (its background work done)`,
    formatColumns(
      [
        'sandbox Stripe latency',
        'answers',
        'client p50 ms',
        'client p50 − latency',
        'Worker p50 ms',
        'Worker overhead (ms)',
        "sandbox's own p50 ms",
        'Worker overhead without it (ms)',
      ],
      cells,
    ),
    'goal: Worker overhead ≤ 10 ms; the columns mean what they mean in (b)',
    machineLoad(),
  ].join('\n');
}
