import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitGroup, splitGroupTotal } from '../../src/domain/group-split';

describe('splitGroup', () => {
  it('4 tickets × 5000 split 2 + 2 → 10000 each', () => {
    expect(splitGroup(5000, [2, 2])).toEqual([10000, 10000]);
  });

  it.each([
    [5000, [1, 3], [5000, 15000]],
    [5000, [4], [20000]],
    [3333, [1, 1, 1], [3333, 3333, 3333]],
    [0, [2, 2], [0, 0]],
    [1, [1, 0, 1], [1, 0, 1]],
  ])('price %i split %j → %j', (price, counts, expected) => {
    expect(splitGroup(price, counts)).toEqual(expected);
  });

  it('rejects an empty group or a group buying nothing', () => {
    expect(() => splitGroup(5000, [])).toThrow(RangeError);
    expect(() => splitGroup(5000, [0, 0])).toThrow(RangeError);
    expect(() => splitGroup(5000, [1, -1])).toThrow(RangeError);
  });

  it('each member owes exactly price × tickets', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 30 }),
        (price, counts) => {
          fc.pre(counts.some((c) => c > 0));
          expect(splitGroup(price, counts)).toEqual(counts.map((c) => price * c));
        },
      ),
    );
  });
});

describe('splitGroupTotal', () => {
  it('splits an uneven total (fees and tax included) by tickets, earlier members taking the odd cent', () => {
    expect(splitGroupTotal(11845, [1, 1])).toEqual([5923, 5922]);
    expect(splitGroupTotal(10001, [1, 2, 1])).toEqual([2500, 5001, 2500]);
  });

  it('parts always sum to the total and stay within one unit of the exact share', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 30 }),
        (total, counts) => {
          fc.pre(counts.some((c) => c > 0));
          const parts = splitGroupTotal(total, counts);
          const tickets = BigInt(counts.reduce((s, c) => s + c, 0));
          expect(parts.reduce((s, p) => s + BigInt(p), 0n)).toBe(BigInt(total));
          parts.forEach((p, i) => {
            const diff = BigInt(p) * tickets - BigInt(total) * BigInt(counts[i]!);
            expect(diff > -tickets && diff < tickets).toBe(true);
          });
        },
      ),
    );
  });
});
