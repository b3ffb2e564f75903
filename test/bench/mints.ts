import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Hex } from 'viem';
import { measureMintGas } from '../../dev/chains/ticket-contract.ts';
import { readDevVars } from '../../dev/dev-vars.ts';
import {
  Bench,
  benchPool,
  HIGH_LIMITS,
  message,
  ms,
  type PaymentBenchOptions,
  percentile,
  pooled,
  send,
  sleep,
  transactionIdOf,
} from './payments/shared.ts';
import { formatColumns } from './table.ts';
import type { Signer } from './tokens.ts';

/**
 * (i) ticket NFTs: ORDERS orders of TICKETS_PER_ORDER tickets per chain (500 tickets in all), bought
 * CONCURRENCY at a time. Each paid order's GET /transaction is polled until its nftStatus is completed: the
 * time from the payment's 200 to every ticket minted. Mints per second, batch sizes and the transactions per
 * batch come from Postgres (`tickets`, projected from the TicketDOs); gas per ticket batched against one by one
 * from the local Polygon chain itself, minting on the ticket contract the stack deployed.
 */
const ORDERS = 125;
const TICKETS_PER_ORDER = 2;
const CONCURRENCY = 10;
const POLL_MS = 250;
const MINT_TIMEOUT_MS = 180_000;
const CHAINS = ['polygon', 'solana'] as const;

type Order = { chain: (typeof CHAINS)[number]; authorization: string; transactionId: string; paidAt: number; mintedAt?: number };

async function buyAll(b: Bench, events: Record<string, string>): Promise<Order[]> {
  const jobs = CHAINS.flatMap((chain) => Array.from({ length: ORDERS }, (_, i) => ({ chain, i })));
  const orders: Order[] = [];
  await pooled(jobs, CONCURRENCY, async (job) => {
    const authorization = await b.user(`nft-${job.chain}-${job.i}`);
    const reply = await b.process(authorization, randomUUID(), b.order(events[job.chain] as string, TICKETS_PER_ORDER));
    const transactionId = transactionIdOf(reply.text);
    if (reply.status === 200 && transactionId) orders.push({ chain: job.chain, authorization, transactionId, paidAt: performance.now() });
    else b.o.say(`(i) a purchase answered ${reply.status || reply.error}: ${reply.text.slice(0, 200)}`);
  });
  return orders;
}

async function waitForMints(b: Bench, orders: Order[]): Promise<void> {
  const deadline = performance.now() + MINT_TIMEOUT_MS;
  while (orders.some((o) => o.mintedAt === undefined) && performance.now() < deadline) {
    await pooled(
      orders.filter((o) => o.mintedAt === undefined),
      20,
      async (order) => {
        const reply = await send(
          `${b.o.baseUrl}/api/v1/payments/transaction/${order.transactionId}`,
          { headers: { authorization: order.authorization } },
          b.o.signal,
        );
        if (reply.status === 200 && JSON.parse(reply.text).nftStatus?.status === 'completed') order.mintedAt = performance.now();
      },
    );
    await sleep(POLL_MS);
  }
}

export async function runMintBench(o: PaymentBenchOptions, sign: Signer): Promise<void> {
  if (o.databaseKind === 'pglite') {
    console.log('\n(i) ticket NFTs: skipped — PGlite serves one session at a time\n');
    return;
  }
  const b = new Bench(o, sign);
  const { pool, close } = await benchPool(o.databaseUrl);
  try {
    await b.venue();
    const events: Record<string, string> = {};
    for (const chain of CHAINS) {
      events[chain] = `nft-${chain}-${randomUUID().slice(0, 8)}`;
      await b.put(`/api/v1/events/${events[chain]}`, {
        venueId: 'knox',
        name: `Bench ${chain}`,
        startsAt: '2027-06-01T20:00:00Z',
        blockchain: chain,
        ticketTypes: [{ id: 'ga', name: 'GA', price: 5000 }],
        limits: HIGH_LIMITS,
      });
    }
    o.say(`(i) ${ORDERS} orders of ${TICKETS_PER_ORDER} tickets per chain, ${CONCURRENCY} at a time, then waiting for every mint`);
    const started = performance.now();
    const orders = await buyAll(b, events);
    await waitForMints(b, orders);
    const rows: string[][] = [];
    for (const chain of CHAINS) {
      const mine = orders.filter((x) => x.chain === chain);
      const done = mine.filter((x) => x.mintedAt !== undefined);
      const waits = done.map((x) => (x.mintedAt as number) - x.paidAt);
      const lastMinted = Math.max(...done.map((x) => x.mintedAt as number));
      // The tickets reach Postgres through the TicketDOs' outboxes, a moment after the chain.
      const expected = done.length * TICKETS_PER_ORDER;
      for (let waited = 0; waited < 30_000; waited += 500) {
        const { rows: counted } = await pool.query(
          `SELECT COUNT(*)::int AS n FROM tickets WHERE tenant_id = $1 AND chain = $2 AND nft_status = 'minted'`,
          [b.tenant, chain],
        );
        if ((counted[0] as { n: number }).n >= expected) break;
        await sleep(500);
      }
      const { rows: batches } = await pool.query(
        `SELECT mint_batch_id, COUNT(*)::int AS tickets, COUNT(DISTINCT transaction_hash)::int AS txs
           FROM tickets WHERE tenant_id = $1 AND chain = $2 AND nft_status = 'minted' GROUP BY mint_batch_id`,
        [b.tenant, chain],
      );
      const sizes = batches.map((r: { tickets: number }) => r.tickets);
      const txs = batches.reduce((s: number, r: { txs: number }) => s + r.txs, 0);
      const minted = sizes.reduce((s: number, n: number) => s + n, 0);
      rows.push([
        chain,
        `${done.length * TICKETS_PER_ORDER}/${mine.length * TICKETS_PER_ORDER}`,
        done.length ? ((done.length * TICKETS_PER_ORDER) / ((lastMinted - started) / 1000)).toFixed(1) : '-',
        sizes.length ? `${Math.min(...sizes)} / ${(minted / sizes.length).toFixed(1)} / ${Math.max(...sizes)}` : '-',
        String(txs),
        txs ? (minted / txs).toFixed(1) : '-',
        ms(percentile(waits, 50)),
        ms(percentile(waits, 99)),
      ]);
    }
    const vars = readDevVars(o.root);
    const gas = await measureMintGas(vars.POLYGON_RPC_URL as string, vars.POLYGON_MINTER_KEY as Hex, vars.POLYGON_TICKET_CONTRACT as Hex);
    console.log(
      [
        '',
        `(i) ticket NFTs: ${ORDERS * TICKETS_PER_ORDER} tickets per chain bought ${CONCURRENCY} orders at a time; GET /health ${o.health.rps.toFixed(1)} req/s in this run`,
        formatColumns(
          [
            'chain',
            'minted',
            'tickets/s (first buy → last mint)',
            'batch min / avg / max',
            'transactions',
            'tickets per tx',
            'paid → minted p50 ms',
            'p99 ms',
          ],
          rows,
        ),
        `Polygon gas per ticket (fresh owners): ${gas.batched} in a batch of ${gas.batch}, ${gas.oneByOne} minted one by one (${(gas.oneByOne / gas.batched).toFixed(2)}×)`,
        '',
      ].join('\n'),
    );
  } catch (err) {
    if (o.signal.aborted) throw err;
    console.log(`\n!!! WARNING: the ticket NFT bench failed: ${message(err)} !!!\n`);
  } finally {
    await close();
  }
}
