import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FraudInput, FraudThresholds } from '../../src/domain/fraud-score';
import { assessFraud, DEFAULT_FRAUD_THRESHOLDS, decideFraud, fraudSeverity, parseFraudThresholds } from '../../src/domain/fraud-score';

const HOUR = 3_600_000;

const clean: FraudInput = {
  purchasesLastHour: 0,
  purchasesLastDay: 0,
  accountsOnDevice: null,
  knownScalperUser: false,
  knownScalperDevice: false,
  resaleMarkupPct: null,
  highDemand: false,
  accountAgeMs: null,
  deviceAgeMs: null,
  botScore: 0,
};

const assess = (overrides: Partial<FraudInput>) => assessFraud({ ...clean, ...overrides });
const names = (overrides: Partial<FraudInput>) => assess(overrides).signals.map((s) => s.name);

describe('assessFraud: the product rules', () => {
  it('scores a clean input 0 with no signals, approved', () => {
    expect(assessFraud(clean)).toEqual({ score: 0, decision: 'approve', signals: [] });
    expect(assess({ purchasesLastHour: 5, purchasesLastDay: 10, accountsOnDevice: 1, accountAgeMs: 0 }).score).toBe(0);
  });

  it.each([
    ['user', { knownScalperUser: true }, 'known_scalper_user'],
    ['device', { knownScalperDevice: true }, 'known_scalper_device'],
  ] as Array<[string, Partial<FraudInput>, string]>)('declines a known scalper %s on its own', (_who, overrides, signal) => {
    const result = assess(overrides);
    expect(result.decision).toBe('decline');
    expect(result.score).toBe(0.9);
    expect(result.signals.map((s) => s.name)).toEqual([signal]);
  });

  it('challenges a device used by 3 or more accounts, but not a shared household laptop', () => {
    expect(assess({ accountsOnDevice: 2 }).decision).toBe('approve');
    for (const accountsOnDevice of [3, 4, 5, 50]) {
      expect(fraudSeverity(assess({ accountsOnDevice }).decision)).toBeGreaterThanOrEqual(fraudSeverity('challenge'));
    }
    expect(assess({ accountsOnDevice: 3 })).toMatchObject({ score: 0.6, decision: 'challenge' });
    expect(assess({ accountsOnDevice: 50 })).toMatchObject({ score: 0.8, decision: 'challenge' });
  });

  it('reviews more than 5 purchases in an hour (the seed marker), and not 5', () => {
    expect(assess({ purchasesLastHour: 5, purchasesLastDay: 5 }).decision).toBe('approve');
    expect(assess({ purchasesLastHour: 6, purchasesLastDay: 6 })).toMatchObject({ score: 0.45, decision: 'review' });
    // Velocity alone never declines, however high.
    expect(assess({ purchasesLastHour: 500, purchasesLastDay: 500 })).toMatchObject({ score: 0.82, decision: 'challenge' });
  });

  it('counts the day too', () => {
    expect(assess({ purchasesLastDay: 11 })).toMatchObject({ score: 0.2, decision: 'approve' });
    expect(assess({ purchasesLastDay: 21 })).toMatchObject({ score: 0.4, decision: 'review' });
    expect(names({ purchasesLastDay: 21 })).toEqual(['purchase_velocity_day']);
  });

  it('declines hourly velocity from a device shared by several accounts', () => {
    const result = assess({ purchasesLastHour: 6, purchasesLastDay: 6, accountsOnDevice: 3 });
    expect(result).toMatchObject({ score: 0.89, decision: 'decline' });
    expect(result.signals.map((s) => s.name)).toEqual(['purchase_velocity_hour', 'accounts_on_device', 'velocity_on_shared_device']);
    // With a two-account household device it stays a review.
    expect(assess({ purchasesLastHour: 6, purchasesLastDay: 6, accountsOnDevice: 2 }).decision).toBe('review');
  });

  it('treats a brand-new account or device on a high-demand event as a mild signal only', () => {
    for (const ages of [{ accountAgeMs: 0 }, { deviceAgeMs: HOUR }, { accountAgeMs: 0, deviceAgeMs: 0 }]) {
      const result = assess({ highDemand: true, ...ages });
      expect(result).toMatchObject({ score: 0.25, decision: 'approve' });
      expect(result.signals.map((s) => s.name)).toEqual(['high_demand_new_account']);
    }
    // Not high demand, or first seen 24 h ago or more, or never seen: nothing.
    expect(assess({ highDemand: false, accountAgeMs: 0 }).score).toBe(0);
    expect(assess({ highDemand: true, accountAgeMs: 24 * HOUR, deviceAgeMs: 48 * HOUR }).score).toBe(0);
    expect(assess({ highDemand: true }).score).toBe(0);
  });

  it('weighs the bot score weakly: a sure bot alone is still approved, with a new account on a hot event reviewed', () => {
    expect(assess({ botScore: 1 })).toMatchObject({ score: 0.3, decision: 'approve' });
    expect(assess({ botScore: 0.5 }).signals).toEqual([{ name: 'bot_score', weight: 0.15, detail: 'bot detector score 0.50' }]);
    expect(assess({ botScore: 1, highDemand: true, accountAgeMs: 0 })).toMatchObject({ score: 0.48, decision: 'review' });
  });

  it('takes no signal from a missing resale history, and tiers a known markup', () => {
    expect(assess({ resaleMarkupPct: null }).signals).toEqual([]);
    expect(assess({ resaleMarkupPct: 20 }).score).toBe(0);
    expect(assess({ resaleMarkupPct: 30 }).score).toBe(0.2);
    expect(assess({ resaleMarkupPct: 80 }).score).toBe(0.35);
    expect(assess({ resaleMarkupPct: 250 })).toMatchObject({ score: 0.5, decision: 'review' });
  });

  it('combines as 1 − Π(1 − w) and keeps signal details free of identifiers', () => {
    const result = assess({ knownScalperUser: true, knownScalperDevice: true, accountsOnDevice: 4 });
    expect(result.score).toBe(1); // 1 − 0.1 · 0.1 · 0.3 = 0.997 → 1.00
    for (const s of result.signals) expect(s.detail).not.toMatch(/user_|dev_|[0-9a-f]{16}/);
  });

  it('uses the thresholds it is given', () => {
    const strict: FraudThresholds = { review: 0.2, challenge: 0.3, decline: 0.45 };
    expect(assessFraud({ ...clean, purchasesLastHour: 6 }, strict).decision).toBe('decline');
    expect(() => assessFraud(clean, { review: 0.5, challenge: 0.5, decline: 0.9 })).toThrow(/strictly increasing/);
  });

  it('rejects malformed inputs as programmer errors', () => {
    expect(() => assess({ purchasesLastHour: -1 })).toThrow(RangeError);
    expect(() => assess({ accountsOnDevice: 1.5 })).toThrow(RangeError);
    expect(() => assess({ botScore: 1.2 })).toThrow(RangeError);
    expect(() => assess({ botScore: Number.NaN })).toThrow(RangeError);
    expect(() => assess({ accountAgeMs: -1 })).toThrow(RangeError);
    expect(() => assess({ resaleMarkupPct: Number.POSITIVE_INFINITY })).toThrow(RangeError);
  });
});

