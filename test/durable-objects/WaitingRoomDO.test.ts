import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { waitingRoomSettings } from '../../src/domain/waiting-room';
import { waitingRoomShardStub, waitingRoomStub } from '../../src/lib/stubs';

function room(settings: Partial<ReturnType<typeof waitingRoomSettings>>) {
  const tenantId = `room-${crypto.randomUUID()}`;
  const ref = { tenantId, eventId: 'e1', settings: waitingRoomSettings(settings) };
  const coordinator = waitingRoomStub(env, tenantId, 'e1');
  const shard = (i: number) => waitingRoomShardStub(env, tenantId, 'e1', i);
  return { ref, coordinator, shard };
}

/** The token id inside an admitted place's access token. */
function jtiOf(place: { accessToken?: string } | null | undefined): string {
  if (!place?.accessToken) throw new Error('not admitted');
  return JSON.parse(atob(place.accessToken.split('.')[1] as string)).jti as string;
}

/** Runs the coordinator's tick now, whatever time its alarm was set for. */
async function tick(coordinator: ReturnType<typeof waitingRoomStub>) {
  await runInDurableObject(coordinator, (_i, state) => void state.storage.sql.exec('UPDATE room SET last_tick = 0'));
  await runInDurableObject(coordinator, async (_i, state) => state.storage.setAlarm(Date.now()));
  await runDurableObjectAlarm(coordinator);
}

