import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Bulkhead } from '../../src/lib/bulkhead';

const tick = () => new Promise<void>((r) => setTimeout(r, 0));

describe('Bulkhead', () => {
  it('runs at most `limit` at once and starts the rest in arrival order', async () => {
    const bulkhead = new Bulkhead(2);
    const started: number[] = [];
    const finish = new Map<number, () => void>();
    const runs = [0, 1, 2, 3].map((i) =>
      bulkhead.run(async () => {
        started.push(i);
        await new Promise<void>((r) => finish.set(i, r));
        return i;
      }),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    expect(bulkhead.load).toEqual({ running: 2, waiting: 2 });
    finish.get(1)?.();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    finish.get(0)?.();
    finish.get(2)?.();
    await tick();
    finish.get(3)?.();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect(bulkhead.load).toEqual({ running: 0, waiting: 0 });
  });

  it('a failing operation frees its slot and its caller gets the error', async () => {
    const bulkhead = new Bulkhead(1);
    const failed = bulkhead.run(async () => {
      throw new Error('provider down');
    });
    const next = bulkhead.run(async () => 'ran');
    await expect(failed).rejects.toThrow('provider down');
    expect(await next).toBe('ran');
    expect(bulkhead.load).toEqual({ running: 0, waiting: 0 });
  });

  it('never exceeds the limit and finishes everything, whatever the durations and failures', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.record({ ms: fc.integer({ min: 0, max: 3 }), fails: fc.boolean() }), { maxLength: 25 }),
        async (limit, ops) => {
          const bulkhead = new Bulkhead(limit);
          let running = 0;
          let peak = 0;
          const results = await Promise.allSettled(
            ops.map((op) =>
              bulkhead.run(async () => {
                running++;
                peak = Math.max(peak, running);
                await new Promise((r) => setTimeout(r, op.ms));
                running--;
                if (op.fails) throw new Error('no');
              }),
            ),
          );
          expect(peak).toBeLessThanOrEqual(limit);
          expect(results.filter((r) => r.status === 'rejected')).toHaveLength(ops.filter((o) => o.fails).length);
          expect(bulkhead.load).toEqual({ running: 0, waiting: 0 });
        },
      ),
      { numRuns: 50 },
    );
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new Bulkhead(0)).toThrow(RangeError);
    expect(() => new Bulkhead(1.5)).toThrow(RangeError);
  });
});
