import { describe, expect, it } from 'vitest';
import type { HealthResponse } from '../../src/schemas/health';
import { call, json } from '../helpers/app';
import { sql, withTestDb } from '../helpers/db';

// Its own file: the database probe is cached per isolate for a few seconds, and this test needs the first one.
// Whether a waiting request survives the prober's request ending first is a race of the runtime; the bench's
// bursts of GET /health (test/bench) count the answers that were not 200.
describe('a burst of GET /health while the database probe is slow', () => {
  it('answers every request from the one probe once it lands', async () => {
    let locked!: () => void;
    const lockTaken = new Promise<void>((resolve) => {
      locked = resolve;
    });
    // The probe reads queue_retries; holding that table locked keeps the probe in flight for about a second,
    // long after each request's own object check has answered.
    const holder = withTestDb((db) =>
      db.transaction(async (tx) => {
        await tx.execute(sql`LOCK TABLE queue_retries IN ACCESS EXCLUSIVE MODE`);
        locked();
        await new Promise((r) => setTimeout(r, 1200));
      }),
    );
    await lockTaken;
    const responses = await Promise.all(Array.from({ length: 20 }, () => call('/health')));
    await holder;

    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 200));
    const bodies = await Promise.all(responses.map((r) => json<HealthResponse>(r)));
    expect(new Set(bodies.map((b) => b.components.database.checkedAt)).size).toBe(1);
    expect(bodies.every((b) => b.components.database.status === 'healthy')).toBe(true);
    expect(Math.min(...bodies.map((b) => b.components.database.latencyMs ?? 0))).toBeGreaterThanOrEqual(500);
  });
});
