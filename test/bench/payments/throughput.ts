import { randomUUID } from 'node:crypto';
import type { AutocannonResult } from '../autocannon.ts';
import { formatColumns } from '../table.ts';
import {
  type Bench,
  buyerHeaders,
  errorCode,
  HIGH_LIMITS,
  healthLine,
  machineLoad,
  message,
  ms,
  percentile,
  REQUEST_TIMEOUT_MS,
  ratioToHealth,
  sleep,
  THROUGHPUT_EVENTS,
  THROUGHPUT_RUNS,
  THROUGHPUT_USERS,
  THROUGHPUT_WARMUP_S,
  transactionIdOf,
  workerDurations,
} from './shared.ts';

type ThroughputSpec = (typeof THROUGHPUT_RUNS)[number];
type ThroughputRow = ThroughputSpec & {
  result: AutocannonResult;
  /** PaymentIntent creates for the transactions answered 2xx, and those of them with no or several creates. */
  intents: { total: number; none: number; several: number } | undefined;
  /** The Worker's own duration of the 2xx process requests (its request log line), without wrangler dev's proxying. */
  workerMs: number[];
  /** The sandbox's own time answering those PaymentIntent creates (its work, not the latency knob): the PSP's share. */
  sandboxMs: number[];
  refusals: string[];
};

async function throughputRun(b: Bench, spec: ThroughputSpec, users: string[], warmup: boolean): Promise<ThroughputRow> {
  const { latencyMs, connections, seconds } = spec;
  const events = Array.from({ length: THROUGHPUT_EVENTS }, () => `tp${latencyMs}-${randomUUID().slice(0, 8)}`);
  for (const e of events) await b.event(e, HIGH_LIMITS);
  let n = 0;
  const refusals = new Map<string, number>();
  const samples = new Map<string, string>();
  const paid = new Set<string>();
  const request = {
    method: 'POST',
    path: '/api/v1/payments/process',
    setupRequest: (req: { headers?: Record<string, string> }) => {
      const i = n++;
      return {
        ...req,
        method: 'POST',
        path: '/api/v1/payments/process',
        headers: {
          ...req.headers,
          authorization: users[i % users.length] as string,
          'content-type': 'application/json',
          'idempotency-key': randomUUID(),
          ...buyerHeaders(i),
        },
        // Consecutive requests go to different events, so concurrent ones rarely meet in one EventDO.
        body: b.order(events[i % events.length] as string, 1),
      };
    },
    onResponse: (status: number, body: string) => {
      if (status < 300) {
        const id = transactionIdOf(body);
        if (id) paid.add(id);
        return;
      }
      const label = `${status} ${errorCode(body) ?? ''}`.trim();
      refusals.set(label, (refusals.get(label) ?? 0) + 1);
      if (!samples.has(label)) samples.set(label, body.slice(0, 300));
    },
  };
  const opts = { url: b.o.baseUrl, connections, timeout: REQUEST_TIMEOUT_MS / 1000, requests: [request] };
  if (warmup) {
    await b.resetSandbox(0);
    b.o.say(`(b) warm-up: ${THROUGHPUT_WARMUP_S} s of distinct payments`);
    await b.o.measure({ ...opts, duration: THROUGHPUT_WARMUP_S });
    refusals.clear();
    samples.clear();
    paid.clear();
  }
  await b.resetSandbox(latencyMs);
  b.o.say(`(b) throughput: sandbox Stripe latency ${latencyMs} ms, ${seconds} s, ${connections} connection${connections === 1 ? '' : 's'}`);
  const from = Date.now();
  const result = await b.o.measure({ ...opts, duration: seconds });
  const to = Date.now();
  await sleep(500); // for the stack's log to catch up
  let intents: ThroughputRow['intents'];
  const sandboxMs: number[] = [];
  try {
    const perTransaction = new Map([...paid].map((id) => [id, 0]));
    for (const create of await b.paymentIntentCreates()) {
      const id = create.body?.['metadata[transaction_id]'];
      const count = perTransaction.get(id);
      if (count !== undefined) perTransaction.set(id, count + 1);
      if (count !== undefined && typeof create.handledMs === 'number') sandboxMs.push(create.handledMs);
    }
    const counts = [...perTransaction.values()];
    intents = {
      total: counts.reduce((a, c) => a + c, 0),
      none: counts.filter((c) => c === 0).length,
      several: counts.filter((c) => c > 1).length,
    };
  } catch (err) {
    b.o.say(`(b) could not read the sandbox request log: ${message(err)}`);
  }
  return {
    ...spec,
    result,
    intents,
    workerMs: workerDurations(b.o.logFile, '/api/v1/payments/process', from, to),
    sandboxMs,
    refusals: [...refusals.entries()].map(([label, count]) => `${label}×${count}: ${samples.get(label) ?? ''}`),
  };
}

