import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Pool } from '@neondatabase/serverless';
import {
  Bench,
  BUYER_TRACE,
  benchPool,
  message,
  type PaymentBenchOptions,
  percentile,
  pooled,
  ratioToHealth,
  send,
  sleep,
} from './payments/shared.ts';
import type { Signer } from './tokens.ts';

/**
 * (g) waiting room: USERS buyers join one high-demand event (admitPerMinute 600, maxActive 200) with 1 and with
 * 8 join shards. Joins are timed at the client. Then for ADMIT_S seconds the users near the head poll their
 * status as a page would; each admitted user leaves after HOLD_MS, giving the slot back. What the room did
 * is read from Postgres (waiting_room_activity, written by the coordinator through its outbox): the most
 * admissions in any 60 s window, the most unspent tokens at once, and how far admission order strays
 * from the line's order. Last, 20 purchases at once with one admitted user's token: exactly one may charge.
 */
const USERS = 2000;
const JOIN_CONCURRENCY = 50;
const ADMIT_S = 65;
const HOLD_MS = 2000;
const POLL_EVERY_MS = 2000;
const POLL_CONCURRENCY = 40;
const SETTINGS = { admitPerMinute: 600, maxActive: 200, tokenTtlSeconds: 600, abandonAfterSeconds: 120 };

type Place = { position: number; ahead: number; status: string; accessToken?: string };
type Member = { sub: string; authorization: string; sentAt: number; place: Place | null; admittedSeen: boolean; left: boolean };

export async function runWaitingRoomBench(o: PaymentBenchOptions, sign: Signer): Promise<void> {
  const b = new Bench(o, sign);
  if (o.databaseKind === 'pglite') {
    console.log('\n(g) waiting room: skipped — PGlite serves one session at a time\n');
    return;
  }
  const { pool, close } = await benchPool(o.databaseUrl);
  const lines: string[] = [];
  try {
    await b.venue();
    for (const shards of [1, 8]) {
      if (o.signal.aborted) throw new Error('interrupted');
      lines.push(await oneRoom(b, pool, shards));
    }
    lines.push(await doubleSpend(b));
  } catch (err) {
    if (o.signal.aborted) throw err;
    lines.push(`!!! WARNING: the waiting-room bench failed: ${message(err)} !!!`);
  } finally {
    await close();
  }
  console.log(`\n${lines.join('\n')}\n`);
}

async function oneRoom(b: Bench, pool: Pool, shards: number): Promise<string> {
  const { o } = b;
  const eventId = `room-${shards}-${randomUUID().slice(0, 8)}`;
  await b.put(`/api/v1/events/${eventId}`, {
    venueId: 'knox',
    name: `Rush ${eventId}`,
    startsAt: '2027-06-01T20:00:00Z',
    highDemand: true,
    waitingRoom: { ...SETTINGS, shards },
    ticketTypes: [{ id: 'ga', name: 'GA', price: 5000 }],
  });
  const members: Member[] = await Promise.all(
    Array.from({ length: USERS }, async (_, i) => {
      const sub = `fan-${shards}-${i}`;
      return { sub, authorization: await b.user(sub), sentAt: 0, place: null, admittedSeen: false, left: false };
    }),
  );
  o.say(`(g) waiting room, ${shards} shard(s): ${USERS} joins, ${JOIN_CONCURRENCY} at a time`);
  const joinMs: number[] = [];
  const failures = new Map<string, number>();
  const started = performance.now();
  await pooled(members, JOIN_CONCURRENCY, async (m) => {
    m.sentAt = performance.now();
    const reply = await send(
      `${o.baseUrl}/api/v1/waiting-room/${eventId}/join`,
      { method: 'POST', headers: { authorization: m.authorization } },
      o.signal,
    );
    joinMs.push(reply.ms);
    if (reply.status !== 200) failures.set(String(reply.status), (failures.get(String(reply.status)) ?? 0) + 1);
    else m.place = JSON.parse(reply.text) as Place;
  });
  const joinWall = (performance.now() - started) / 1000;
  const positions = new Set(members.flatMap((m) => (m.place ? [m.place.position] : [])));

  o.say(`(g) ${shards} shard(s): ${ADMIT_S} s of polling near the head; admitted users leave after ${HOLD_MS} ms`);
  const until = Date.now() + ADMIT_S * 1000;
  while (Date.now() < until) {
    const round = Date.now();
    const near = members.filter((m) => m.place && !m.left && (m.place.status === 'admitted' || m.place.ahead < 300));
    await pooled(near, POLL_CONCURRENCY, async (m) => {
      if (m.place?.status === 'admitted') {
        if (!m.admittedSeen) {
          m.admittedSeen = true;
          setTimeout(() => {
            m.left = true;
            void send(
              `${o.baseUrl}/api/v1/waiting-room/${eventId}`,
              { method: 'DELETE', headers: { authorization: m.authorization } },
              o.signal,
            );
          }, HOLD_MS);
        }
        return;
      }
      const reply = await send(
        `${o.baseUrl}/api/v1/waiting-room/${eventId}/status`,
        { headers: { authorization: m.authorization } },
        o.signal,
      );
      if (reply.status === 200) m.place = JSON.parse(reply.text) as Place;
    });
    await sleep(Math.max(0, POLL_EVERY_MS - (Date.now() - round)));
  }
  await sleep(3000); // the last activities reach Postgres
  const { rows } = await pool.query<{ user_id: string; action: string; at: string; number: string | null }>(
    `SELECT user_id, action, (extract(epoch FROM timestamp) * 1000)::bigint::text AS at, metadata->>'number' AS number
       FROM waiting_room_activity WHERE tenant_id = $1 AND event_id = $2 ORDER BY timestamp, (metadata->>'number')::int`,
    [b.tenant, eventId],
  );
  const admitted = rows.filter((r) => r.action === 'admitted').map((r) => ({ at: Number(r.at), number: Number(r.number) }));
  return summarize({ shards, joinMs, joinWall, positions: positions.size, failures, admitted, rows, members, health: o.health });
}

