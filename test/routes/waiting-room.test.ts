import { env } from 'cloudflare:workers';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, json } from '../helpers/app';
import { eventually, rows, sql } from '../helpers/db';
import { stripeCallsFor } from '../helpers/sandbox';
import { bearer, signToken } from '../helpers/tokens';

const tenant = `wr-${crypto.randomUUID()}`;
let admin: Record<string, string>;

const user = async (sub: string) => ({
  ...bearer(await signToken({ tenant_id: tenant, sub, role: 'user' })),
  'content-type': 'application/json',
});

async function highDemandEvent(eventId: string, waitingRoom: Record<string, number>) {
  const body = {
    venueId: 'arena',
    name: 'Big show',
    startsAt: '2027-06-01T20:00:00Z',
    highDemand: true,
    waitingRoom,
    ticketTypes: [{ id: 'ga', name: 'GA', price: 5000 }],
    limits: { perUser: 100, perPaymentMethod: 1000, perAddress: 100, perOrder: 10 },
  };
  const res = await call(`/api/v1/events/${eventId}`, { method: 'PUT', headers: admin, body: JSON.stringify(body) });
  expect(res.status).toBe(201);
}

const join = (eventId: string, headers: Record<string, string>) =>
  call(`/api/v1/waiting-room/${eventId}/join`, { method: 'POST', headers });
const status = (eventId: string, headers: Record<string, string>) => call(`/api/v1/waiting-room/${eventId}/status`, { headers });

function buy(
  eventId: string,
  headers: Record<string, string>,
  token?: string,
  key = crypto.randomUUID(),
  paymentMethodId = 'pm_card_visa',
) {
  return call('/api/v1/payments/process', {
    method: 'POST',
    headers: { ...headers, 'Idempotency-Key': key, ...(token === undefined ? {} : { 'x-access-token': token }) },
    body: JSON.stringify({
      venueId: 'arena',
      eventId,
      tickets: [{ ticketTypeId: 'ga', quantity: 1, price: 5000 }],
      paymentMethod: { type: 'card', paymentMethodId },
    }),
  });
}

async function admittedToken(eventId: string, headers: Record<string, string>): Promise<string> {
  const place = await json<any>(await join(eventId, headers));
  if (place.status === 'admitted') return place.accessToken;
  return eventually(async () => {
    const now = await json<any>(await status(eventId, headers));
    return now.status === 'admitted' ? (now.accessToken as string) : undefined;
  });
}

beforeAll(async () => {
  admin = { ...bearer(await signToken({ tenant_id: tenant, sub: 'boss', role: 'admin' })), 'content-type': 'application/json' };
  const venue = { name: 'Arena', address: { city: 'Knoxville', state: 'TN' }, tier: 'starter' };
  await call('/api/v1/venues/arena', { method: 'PUT', headers: admin, body: JSON.stringify(venue) });
});

describe('waiting room', () => {
  it('numbers concurrent joins distinctly, admits in arrival order and never past its caps', async () => {
    await highDemandEvent('rush', { admitPerMinute: 5, maxActive: 3, shards: 4 });
    const users = await Promise.all(Array.from({ length: 30 }, (_, i) => user(`fan-${i}`)));
    const places = await Promise.all(users.map(async (h) => json<any>(await join('rush', h))));
    const positions = places.map((p) => p.position);
    expect(new Set(positions).size).toBe(30);
    expect([...positions].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    // Let a few ticks pass: still only the first three (maxActive) hold tokens, and they are the first three in line.
    await new Promise((r) => setTimeout(r, 2500));
    const now = await Promise.all(users.map(async (h) => json<any>(await status('rush', h))));
    const admitted = now.filter((p) => p.status === 'admitted').map((p) => p.position);
    expect(admitted.sort((a, b) => a - b)).toEqual([1, 2, 3]);
    const waiting = now.filter((p) => p.status === 'waiting');
    expect(waiting.every((p) => p.accessToken === undefined && p.ahead >= 0 && p.estimatedWaitSeconds > 0)).toBe(true);
    // Joining again keeps the place.
    const again = await json<any>(await join('rush', users[10] as Record<string, string>));
    expect(again.position).toBe(places[10].position);
    expect(again.queueId).toBe(places[10].queueId);
  });

  it('500 concurrent joins over 8 shards: 500 distinct positions, admitted strictly in line order, both caps exact', async () => {
    await highDemandEvent('stadium', { admitPerMinute: 50, maxActive: 20, shards: 8 });
    const fans = await Promise.all(Array.from({ length: 500 }, (_, i) => user(`stadium-${i}`)));
    const places = await Promise.all(fans.map(async (h) => json<any>(await join('stadium', h))));
    expect(new Set(places.map((p) => p.position)).size).toBe(500);
    expect(Math.max(...places.map((p) => p.position))).toBe(500);
    const byPosition = new Map(places.map((p, i) => [p.position as number, fans[i] as Record<string, string>]));
    const admittedNow = async () => {
      const now = await Promise.all(fans.map(async (h) => json<any>(await status('stadium', h))));
      return now
        .filter((p) => p.status === 'admitted')
        .map((p) => p.position as number)
        .sort((a, b) => a - b);
    };
    const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
    // The active cap: exactly the first 20 in line hold tokens, however long we wait.
    await new Promise((r) => setTimeout(r, 2500));
    expect(await admittedNow()).toEqual(range(1, 20));
    // They leave: the next 20 in line take the slots (40 admitted this minute, under the cap of 50).
    await Promise.all(range(1, 20).map((p) => call('/api/v1/waiting-room/stadium', { method: 'DELETE', headers: byPosition.get(p) })));
    await new Promise((r) => setTimeout(r, 2500));
    expect(await admittedNow()).toEqual(range(21, 40));
    // They leave too: only 10 more fit this minute (50), although 20 slots are free.
    await Promise.all(range(21, 40).map((p) => call('/api/v1/waiting-room/stadium', { method: 'DELETE', headers: byPosition.get(p) })));
    await new Promise((r) => setTimeout(r, 2500));
    expect(await admittedNow()).toEqual(range(41, 50));
  });

  it('events without a waiting room answer 404, and admins can revoke a place', async () => {
    const fan = await user('revoked-fan');
    const res = await join('no-such-event', fan);
    expect(res.status).toBe(404);
    await highDemandEvent('revocable', { admitPerMinute: 10, maxActive: 10 });
    const token = await admittedToken('revocable', fan);
    const revoked = await call('/admin/waiting-room/revocable/revoke', {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ userId: 'revoked-fan' }),
    });
    expect(revoked.status).toBe(200);
    expect(await json<any>(revoked)).toEqual({ revoked: true, userId: 'revoked-fan', tokensRevoked: 1 });
    expect((await status('revocable', fan)).status).toBe(404);
    const refused = await buy('revocable', fan, token);
    expect(refused.status).toBe(403);
    expect((await json<any>(refused)).code).toBe('INVALID_ACCESS_TOKEN');
  });
});

