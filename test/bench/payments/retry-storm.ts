import { randomUUID } from 'node:crypto';
import { formatKeyValue } from '../table.ts';
import {
  type Bench,
  errorCode,
  healthBurst,
  healthLine,
  machineLoad,
  ms,
  percentile,
  STORM_SIZE,
  sleep,
  transactionIdOf,
  workerDurations,
} from './shared.ts';

/** The sandbox's Stripe latency during the storm (reset to 0), and the goal's margin above it. */
const STORM_PSP_LATENCY_MS = 0;
const STORM_GOAL_MARGIN_MS = 150;

export async function retryStorm(b: Bench): Promise<string> {
  const { say } = b.o;
  await b.resetSandbox();
  const eventId = `storm-${randomUUID().slice(0, 8)}`;
  await b.event(eventId); // default limits: the storm is one order of 2 tickets
  const authorization = await b.user('storm-buyer');
  const key = randomUUID();
  const body = b.order(eventId, 2);
  say(`(a) retry storm: ${STORM_SIZE} concurrent identical POST /api/v1/payments/process`);
  const from = Date.now();
  const replies = await Promise.all(Array.from({ length: STORM_SIZE }, () => b.process(authorization, key, body)));
  const to = Date.now();

  // Status mix, with the error codes of refusals.
  const byStatus = new Map<number, { count: number; replayed: number; codes: Map<string, number> }>();
  for (const r of replies) {
    const entry = byStatus.get(r.status) ?? { count: 0, replayed: 0, codes: new Map() };
    entry.count++;
    if (r.headers?.get('idempotent-replayed') === 'true') entry.replayed++;
    const code = r.status === 0 ? (r.error ?? 'network error') : r.status >= 300 ? (errorCode(r.text) ?? 'no code') : undefined;
    if (code) entry.codes.set(code, (entry.codes.get(code) ?? 0) + 1);
    byStatus.set(r.status, entry);
  }
  const mix = [...byStatus.entries()]
    .sort(([a], [c]) => (a === 0 ? 1 : c === 0 ? -1 : a - c))
    .map(([status, e]) => {
      const label = status === 0 ? 'error' : String(status);
      const notes: string[] = [];
      if (e.replayed) notes.push(`${e.replayed} replayed`);
      if (e.codes.size) notes.push([...e.codes.entries()].map(([c, n]) => (e.codes.size > 1 ? `${c}×${n}` : c)).join(', '));
      return `${label}×${e.count}${notes.length ? ` (${notes.join('; ')})` : ''}`;
    })
    .join(', ');

  const oks = replies.filter((r) => r.status === 200);
  const first = oks.find((r) => r.headers?.get('idempotent-replayed') !== 'true') ?? oks[0];
  const transactionId = first ? transactionIdOf(first.text) : undefined;
  const identical =
    oks.length === 0
      ? 'no 200 answers'
      : new Set(oks.map((r) => r.text)).size === 1
        ? `yes (${oks.length} of ${oks.length})`
        : `NO (${new Set(oks.map((r) => r.text)).size} different bodies among ${oks.length})`;
  const latencies = replies.map((r) => r.ms);

  // One later replay: the stored response, byte for byte, marked as a replay.
  await sleep(1000);
  const worker200 = workerDurations(b.o.logFile, '/api/v1/payments/process', from, to, (s) => s === 200);
  const worker409 = workerDurations(b.o.logFile, '/api/v1/payments/process', from, to, (s) => s === 409);
  const max = (xs: number[]) => (xs.length ? Math.max(...xs) : undefined);
  const replay = await b.process(authorization, key, body);
  const floor = await healthBurst(b.o.baseUrl, STORM_SIZE, b.o.signal);
  const replayHeader = replay.headers?.get('idempotent-replayed');

  // Upstream: every PaymentIntent create the sandbox saw since its reset (only this storm ran since).
  await sleep(200);
  const creates = await b.paymentIntentCreates();
  const forTransaction = transactionId ? creates.filter((r) => r.body?.['metadata[transaction_id]'] === transactionId) : [];
  const distinctIntents = new Set(forTransaction.map((r) => r.response?.id).filter(Boolean)).size;
  const piCount = transactionId ? forTransaction.length : creates.length;

  const pairs: Array<[string, string]> = [
    ['transaction', transactionId ?? '(no 200 answer, so no transaction id)'],
    [
      'PaymentIntents created at the sandbox',
      transactionId
        ? `${forTransaction.length} (distinct pi ids: ${distinctIntents}; all PI creates since reset: ${creates.length})`
        : `${creates.length} (all PI creates since reset)`,
    ],
    ['status mix', mix],
    ['latency p50 ms', ms(percentile(latencies, 50))],
    ['latency p99 ms', ms(percentile(latencies, 99))],
    ['latency max ms', ms(Math.max(...latencies))],
    [
      'p99 vs goal (PSP latency + 150 ms)',
      `${ms(percentile(latencies, 99))} vs ${STORM_PSP_LATENCY_MS + STORM_GOAL_MARGIN_MS} (sandbox Stripe latency ${STORM_PSP_LATENCY_MS} ms)`,
    ],
    ['GET /health (same run)', healthLine(b.o.health)],
    ['the same burst of GET /health', floor],
    ['latency of the executing 200 ms', first ? ms(first.ms) : '-'],
    [
      'latency p50 of the 409s ms',
      ms(
        percentile(
          replies.filter((r) => r.status === 409).map((r) => r.ms),
          50,
        ),
      ),
    ],
    [
      'Worker-logged ms (app log)',
      `200s: max ${ms(max(worker200))}; 409s: p50 ${ms(percentile(worker409, 50))}, max ${ms(max(worker409))}`,
    ],
    ['all 200 bodies identical', identical],
    [
      'later replay: status',
      replay.status ? `${replay.status}${replay.status >= 300 ? ` ${errorCode(replay.text) ?? ''}` : ''}`.trim() : `error: ${replay.error}`,
    ],
    ['later replay: Idempotent-Replayed', replayHeader === null || replayHeader === undefined ? 'not set' : replayHeader],
    ['later replay: body equals first 200', first ? (replay.text === first.text ? 'yes' : 'NO') : 'no first 200 to compare'],
  ];
  let out = `${formatKeyValue(`(a) retry storm: ${STORM_SIZE} concurrent identical process requests`, pairs)}\n${machineLoad()}`;
  if (piCount !== 1) {
    out += `\n\n!!! WARNING: ${piCount} PaymentIntent create requests reached the PSP sandbox for one idempotent payment (expected exactly 1) !!!`;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// (b) Throughput and overhead