describe('WaitingRoomDO and its shards', () => {
  it('numbers arrivals in order across shards and admits the head within both caps', async () => {
    const { ref, coordinator, shard } = room({ admitPerMinute: 4, maxActive: 2, shards: 2 });
    const places = [];
    for (let i = 0; i < 6; i++) places.push(await shard(i % 2).join({ ...ref, shard: i % 2, userId: `u${i}` }));
    expect(places.map((p) => p.position)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(places.map((p) => p.status)).toEqual(['admitted', 'admitted', 'waiting', 'waiting', 'waiting', 'waiting']);
    expect(places[3]?.ahead).toBe(1);
    expect(await coordinator.counts()).toMatchObject({ waiting: 4, active: 2, admittedLastMinute: 2 });

    // Two spend their tokens: two slots free, the minute allows two more (4 per minute), so #3 and #4 go in.
    for (const p of places.slice(0, 2)) {
      const jti = jtiOf(p);
      const use = { jti, userId: `u${p.position - 1}`, transactionId: `tx-${p.position}` };
      expect(await coordinator.holdToken(use)).toEqual({ ok: true });
      expect(await coordinator.holdToken({ ...use, transactionId: 'another' })).toEqual({ ok: false, reason: 'in_use' });
      expect(await coordinator.spendToken(use)).toBe(true);
    }
    await tick(coordinator);
    expect(await coordinator.counts()).toMatchObject({ waiting: 2, active: 2, admittedLastMinute: 4, spent: 2 });
    const third = await shard(0).status('u2', ref.settings);
    expect(third?.status).toBe('admitted');
    // The minute is used up: spending again frees slots, but nobody more is admitted this minute.
    for (const user of ['u2', 'u3']) {
      const place = await shard(Number(user.slice(1)) % 2).status(user, ref.settings);
      const jti = jtiOf(place);
      await coordinator.holdToken({ jti, userId: user, transactionId: `tx-${user}` });
      await coordinator.spendToken({ jti, transactionId: `tx-${user}` });
    }
    await tick(coordinator);
    expect(await coordinator.counts()).toMatchObject({ waiting: 2, active: 0, admittedLastMinute: 4 });
  });

  it('a user who stops polling loses the place, one who leaves gives it up, and the line moves on', async () => {
    const { ref, coordinator, shard } = room({ admitPerMinute: 100, maxActive: 1, shards: 1, abandonAfterSeconds: 30 });
    for (const user of ['a', 'b', 'c', 'd']) await shard(0).join({ ...ref, shard: 0, userId: user });
    await runInDurableObject(
      shard(0),
      (_i, state) => void state.storage.sql.exec("UPDATE members SET last_seen_at = last_seen_at - 60000 WHERE user_id = 'b'"),
    );
    expect(await shard(0).leave('c')).toBe(true);
    expect(await shard(0).leave('c')).toBe(false);
    // Leaving and coming back before any tick is a new place at the end, not the old one.
    const before = await shard(0).join({ ...ref, shard: 0, userId: 'e' });
    expect(await shard(0).leave('e')).toBe(true);
    const back = await shard(0).join({ ...ref, shard: 0, userId: 'e' });
    expect(back.position).toBe(before.position + 1);
    // 'a' holds the only active slot; releasing it by leaving lets the next live user ('d') in.
    expect(await shard(0).leave('a')).toBe(true);
    await tick(coordinator);
    expect(await shard(0).status('b', ref.settings)).toBeNull();
    expect((await shard(0).status('d', ref.settings))?.status).toBe('admitted');
    const actions = await runInDurableObject(coordinator, (_i, state) =>
      state.storage.sql.exec<{ user_id: string; status: string }>('SELECT user_id, status FROM entries ORDER BY number').toArray(),
    );
    expect(actions).toEqual([
      { user_id: 'a', status: 'left' },
      { user_id: 'b', status: 'abandoned' },
      { user_id: 'c', status: 'left' },
      { user_id: 'd', status: 'admitted' },
      { user_id: 'e', status: 'left' },
      { user_id: 'e', status: 'waiting' },
    ]);
  });

  it('a released token is usable again, an expired one frees its slot, a revoked user has nothing left', async () => {
    const { ref, coordinator, shard } = room({ admitPerMinute: 100, maxActive: 5, shards: 1, tokenTtlSeconds: 60 });
    const place = await shard(0).join({ ...ref, shard: 0, userId: 'buyer' });
    const jti = jtiOf(place);
    const use = { jti, userId: 'buyer', transactionId: 'declined-tx' };
    expect(await coordinator.holdToken(use)).toEqual({ ok: true });
    expect(await coordinator.releaseToken(use)).toBe(true);
    expect(await coordinator.holdToken({ ...use, transactionId: 'next-tx' })).toEqual({ ok: true });
    expect(await coordinator.holdToken({ ...use, userId: 'thief', transactionId: 'x' })).toEqual({ ok: false, reason: 'wrong_user' });
    expect(await coordinator.revoke('buyer')).toEqual({ revoked: true, tokensRevoked: 1 });
    expect(await shard(0).status('buyer', ref.settings)).toBeNull();
    expect(await coordinator.holdToken({ ...use, transactionId: 'later' })).toEqual({ ok: false, reason: 'revoked' });

    const other = await shard(0).join({ ...ref, shard: 0, userId: 'sleeper' });
    const otherJti = jtiOf(other);
    // Its token expires (the coordinator and the shard both know the expiry it was issued with).
    await runInDurableObject(
      coordinator,
      (_i, state) => void state.storage.sql.exec('UPDATE tokens SET expires_at = 1 WHERE jti = ?', otherJti),
    );
    await runInDurableObject(
      shard(0),
      (_i, state) => void state.storage.sql.exec("UPDATE members SET token_expires_at = 1 WHERE user_id = 'sleeper'"),
    );
    await shard(0).join({ ...ref, shard: 0, userId: 'late' });
    expect(await coordinator.holdToken({ jti: otherJti, userId: 'sleeper', transactionId: 't' })).toEqual({ ok: false, reason: 'expired' });
    // The expired token no longer counts: only the late arrival holds one.
    expect((await coordinator.counts()).active).toBe(1);
    // The sleeper's admission is over: joining again is a new place at the end of the line.
    const back = await shard(0).join({ ...ref, shard: 0, userId: 'sleeper' });
    expect(back.position).toBeGreaterThan(other.position);
    expect(back.queueId).not.toBe(other.queueId);
  });
});
