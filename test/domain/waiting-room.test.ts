import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ADMISSION_WINDOW_MS,
  admissionBudget,
  estimatedWaitSeconds,
  nextWindowOpeningAt,
  shardOf,
  waitingRoomSettings,
} from '../../src/domain/waiting-room';

describe('waiting-room rules', () => {
  it('defaults fill what the profile leaves out', () => {
    expect(waitingRoomSettings(undefined)).toEqual({
      admitPerMinute: 200,
      maxActive: 1000,
      tokenTtlSeconds: 600,
      abandonAfterSeconds: 120,
      shards: 4,
    });
    expect(waitingRoomSettings({ shards: 8 }).shards).toBe(8);
  });

  it('the budget is what both caps leave, never negative', () => {
    const settings = { admitPerMinute: 600, maxActive: 200 };
    expect(admissionBudget({ settings, admittedInWindow: 0, active: 0 })).toBe(200);
    expect(admissionBudget({ settings, admittedInWindow: 590, active: 0 })).toBe(10);
    expect(admissionBudget({ settings, admittedInWindow: 0, active: 250 })).toBe(0);
    fc.assert(
      fc.property(
        fc.nat(1000),
        fc.nat(1000),
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 1000 }),
        (inWindow, active, perMinute, maxActive) => {
          const budget = admissionBudget({ settings: { admitPerMinute: perMinute, maxActive }, admittedInWindow: inWindow, active });
          expect(budget).toBeGreaterThanOrEqual(0);
          if (budget > 0) {
            expect(inWindow + budget).toBeLessThanOrEqual(perMinute);
            expect(active + budget).toBeLessThanOrEqual(maxActive);
          }
        },
      ),
    );
  });

  it('granting the budget at every tick never puts more than admitPerMinute in any 60-second window', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 100 }),
        (perMinute, gaps) => {
          const admitted: number[] = [];
          let now = 0;
          for (const gap of gaps) {
            now += gap * 10;
            const inWindow = admitted.filter((t) => t > now - ADMISSION_WINDOW_MS).length;
            const budget = admissionBudget({
              settings: { admitPerMinute: perMinute, maxActive: 10_000 },
              admittedInWindow: inWindow,
              active: 0,
            });
            for (let i = 0; i < budget; i++) admitted.push(now);
          }
          for (const t of admitted)
            expect(admitted.filter((u) => u > t - ADMISSION_WINDOW_MS && u <= t).length).toBeLessThanOrEqual(perMinute);
        },
      ),
    );
  });

  it('the window frees its next place when its oldest counted admission leaves it', () => {
    expect(nextWindowOpeningAt([1000, 2000, 3000], 3, 10_000)).toBe(61_000);
    expect(nextWindowOpeningAt([1000, 2000], 3, 10_000)).toBeNull();
  });

  it('shards are stable and spread', () => {
    expect(shardOf('user-1', 8)).toBe(shardOf('user-1', 8));
    const counts = new Array(8).fill(0);
    for (let i = 0; i < 8000; i++) counts[shardOf(`user-${i}`, 8)]++;
    for (const n of counts) expect(n).toBeGreaterThan(800);
  });

  it('the estimate counts this user too, at the measured rate or else the configured one', () => {
    expect(estimatedWaitSeconds(0, 0, 60)).toBe(1);
    expect(estimatedWaitSeconds(59, 120, 60)).toBe(30);
    expect(estimatedWaitSeconds(599, 0, 600)).toBe(60);
  });
});