describe('purchases of a high-demand event', () => {
  it('need a valid token of this user and event, and a token buys once', async () => {
    await highDemandEvent('gated', { admitPerMinute: 100, maxActive: 50 });
    await highDemandEvent('other-gated', { admitPerMinute: 100, maxActive: 50 });
    const alice = await user('alice');
    const bob = await user('bob');
    const none = await buy('gated', alice);
    expect(none.status).toBe(403);
    expect((await json<any>(none)).code).toBe('QUEUE_TOKEN_REQUIRED');

    const token = await admittedToken('gated', alice);
    const otherEventToken = await admittedToken('other-gated', alice);
    const forged = await new SignJWT({ tenant_id: tenant, eventId: 'gated', queueId: 'q', scope: 'purchase' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setJti(crypto.randomUUID())
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('not-the-queue-token-secret-0123456789'));
    // Ours in every way but already expired.
    const expired = await new SignJWT({ tenant_id: tenant, eventId: 'gated', queueId: 'q', scope: 'purchase' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setJti(crypto.randomUUID())
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(env.QUEUE_TOKEN_SECRET));
    for (const bad of ['access_gated_q1', forged, expired, otherEventToken, `${token.slice(0, -2)}xx`]) {
      const res = await buy('gated', alice, bad);
      expect(res.status).toBe(403);
      const body = await json<any>(res);
      expect(body.code).toBe('INVALID_ACCESS_TOKEN');
      expect(JSON.stringify(body)).not.toContain('signature');
    }
    const stolen = await buy('gated', bob, token);
    expect((await json<any>(stolen)).code).toBe('INVALID_ACCESS_TOKEN');

    const first = await buy('gated', alice, token);
    expect(first.status).toBe(200);
    const again = await buy('gated', alice, token);
    expect(again.status).toBe(403);
    expect((await json<any>(again)).code).toBe('INVALID_ACCESS_TOKEN');
    // Once the purchase has spent the token, the buyer's place is over: no status, and a new join is a new place.
    await eventually(async () => ((await status('gated', alice)).status === 404 ? true : undefined), 20_000);
    const rejoined = await json<any>(await join('gated', alice));
    expect(rejoined.position).toBeGreaterThan(1);
    // The spend reaches Postgres as the room's activity.
    const actions = await eventually(async () => {
      const done = await rows<{ action: string }>(
        sql`SELECT action FROM waiting_room_activity WHERE tenant_id = ${tenant} AND event_id = 'gated' AND user_id = 'alice' ORDER BY timestamp`,
      );
      return done.some((r) => r.action === 'purchased') ? done.map((r) => r.action) : undefined;
    }, 20_000);
    // Then the new place that joining again made.
    expect(actions.slice(0, 3)).toEqual(['joined', 'admitted', 'purchased']);
  });

  it('20 concurrent purchases with one token charge exactly once, and a declined one does not spend it', async () => {
    await highDemandEvent('stampede', { admitPerMinute: 100, maxActive: 50 });
    const carol = await user('carol');
    const token = await admittedToken('stampede', carol);
    const declined = await buy('stampede', carol, token, crypto.randomUUID(), 'pm_card_chargeDeclined');
    expect(declined.status).toBe(402);
    const keys = Array.from({ length: 20 }, () => crypto.randomUUID());
    const results = await Promise.all(keys.map((k) => buy('stampede', carol, token, k)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 403)).toHaveLength(19);
    const charged = (await Promise.all(results.map(async (r) => (r.status === 200 ? (await json<any>(r)).transaction.id : null)))).filter(
      Boolean,
    );
    const calls = await stripeCallsFor(charged[0]);
    expect(calls.filter((c) => c.method === 'POST' && c.path.startsWith('/v1/payment_intents'))).toHaveLength(1);
  });
});
