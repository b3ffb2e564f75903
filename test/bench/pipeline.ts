import { randomUUID } from 'node:crypto';
import {
  Bench,
  buyerHeaders,
  HIGH_LIMITS,
  ms,
  type PaymentBenchOptions,
  percentile,
  sleep,
  transactionIdOf,
  workerDurations,
} from './payments/shared.ts';
import { formatColumns } from './table.ts';
import type { Signer } from './tokens.ts';

/**
 * (h) what process's checks cost: the same payments against a stack with every pre-charge check (bot, fraud
 * and velocity, then the purchase limits) and against one with PRECHARGE_RISK_CHECKS=off (purchase limits
 * alone). Each payment is sent alone after the previous one's background work, so its figure is the request's
 * own; then 10 connections for THROUGHPUT_S seconds. Each stack's GET /health is measured beside it.
 */
const PAYMENTS = 20;
const SPACING_MS = 1500;
const CONNECTIONS = 10;
const THROUGHPUT_S = 10;

export type PipelineFigures = {
  label: string;
  health: number;
  client50?: number;
  worker50?: number;
  rps: number;
  p50: number;
  non2xx: number;
};

export async function pipelineFigures(o: PaymentBenchOptions, sign: Signer, label: string): Promise<PipelineFigures> {
  const b = new Bench(o, sign);
  await b.venue();
  const eventId = `pipe-${randomUUID().slice(0, 8)}`;
  await b.event(eventId, HIGH_LIMITS);
  await b.resetSandbox(0);
  o.say(`(h) ${label}: ${PAYMENTS} payments one at a time, then ${CONNECTIONS} connections for ${THROUGHPUT_S} s`);
  // A buyer per payment: one buyer paying again and again is what the fraud score challenges.
  await b.process(await b.user('pipeline-warm-up'), randomUUID(), b.order(eventId, 1)); // warm-up
  await sleep(SPACING_MS);
  const from = Date.now();
  const client: number[] = [];
  for (let i = 0; i < PAYMENTS; i++) {
    const reply = await b.process(await b.user(`pipeline-solo-${i}`), randomUUID(), b.order(eventId, 1));
    if (reply.status === 200 && transactionIdOf(reply.text)) client.push(reply.ms);
    await sleep(SPACING_MS);
  }
  const worker = workerDurations(o.logFile, '/api/v1/payments/process', from, Date.now(), (s) => s === 200);
  const users = await Promise.all(Array.from({ length: 2000 }, (_, i) => b.user(`pipeline-${i}`)));
  let n = 0;
  const result = await o.measure({
    url: o.baseUrl,
    connections: CONNECTIONS,
    duration: THROUGHPUT_S,
    requests: [
      {
        method: 'POST',
        path: '/api/v1/payments/process',
        setupRequest: (req: { headers?: Record<string, string> }) => ({
          ...req,
          method: 'POST',
          path: '/api/v1/payments/process',
          headers: {
            authorization: users[n++ % users.length] as string,
            'content-type': 'application/json',
            'idempotency-key': randomUUID(),
            ...buyerHeaders(n),
          },
          body: b.order(eventId, 1),
        }),
      },
    ],
  });
  return {
    label,
    health: o.health.rps,
    client50: percentile(client, 50),
    worker50: percentile(worker, 50),
    rps: result.requests.average,
    p50: result.latency.p50,
    non2xx: result.non2xx,
  };
}

export function pipelineTable(rows: PipelineFigures[]): string {
  return [
    '(h) process with every pre-charge check against purchase limits alone (PRECHARGE_RISK_CHECKS=off), each on its own stack',
    formatColumns(
      ['checks', 'GET /health req/s', 'one at a time p50 (client)', '(Worker)', `${CONNECTIONS} conn req/s`, 'p50', 'non-2xx'],
      rows.map((r) => [r.label, r.health.toFixed(1), ms(r.client50), ms(r.worker50), r.rps.toFixed(1), ms(r.p50), String(r.non2xx)]),
    ),
  ].join('\n');
}