describe('parseFraudThresholds', () => {
  it('defaults when unset or blank', () => {
    expect(DEFAULT_FRAUD_THRESHOLDS).toEqual({ review: 0.4, challenge: 0.6, decline: 0.85 });
    expect(parseFraudThresholds(undefined)).toBe(DEFAULT_FRAUD_THRESHOLDS);
    expect(parseFraudThresholds('  ')).toBe(DEFAULT_FRAUD_THRESHOLDS);
  });

  it('reads three increasing numbers within (0,1]', () => {
    expect(parseFraudThresholds('0.4,0.6,0.85')).toEqual({ review: 0.4, challenge: 0.6, decline: 0.85 });
    expect(parseFraudThresholds(' .3 , 0.5 ,1 ')).toEqual({ review: 0.3, challenge: 0.5, decline: 1 });
  });

  it.each([
    ['0.4,0.6', /three comma-separated numbers/],
    ['0.4,0.6,0.85,0.9', /three comma-separated numbers/],
    ['0.4,,0.85', /"" is not a decimal number/],
    ['0.4,abc,0.85', /"abc" is not a decimal number/],
    ['0.4,0x1,0.85', /"0x1" is not a decimal number/],
    ['-0.1,0.6,0.85', /"-0.1" is not a decimal number/],
    ['0.4,0.6,Infinity', /"Infinity" is not a decimal number/],
    ['0,0.6,0.85', /review threshold must be within \(0,1\]/],
    ['0.4,0.6,1.5', /decline threshold must be within \(0,1\]/],
    ['0.6,0.4,0.85', /strictly increasing/],
    ['0.4,0.6,0.6', /strictly increasing/],
  ])('rejects %j', (text, message) => {
    expect(() => parseFraudThresholds(text)).toThrow(message);
  });
});

