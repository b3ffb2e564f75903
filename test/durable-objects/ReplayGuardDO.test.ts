import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

function freshGuard() {
  return env.REPLAY_GUARDS.get(env.REPLAY_GUARDS.idFromName(`test-${crypto.randomUUID()}`));
}

describe('ReplayGuardDO', () => {
  it('accepts a key once while it is inside its window', async () => {
    const guard = freshGuard();
    const expiresAt = Date.now() + 60_000;
    expect(await guard.claim('sig-a', expiresAt)).toBe(true);
    expect(await guard.claim('sig-a', expiresAt)).toBe(false);
    expect(await guard.claim('sig-b', expiresAt)).toBe(true);
  });

  it('forgets keys once they expire (their timestamps would be refused anyway)', async () => {
    const guard = freshGuard();
    expect(await guard.claim('old', Date.now() - 1)).toBe(true);
    expect(await guard.claim('live', Date.now() + 60_000)).toBe(true);
    expect(await runDurableObjectAlarm(guard)).toBe(true);
    await runInDurableObject(guard, (_i, state) => {
      const keys = state.storage.sql.exec<{ key: string }>('SELECT key FROM seen ORDER BY key').toArray();
      expect(keys.map((k) => k.key)).toEqual(['live']);
    });
  });
});
