import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  Bench,
  BUYER_TRACE,
  errorCode,
  HIGH_LIMITS,
  message,
  ms,
  type PaymentBenchOptions,
  percentile,
  type Reply,
  type SandboxRequest,
  send,
  sleep,
} from './payments/shared.ts';
import { formatColumns } from './table.ts';
import type { Signer } from './tokens.ts';

/**
 * (j) resale race: LISTINGS listings, each bought by RACERS buyers at once: exactly one wins each (200), the
 * others are answered 409 LISTING_UNAVAILABLE; the sandbox's PaymentIntents per listing (its transfer group)
 * show nobody else was charged; latency of all answers and the time from the winner's 200 to the escrow
 * released (the NFT moved on chain).
 * (k) payout race: VENUES venues whose payable balance covers one payout, each sent PAYOUTS concurrent payouts
 * of that amount: exactly one passes per venue, the others are 400 INSUFFICIENT_FUNDS.
 */
const LISTINGS = 5;
const RACERS = 50;
const VENUES = 2;
const PAYOUTS = 20;
const PRICE = 10_000;
const WAIT_MS = 120_000;

type Timed = Reply & { at: number };

async function timed(p: Promise<Reply>): Promise<Timed> {
  const reply = await p;
  return { ...reply, at: performance.now() };
}

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = WAIT_MS): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(250);
  }
}

function call(b: Bench, path: string, authorization: string, init: RequestInit = {}): Promise<Reply> {
  return send(
    `${b.o.baseUrl}${path}`,
    { ...init, headers: { authorization, 'content-type': 'application/json', ...(init.headers as Record<string, string>) } },
    b.o.signal,
  );
}

async function resaleRace(b: Bench): Promise<string> {
  const eventId = `resale-${randomUUID().slice(0, 8)}`;
  await b.put(`/api/v1/events/${eventId}`, {
    venueId: 'knox',
    name: 'Bench resale',
    startsAt: '2027-06-01T20:00:00Z',
    blockchain: 'polygon',
    ticketTypes: [{ id: 'ga', name: 'GA', price: PRICE }],
    limits: HIGH_LIMITS,
  });
  const seller = await b.user('resale-seller');
  const order = JSON.stringify({
    venueId: 'knox',
    eventId,
    tickets: [{ ticketTypeId: 'ga', quantity: LISTINGS, price: PRICE }],
    paymentMethod: { type: 'card', paymentMethodId: 'pm_card_visa' },
    sessionData: BUYER_TRACE.sessionData,
  });
  const paid = await b.process(seller, randomUUID(), order);
  if (paid.status !== 200) throw new Error(`the seller's purchase answered ${paid.status}: ${paid.text.slice(0, 200)}`);
  const tickets = await until('the seller’s tickets minted', async () => {
    const reply = await call(b, `/api/v1/tickets?eventId=${eventId}`, seller);
    const list = reply.status === 200 ? (JSON.parse(reply.text).tickets as { id: string; nft: { status: string } | null }[]) : [];
    return list.length === LISTINGS && list.every((t) => t.nft?.status === 'minted') ? list : undefined;
  });
  const rows: string[][] = [];
  const answers: Timed[] = [];
  let winners = 0;
  let refused = 0;
  let other = 0;
  let intents = 0;
  const releaseWaits: number[] = [];
  for (const [n, ticket] of tickets.entries()) {
    const listed = await call(b, '/api/v1/marketplace/listings', seller, {
      method: 'POST',
      body: JSON.stringify({ ticketId: ticket.id, price: 15_000 }),
    });
    if (listed.status !== 201) throw new Error(`listing answered ${listed.status}: ${listed.text.slice(0, 200)}`);
    const listingId = JSON.parse(listed.text).listing.id as string;
    const buyers = await Promise.all(Array.from({ length: RACERS }, (_, i) => b.user(`racer-${n}-${i}`)));
    const started = performance.now();
    const race = await Promise.all(
      buyers.map((authorization) =>
        timed(
          call(b, '/api/v1/marketplace/purchase', authorization, {
            method: 'POST',
            headers: { 'idempotency-key': randomUUID() },
            body: JSON.stringify({ listingId, paymentMethodId: 'pm_card_visa' }),
          }),
        ),
      ),
    );
    for (const r of race) answers.push({ ...r, ms: r.at - started });
    const won = race.filter((r) => r.status === 200);
    winners += won.length;
    refused += race.filter((r) => r.status === 409 && errorCode(r.text) === 'LISTING_UNAVAILABLE').length;
    other += race.filter((r) => r.status !== 200 && r.status !== 409).length;
    const created = ((await b.sandbox('/__sandbox/requests')) as SandboxRequest[]).filter(
      (r) => r.path === '/v1/payment_intents' && r.method === 'POST' && r.body?.transfer_group === listingId,
    );
    intents += created.length;
    const winner = won[0];
    if (winner) {
      const admin = `Bearer ${await b.sign({ sub: 'bench-escrow-watch', tenant: b.tenant, role: 'admin' })}`;
      await until('the escrow released', async () => {
        const detail = await call(b, `/api/v1/marketplace/listings/${listingId}`, admin);
        return detail.status === 200 && JSON.parse(detail.text).escrow?.status === 'released' ? true : undefined;
      });
      releaseWaits.push(performance.now() - winner.at);
    }
  }
  const latencies = answers.map((a) => a.ms);
  rows.push([
    String(LISTINGS),
    String(LISTINGS * RACERS),
    String(winners),
    String(refused),
    String(other),
    String(intents),
    ms(percentile(latencies, 50)),
    ms(percentile(latencies, 99)),
    ms(percentile(releaseWaits, 50)),
    ms(Math.max(...releaseWaits)),
  ]);
  return [
    `(j) resale race: ${RACERS} buyers at once for each of ${LISTINGS} listings (Polygon tickets); GET /health ${b.o.health.rps.toFixed(1)} req/s in this run`,
    formatColumns(
      [
        'listings',
        'purchases',
        '200',
        '409 LISTING_UNAVAILABLE',
        'other',
        'PaymentIntents',
        'answer p50 ms',
        'p99 ms',
        '200 → released p50 ms',
        'max ms',
      ],
      rows,
    ),
  ].join('\n');
}