// ---- properties -------------------------------------------------------------------------------------------

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });
const input: fc.Arbitrary<FraudInput> = fc.record({
  purchasesLastHour: fc.nat(30),
  purchasesLastDay: fc.nat(60),
  accountsOnDevice: maybe(fc.nat(12)),
  knownScalperUser: fc.boolean(),
  knownScalperDevice: fc.boolean(),
  resaleMarkupPct: maybe(fc.double({ min: -50, max: 400, noNaN: true })),
  highDemand: fc.boolean(),
  accountAgeMs: maybe(fc.nat(72 * HOUR)),
  deviceAgeMs: maybe(fc.nat(72 * HOUR)),
  botScore: fc.double({ min: 0, max: 1, noNaN: true }),
});

const thresholds: fc.Arbitrary<FraudThresholds> = fc
  .uniqueArray(fc.integer({ min: 1, max: 100 }), { minLength: 3, maxLength: 3 })
  .map((xs) => xs.sort((a, b) => a - b).map((x) => x / 100))
  .map(([review, challenge, decline]) => ({ review, challenge, decline }) as FraudThresholds);

/** Each step makes the input look riskier (or leaves it as is). */
const riskier: fc.Arbitrary<(i: FraudInput) => FraudInput> = fc.oneof(
  fc.nat(10).map((n) => (i: FraudInput) => ({ ...i, purchasesLastHour: i.purchasesLastHour + n })),
  fc.nat(30).map((n) => (i: FraudInput) => ({ ...i, purchasesLastDay: i.purchasesLastDay + n })),
  fc.nat(5).map((n) => (i: FraudInput) => ({ ...i, accountsOnDevice: i.accountsOnDevice === null ? null : i.accountsOnDevice + n })),
  fc.constant((i: FraudInput) => ({ ...i, knownScalperUser: true })),
  fc.constant((i: FraudInput) => ({ ...i, knownScalperDevice: true })),
  fc.constant((i: FraudInput) => ({ ...i, highDemand: true })),
  fc.nat(100).map((n) => (i: FraudInput) => ({ ...i, resaleMarkupPct: i.resaleMarkupPct === null ? null : i.resaleMarkupPct + n })),
  fc.double({ min: 0, max: 1, noNaN: true }).map((b) => (i: FraudInput) => ({ ...i, botScore: Math.max(i.botScore, b) })),
  fc.nat(HOUR).map((n) => (i: FraudInput) => ({ ...i, accountAgeMs: i.accountAgeMs === null ? null : Math.max(0, i.accountAgeMs - n) })),
  fc.nat(HOUR).map((n) => (i: FraudInput) => ({ ...i, deviceAgeMs: i.deviceAgeMs === null ? null : Math.max(0, i.deviceAgeMs - n) })),
);

describe('assessFraud: properties', () => {
  it('keeps the score within [0,1] with at most two decimals, and every weight within (0,1]', () => {
    fc.assert(
      fc.property(input, (i) => {
        const { score, signals } = assessFraud(i);
        expect(score).toBeGreaterThanOrEqual(0);
        expect(score).toBeLessThanOrEqual(1);
        expect(Math.round(score * 100) / 100).toBe(score);
        for (const s of signals) expect(s.weight > 0 && s.weight <= 1).toBe(true);
      }),
    );
  });

  it('never lowers the score or the decision when a signal gets stronger', () => {
    fc.assert(
      fc.property(input, fc.array(riskier, { minLength: 1, maxLength: 4 }), thresholds, (i, steps, t) => {
        const before = assessFraud(i, t);
        const after = assessFraud(
          steps.reduce((acc, step) => step(acc), i),
          t,
        );
        expect(after.score).toBeGreaterThanOrEqual(before.score);
        expect(fraudSeverity(after.decision)).toBeGreaterThanOrEqual(fraudSeverity(before.decision));
      }),
    );
  });

  it('decides exactly by the thresholds on the reported score', () => {
    fc.assert(
      fc.property(input, thresholds, (i, t) => {
        const { score, decision } = assessFraud(i, t);
        const expected = score >= t.decline ? 'decline' : score >= t.challenge ? 'challenge' : score >= t.review ? 'review' : 'approve';
        expect(decision).toBe(expected);
        expect(decideFraud(score, t)).toBe(decision);
      }),
    );
  });

  it('declines whenever the user or device is a known scalper, and approves when no signal fires', () => {
    fc.assert(
      fc.property(input, (i) => {
        const result = assessFraud(i);
        if (i.knownScalperUser || i.knownScalperDevice) expect(result.decision).toBe('decline');
        if (result.signals.length === 0) expect(result).toMatchObject({ score: 0, decision: 'approve' });
      }),
    );
  });
});