function summarize(r: {
  shards: number;
  joinMs: number[];
  joinWall: number;
  positions: number;
  failures: Map<string, number>;
  admitted: Array<{ at: number; number: number }>;
  rows: Array<{ user_id: string; action: string; at: string }>;
  members: Member[];
  health: { rps: number; p50: number };
}): string {
  // Most admissions in any 60 s window: two pointers over the admission times.
  const times = r.admitted.map((a) => a.at).sort((x, y) => x - y);
  let maxWindow = 0;
  for (let i = 0, j = 0; j < times.length; j++) {
    while ((times[j] as number) - (times[i] as number) >= 60_000) i++;
    maxWindow = Math.max(maxWindow, j - i + 1);
  }
  // Most unspent tokens at once: +1 at each admission, −1 when its holder left, bought, expired or was revoked.
  const deltas = r.rows
    .filter((x) => ['admitted', 'left', 'purchased', 'expired', 'revoked'].includes(x.action))
    .map((x) => ({ at: Number(x.at), d: x.action === 'admitted' ? 1 : 0 }));
  const admittedUsers = new Set(r.rows.filter((x) => x.action === 'admitted').map((x) => x.user_id));
  for (const x of r.rows)
    if (x.action !== 'admitted' && x.action !== 'joined' && admittedUsers.has(x.user_id)) deltas.push({ at: Number(x.at), d: -1 });
  let active = 0;
  let maxActive = 0;
  for (const e of deltas.filter((x) => x.d !== 0).sort((x, y) => x.at - y.at || x.d - y.d)) {
    active += e.d;
    maxActive = Math.max(maxActive, active);
  }
  // FIFO: admission order against the line's order (its numbers), and against the order the clients sent their joins.
  const byLine = [...r.admitted].sort((x, y) => x.number - y.number).map((a) => a.number);
  const displacement = Math.max(0, ...r.admitted.map((a, i) => Math.abs(i - byLine.indexOf(a.number))));
  const sentOrder = [...r.members].sort((x, y) => x.sentAt - y.sentAt).map((m) => m.place?.position);
  const clientRank = new Map(sentOrder.map((p, i) => [p, i]));
  const clientDisplacement = Math.max(0, ...r.admitted.map((a, i) => Math.abs(i - (clientRank.get(a.number) ?? i))));
  const failed = [...r.failures].map(([s, n]) => `${s}×${n}`).join(', ') || 'none';
  return [
    `(g) waiting room, ${r.shards} shard(s): ${USERS} joins of one event (admitPerMinute 600, maxActive 200)`,
    `  joins: ${(USERS / r.joinWall).toFixed(1)}/s (${ratioToHealth(USERS / r.joinWall, r.health)} of GET /health at ${r.health.rps.toFixed(1)}/s), p50 ${percentile(r.joinMs, 50)?.toFixed(1)} ms, p99 ${percentile(r.joinMs, 99)?.toFixed(1)} ms; non-200: ${failed}; distinct positions ${r.positions} of ${USERS}`,
    `  admissions: ${r.admitted.length} in ${ADMIT_S} s; most in any 60 s window ${maxWindow} (cap 600); most unspent tokens at once ${maxActive} (cap 200)`,
    `  FIFO displacement: ${displacement} against the line's order, ${clientDisplacement} against the order the clients sent their joins (${JOIN_CONCURRENCY} in flight)`,
  ].join('\n');
}

/** 20 purchases at once, each with its own Idempotency-Key, all with one admission token. */
async function doubleSpend(b: Bench): Promise<string> {
  const { o } = b;
  const eventId = `spend-${randomUUID().slice(0, 8)}`;
  await b.put(`/api/v1/events/${eventId}`, {
    venueId: 'knox',
    name: 'Spend',
    startsAt: '2027-06-01T20:00:00Z',
    highDemand: true,
    waitingRoom: SETTINGS,
    ticketTypes: [{ id: 'ga', name: 'GA', price: 5000 }],
  });
  const authorization = await b.user('spender');
  const joined = await send(`${o.baseUrl}/api/v1/waiting-room/${eventId}/join`, { method: 'POST', headers: { authorization } }, o.signal);
  const place = JSON.parse(joined.text) as Place;
  if (!place.accessToken)
    return `(g) double spend: skipped, the buyer was not admitted at once (${joined.status} ${joined.text.slice(0, 200)})`;
  await b.resetSandbox(0);
  const body = b.order(eventId, 1);
  const replies = await Promise.all(
    Array.from({ length: 20 }, () =>
      send(
        `${o.baseUrl}/api/v1/payments/process`,
        {
          method: 'POST',
          headers: {
            authorization,
            'content-type': 'application/json',
            'idempotency-key': randomUUID(),
            'x-access-token': place.accessToken as string,
            'user-agent': BUYER_TRACE.userAgent,
          },
          body,
        },
        o.signal,
      ),
    ),
  );
  const ok = replies.filter((r) => r.status === 200).length;
  const creates = (await b.paymentIntentCreates()).length;
  return `(g) one token, 20 concurrent purchases: ${ok} charged (200), ${replies.filter((r) => r.status === 403).length} refused (403); PaymentIntents created ${creates}; tokens double-spent ${Math.max(0, ok - 1)}`;
}