export async function throughput(b: Bench): Promise<string> {
  const users = await Promise.all(Array.from({ length: THROUGHPUT_USERS }, (_, i) => b.user(`tp-buyer-${i}`)));
  const rows: ThroughputRow[] = [];
  try {
    for (const [i, spec] of THROUGHPUT_RUNS.entries()) rows.push(await throughputRun(b, spec, users, i === 0));
  } finally {
    // Leave the sandbox as the stack started it (latency 0) even when a run failed.
    await b.sandbox('/__sandbox/config', { providers: { stripe: { latencyMs: 0 } } }).catch(() => undefined);
  }
  const headers = [
    'sandbox Stripe latency',
    'connections',
    'seconds',
    'requests',
    'requests/s (mean)',
    'p50 ms',
    'p99 ms',
    'non-2xx',
    'errors',
    'PIs for the 2xx',
    'our overhead = p50 − latency (ms)',
    'Worker p50 ms',
    'Worker overhead (ms)',
    "sandbox's own p50 ms",
    'Worker overhead without it (ms)',
    'GET /health req/s (same run)',
    'ratio to /health',
  ];
  const cells = rows.map(({ latencyMs, connections, seconds, result, intents, workerMs, sandboxMs }) => [
    `${latencyMs} ms`,
    String(connections),
    String(seconds),
    String(result.requests.total),
    result.requests.average.toFixed(1),
    result.latency.p50.toFixed(1),
    result.latency.p99.toFixed(1),
    String(result.non2xx),
    String(result.errors + result.timeouts),
    intents === undefined ? '?' : String(intents.total),
    (result.latency.p50 - latencyMs).toFixed(1),
    ms(percentile(workerMs, 50)),
    ms((percentile(workerMs, 50) ?? Number.NaN) - latencyMs),
    ms(percentile(sandboxMs, 50)),
    ms((percentile(workerMs, 50) ?? Number.NaN) - latencyMs - (percentile(sandboxMs, 50) ?? Number.NaN)),
    b.o.health.rps.toFixed(1),
    ratioToHealth(result.requests.average, b.o.health),
  ]);
  const lines = [
    '(b) process throughput: distinct payments (own Idempotency-Key each)',
    formatColumns(headers, cells),
    `spread over ${THROUGHPUT_EVENTS} events (limits 1000) × ${THROUGHPUT_USERS} users per row; latencies of 2xx answers; goal: overhead ≤ 10 ms`,
    'PIs for the 2xx = POST /v1/payment_intents the sandbox saw for the transactions answered 2xx in the row (1 each expected)',
    "Worker p50 = the app's own duration of those requests (its request log line), i.e. without wrangler dev's local proxying;",
    '  p50 − latency is measured at the client and includes that proxying and queueing behind the other connections',
    "sandbox's own = the emulator's time answering the PaymentIntent create (contract check, emulation; not the latency knob),",
    '  i.e. time the PSP spends, not the Worker; the last overhead column takes it out',
    'ratio to /health = requests/s of the row ÷ GET /health requests/s at 10 connections measured in the same run',
    healthLine(b.o.health),
    machineLoad(),
  ];
  for (const row of rows) {
    for (const r of row.refusals) lines.push(`  non-2xx at ${row.latencyMs} ms, ${row.connections} connections: ${r}`);
    const ok = row.result.requests.total - row.result.non2xx;
    if (row.intents && (row.intents.none > 0 || row.intents.several > 0 || row.intents.total !== ok)) {
      lines.push(
        `!!! WARNING: ${row.intents.total} PaymentIntent creates for ${ok} successful payments (${row.latencyMs} ms, ${row.connections} connections): ` +
          `${row.intents.several} transactions with several, ${row.intents.none} with none !!!`,
      );
    }
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// (c) Outbox lag