async function payoutRace(b: Bench): Promise<string> {
  const rows: string[][] = [];
  for (let v = 0; v < VENUES; v++) {
    const venueId = `payout-${v}-${randomUUID().slice(0, 6)}`;
    await b.put(`/api/v1/venues/${venueId}`, {
      name: `Payout venue ${v}`,
      address: { city: 'Knoxville', state: 'TN' },
      tier: 'starter',
      stripeAccountId: `acct_1BenchVenue${v}000000`,
      settlementDelayHours: 0,
      reserveBps: 0,
    });
    const eventId = `payout-ev-${v}-${randomUUID().slice(0, 6)}`;
    await b.put(`/api/v1/events/${eventId}`, {
      venueId,
      name: 'Ends soon',
      startsAt: new Date(Date.now() - 3_600_000).toISOString(),
      endsAt: new Date(Date.now() + 5_000).toISOString(),
      ticketTypes: [{ id: 'ga', name: 'GA', price: PRICE }],
      limits: HIGH_LIMITS,
    });
    const buyer = await b.user(`payout-buyer-${v}`);
    const sale = await b.process(
      buyer,
      randomUUID(),
      JSON.stringify({
        venueId,
        eventId,
        tickets: [{ ticketTypeId: 'ga', quantity: 2, price: PRICE }],
        paymentMethod: { type: 'card', paymentMethodId: 'pm_card_visa' },
        sessionData: BUYER_TRACE.sessionData,
      }),
    );
    if (sale.status !== 200) throw new Error(`the sale answered ${sale.status}: ${sale.text.slice(0, 200)}`);
    const manager = `Bearer ${await b.sign({ sub: `payout-admin-${v}`, tenant: b.tenant, role: 'admin' })}`;
    const payable = await until('the sale settled', async () => {
      const reply = await call(b, `/api/v1/venues/${venueId}/balance`, manager);
      const p = reply.status === 200 ? (JSON.parse(reply.text).payoutInfo.payable as number) : 0;
      return p > 0 ? p : undefined;
    });
    const started = performance.now();
    const race = await Promise.all(
      Array.from({ length: PAYOUTS }, () =>
        timed(
          call(b, `/api/v1/venues/${venueId}/payout`, manager, {
            method: 'POST',
            headers: { 'idempotency-key': randomUUID() },
            body: JSON.stringify({ amount: payable, instant: false }),
          }),
        ),
      ),
    );
    const latencies = race.map((r) => r.at - started);
    const after = await call(b, `/api/v1/venues/${venueId}/balance`, manager);
    rows.push([
      venueId,
      String(payable),
      String(race.filter((r) => r.status === 200).length),
      String(race.filter((r) => r.status === 400 && errorCode(r.text) === 'INSUFFICIENT_FUNDS').length),
      String(race.filter((r) => r.status !== 200 && r.status !== 400).length),
      String(JSON.parse(after.text).balance.available),
      ms(percentile(latencies, 50)),
      ms(percentile(latencies, 99)),
    ]);
  }
  return [
    `(k) payout race: ${PAYOUTS} concurrent payouts of the whole payable balance at each of ${VENUES} venues; GET /health ${b.o.health.rps.toFixed(1)} req/s in this run`,
    formatColumns(['venue', 'payable', '200', '400 INSUFFICIENT_FUNDS', 'other', 'available after', 'p50 ms', 'p99 ms'], rows),
  ].join('\n');
}

export async function runMoneyOutBench(o: PaymentBenchOptions, sign: Signer): Promise<void> {
  const b = new Bench(o, sign);
  const tables: string[] = [];
  try {
    await b.venue();
    o.say(`(j) ${LISTINGS} listings, ${RACERS} buyers racing for each`);
    tables.push(await resaleRace(b));
    o.say(`(k) ${VENUES} venues, ${PAYOUTS} concurrent payouts each`);
    tables.push(await payoutRace(b));
    console.log(['', ...tables.flatMap((t) => [t, ''])].join('\n'));
  } catch (err) {
    if (o.signal.aborted) throw err;
    console.log([...tables, `\n!!! WARNING: the money-out bench failed: ${message(err)} !!!\n`].join('\n'));
  }
}
