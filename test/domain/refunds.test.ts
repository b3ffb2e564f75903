import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planRefund } from '../../src/domain/refunds';

describe('planRefund', () => {
  it.each([
    [
      { captured: 11845, alreadyRefunded: 0 },
      { amount: 11845, full: true },
    ],
    [
      { captured: 11845, alreadyRefunded: 1845 },
      { amount: 10000, full: true },
    ],
    [
      { captured: 11845, alreadyRefunded: 0, requested: 5000 },
      { amount: 5000, full: false },
    ],
    [
      { captured: 11845, alreadyRefunded: 6845, requested: 5000 },
      { amount: 5000, full: true },
    ],
    [
      { captured: 1, alreadyRefunded: 0, requested: 1 },
      { amount: 1, full: true },
    ],
  ])('%j → %j', (input, plan) => {
    expect(planRefund(input)).toEqual({ ok: true, value: plan });
  });

  it('refuses more than remains (in-flight refunds count)', () => {
    expect(planRefund({ captured: 10000, alreadyRefunded: 6000, requested: 4001 })).toEqual({
      ok: false,
      error: expect.objectContaining({ code: 'REFUND_EXCEEDS_ORIGINAL', field: 'amount' }),
    });
  });

  it('refuses a full refund when nothing remains', () => {
    const result = planRefund({ captured: 10000, alreadyRefunded: 10000 });
    expect(!result.ok && result.error.code).toBe('REFUND_EXCEEDS_ORIGINAL');
  });

  it.each([0, -5, 1.5, Number.NaN])('a requested amount of %s is a VALIDATION_ERROR', (requested) => {
    const result = planRefund({ captured: 10000, alreadyRefunded: 0, requested });
    expect(!result.ok && result.error).toMatchObject({ code: 'VALIDATION_ERROR', field: 'amount' });
  });

  it('inconsistent records are programmer errors', () => {
    expect(() => planRefund({ captured: 100, alreadyRefunded: 101 })).toThrow(RangeError);
    expect(() => planRefund({ captured: -1, alreadyRefunded: 0 })).toThrow(RangeError);
  });

  it('no sequence of accepted refunds exceeds the capture, and the last accepted full one empties it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.array(fc.option(fc.integer({ min: -10, max: 5_000_000 }), { nil: undefined }), { maxLength: 30 }),
        (captured, requests) => {
          let refunded = 0;
          for (const requested of requests) {
            const plan = planRefund({ captured, alreadyRefunded: refunded, ...(requested !== undefined && { requested }) });
            if (!plan.ok) continue;
            expect(plan.value.amount).toBeGreaterThanOrEqual(1);
            refunded += plan.value.amount;
            expect(refunded).toBeLessThanOrEqual(captured);
            expect(plan.value.full).toBe(refunded === captured);
          }
        },
      ),
    );
  });
});
