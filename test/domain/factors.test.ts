import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AttemptState,
  afterUserFailure,
  amountInHundredths,
  applyAttempt,
  attemptRefusal,
  attemptsLeft,
  COLOR_PALETTE,
  crossedCell,
  EMOJI_SET,
  FACTORS,
  type Factor,
  factorDigestMessage,
  MAX_FAILURES_PER_FACTOR,
  MAX_FAILURES_PER_SESSION,
  normalizeFactorValue,
  parseUserRef,
  patternProblem,
  RISK_LEVELS,
  type RiskLevel,
  selectFactors,
  USER_LOCKOUT_FAILURES,
  USER_LOCKOUT_MS,
  USER_LOCKOUT_WINDOW_MS,
} from '../../src/domain/factors';

const normalized = (factor: Factor, value: unknown) => {
  const r = normalizeFactorValue(factor, value);
  return r.ok ? r.value : { field: r.error.field, message: r.error.message };
};

describe('normalizeFactorValue', () => {
  it.each<[Factor, unknown, string]>([
    ['PIN', '0123', '0123'],
    ['PIN', '12345678', '12345678'],
    ['PATTERN', [0, 4, 8, 5], '0-4-8-5'],
    ['PATTERN', '0-4-8-5', '0-4-8-5'],
    ['PATTERN', '0,1,2,5,8', '0-1-2-5-8'],
    ['PATTERN', '6307', '6-3-0-7'],
    ['PATTERN', [0, 5, 6, 1], '0-5-6-1'], // knight-like steps cross no cell centre
    ['PATTERN', [1, 0, 2, 5], '1-0-2-5'], // 0→2 crosses 1, already visited
    ['EMOJI', ['🍎', '🐶', '🚀', '🍕'], '0-8-17-21'],
    ['EMOJI', '🍎🐶🚀🍕', '0-8-17-21'],
    ['EMOJI', ['🍎\uFE0F', '🐶', '🚀', '🍕', '🍎'], '0-8-17-21-0'],
    ['COLOR', ['Red', 'blue', 'GREEN'], 'red-blue-green'],
    ['COLOR', 'red, grey, red', 'red-gray-red'],
  ])('%s %j → %s', (factor, value, want) => {
    expect(normalized(factor, value)).toBe(want);
  });

  it.each<[Factor, unknown]>([
    ['PIN', 1234],
    ['PIN', '123'],
    ['PIN', '123456789'],
    ['PIN', '12a4'],
    ['PIN', ' 1234'],
    ['PATTERN', [0, 1, 2]],
    ['PATTERN', [0, 1, 1, 2]],
    ['PATTERN', [0, 2, 5, 8]], // 0→2 jumps over unvisited 1
    ['PATTERN', [0, 8, 7, 6]], // 0→8 jumps over unvisited 4
    ['PATTERN', [3, 5, 8, 7]], // 3→5 jumps over unvisited 4
    ['PATTERN', [0, 1, 2, 9]],
    ['PATTERN', '2-4-7-'],
    ['PATTERN', [0, 1, 2, 3, 4, 5, 6, 7, 8, 0]],
    ['EMOJI', ['🍎', '🐶', '🚀']],
    ['EMOJI', ['🍎', '🐶', '🚀', '💣']],
    ['EMOJI', 12345],
    ['COLOR', ['red', 'blue']],
    ['COLOR', ['red', 'blue', 'magenta']],
    ['COLOR', ['red', 'blue', 'green', 'red', 'blue', 'green', 'red']],
  ])('%s %j is refused on `value`, without echoing it', (factor, value) => {
    const r = normalizeFactorValue(factor, value);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ code: 'VALIDATION_ERROR', field: 'value' });
    if (typeof value === 'string' && value.length > 2) expect(r.error.message).not.toContain(value);
  });

  it('every pattern it accepts obeys the rule, and every path that obeys it is accepted', () => {
    const cells = fc.uniqueArray(fc.integer({ min: 0, max: 8 }), { minLength: 4, maxLength: 9 });
    fc.assert(
      fc.property(cells, (path) => {
        const legal = path.every((c, i) => {
          if (i === 0) return true;
          const mid = crossedCell(path[i - 1] as number, c);
          return mid === null || path.slice(0, i).includes(mid);
        });
        expect(patternProblem(path) === null).toBe(legal);
        expect(normalizeFactorValue('PATTERN', path).ok).toBe(legal);
      }),
    );
  });

  it('crossedCell finds the centre crossed by straight lines only', () => {
    expect(crossedCell(0, 2)).toBe(1);
    expect(crossedCell(0, 8)).toBe(4);
    expect(crossedCell(6, 2)).toBe(4);
    expect(crossedCell(1, 7)).toBe(4);
    expect(crossedCell(0, 6)).toBe(3);
    expect(crossedCell(0, 1)).toBeNull();
    expect(crossedCell(0, 5)).toBeNull();
    expect(crossedCell(0, 4)).toBeNull();
  });

  it('normalization is idempotent for every accepted emoji and colour sequence', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...EMOJI_SET), { minLength: 4, maxLength: 6 }), (emoji) => {
        const once = normalizeFactorValue('EMOJI', emoji);
        const twice = normalizeFactorValue('EMOJI', emoji.join(''));
        expect(once).toEqual(twice);
        expect(once.ok).toBe(true);
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...COLOR_PALETTE), { minLength: 3, maxLength: 6 }), (colors) => {
        expect(
          normalizeFactorValue(
            'COLOR',
            colors.map((c) => c.toUpperCase()),
          ),
        ).toEqual(normalizeFactorValue('COLOR', colors.join(' ')));
      }),
    );
  });
});

describe('factorDigestMessage', () => {
  it('binds tenant, user, factor and value', () => {
    const base = factorDigestMessage('t1', 'u1', 'PIN', '1234');
    expect(new Set([base, factorDigestMessage('t2', 'u1', 'PIN', '1234'), factorDigestMessage('t1', 'u2', 'PIN', '1234')]).size).toBe(3);
    expect(factorDigestMessage('t1', 'u1', 'PATTERN', '1234')).not.toBe(base);
  });
});

describe('parseUserRef', () => {
  it.each([
    ['alice.notap.sol', { kind: 'handle', handle: 'alice.notap.sol' }],
    ['Alice.NoTap.SOL', { kind: 'handle', handle: 'alice.notap.sol' }],
    ['A1B2C3D4-0000-4000-8000-00000000000A', { kind: 'uuid', uuid: 'a1b2c3d4-0000-4000-8000-00000000000a' }],
    ['bob_42', { kind: 'handle', handle: 'bob_42' }],
  ])('%s', (text, want) => {
    expect(parseUserRef(text)).toEqual(want);
  });

  it.each(['', '.alice', 'alice.', 'al ice', 'alice/..', 'a'.repeat(129), 'ålice'])('refuses %j', (text) => {
    expect(parseUserRef(text)).toBeNull();
  });
});

describe('amountInHundredths', () => {
  it.each([
    [49.99, 4999],
    [1000, 100_000],
    [0.001, 1],
    [12.3456, 1235],
  ])('%s → %s', (amount, want) => expect(amountInHundredths(amount)).toBe(want));
  it('refuses more than 4 decimals', () => expect(amountInHundredths(1.23456)).toBeNull());
});

describe('selectFactors', () => {
  it('LOW 49.99 with PIN, PATTERN, EMOJI, COLOR enrolled → PIN, PATTERN', () => {
    expect(selectFactors(['COLOR', 'EMOJI', 'PATTERN', 'PIN'], 'LOW', 4999)).toEqual({ ok: true, value: ['PIN', 'PATTERN'] });
  });

  it.each<[RiskLevel, number, Factor[]]>([
    ['MEDIUM', 4999, ['PIN', 'PATTERN', 'EMOJI']],
    ['HIGH', 4999, ['PIN', 'PATTERN', 'EMOJI', 'COLOR']],
    ['LOW', 100_000, ['PIN', 'PATTERN', 'EMOJI']],
    ['LOW', 1_000_000, ['PIN', 'PATTERN', 'EMOJI', 'COLOR']],
    ['LOW', 99_999, ['PIN', 'PATTERN']],
  ])('%s at %s hundredths → %j', (risk, amount, want) => {
    const r = selectFactors(FACTORS, risk, amount);
    expect(r.ok && r.value).toEqual(want);
  });

  it('fewer than two enrolled → INSUFFICIENT_FACTORS', () => {
    expect(selectFactors(['PIN'], 'LOW', 100)).toMatchObject({ ok: false, error: { code: 'INSUFFICIENT_FACTORS', enrolled: 1 } });
    expect(selectFactors([], 'HIGH', 100)).toMatchObject({ ok: false, error: { code: 'INSUFFICIENT_FACTORS', enrolled: 0 } });
  });

  const enrolledArb = fc.subarray([...FACTORS]);
  const riskArb = fc.constantFrom(...RISK_LEVELS);
  const amountArb = fc.integer({ min: 1, max: 10_000_000_000 });

  it('never more than enrolled, at least two, distinct, in canonical order, deterministic', () => {
    fc.assert(
      fc.property(enrolledArb, riskArb, amountArb, (enrolled, risk, amount) => {
        const shuffled = [...enrolled].reverse();
        const r = selectFactors(shuffled, risk, amount);
        if (enrolled.length < 2) {
          expect(r.ok).toBe(false);
          return;
        }
        if (!r.ok) throw new Error('expected a selection');
        expect(r.value.length).toBeLessThanOrEqual(enrolled.length);
        expect(r.value.length).toBeGreaterThanOrEqual(2);
        expect(r.value.every((f) => enrolled.includes(f))).toBe(true);
        expect(new Set(r.value).size).toBe(r.value.length);
        expect(r.value).toEqual(FACTORS.filter((f) => r.value.includes(f)));
        expect(selectFactors(enrolled, risk, amount)).toEqual(r);
      }),
    );
  });

  it('more risk or a larger amount never requires fewer factors; LOW under 1,000.00 requires exactly two', () => {
    fc.assert(
      fc.property(enrolledArb, amountArb, amountArb, (enrolled, a, b) => {
        if (enrolled.length < 2) return;
        const count = (risk: RiskLevel, amount: number) => {
          const r = selectFactors(enrolled, risk, amount);
          return r.ok ? r.value.length : -1;
        };
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        for (const risk of RISK_LEVELS) expect(count(risk, hi)).toBeGreaterThanOrEqual(count(risk, lo));
        expect(count('MEDIUM', lo)).toBeGreaterThanOrEqual(count('LOW', lo));
        expect(count('HIGH', lo)).toBeGreaterThanOrEqual(count('MEDIUM', lo));
        if (lo < 100_000) expect(count('LOW', lo)).toBe(2);
        if (enrolled.length >= 3) expect(count('MEDIUM', lo)).toBeGreaterThan(2);
      }),
    );
  });
});

describe('attempts', () => {
  const fresh = (required: Factor[] = ['PIN', 'PATTERN']): AttemptState => ({
    status: 'pending',
    required,
    passed: [],
    failures: {},
    totalFailures: 0,
    expiresAt: 1_000_000,
  });

  it('passing every required factor verifies the session', () => {
    const one = applyAttempt(fresh(), 'PATTERN', true);
    expect(one.outcome).toBe('passed');
    const two = applyAttempt(one.state, 'PIN', true);
    expect(two.outcome).toBe('verified');
    expect(two.state).toMatchObject({ status: 'verified', passed: ['PIN', 'PATTERN'] });
  });

  it('the third wrong value for a factor locks the session', () => {
    let s = fresh();
    for (let i = 0; i < MAX_FAILURES_PER_FACTOR - 1; i++) {
      const r = applyAttempt(s, 'PIN', false);
      expect(r.outcome).toBe('mismatch');
      s = r.state;
    }
    expect(attemptsLeft(s).factors.PIN).toBe(1);
    const last = applyAttempt(s, 'PIN', false);
    expect(last.outcome).toBe('locked');
    expect(attemptsLeft(last.state)).toEqual({ session: 0, factors: { PIN: 0, PATTERN: 0 } });
    expect(attemptRefusal(last.state, 'PATTERN', 0)).toBe('locked');
  });

  it('refuses factors not required or already passed, and sessions past their deadline', () => {
    const s = applyAttempt(fresh(), 'PIN', true).state;
    expect(attemptRefusal(s, 'PIN', 0)).toBe('already_passed');
    expect(attemptRefusal(s, 'COLOR', 0)).toBe('not_required');
    expect(attemptRefusal(s, 'PATTERN', 0)).toBeNull();
    expect(attemptRefusal(s, 'PATTERN', s.expiresAt)).toBe('expired');
  });

  const attemptArb = fc.array(fc.record({ factor: fc.constantFrom(...FACTORS), matched: fc.boolean() }), { maxLength: 30 });

  it('under any sequence: limits hold, lock and verification are final, passed ⊆ required', () => {
    fc.assert(
      fc.property(fc.subarray([...FACTORS], { minLength: 2 }), attemptArb, (required, attempts) => {
        let s = fresh(required);
        for (const a of attempts) {
          const before = s.status;
          if (attemptRefusal(s, a.factor, 0) !== null) {
            expect(before === 'pending' ? !required.includes(a.factor) || s.passed.includes(a.factor) : true).toBe(true);
            continue;
          }
          s = applyAttempt(s, a.factor, a.matched).state;
          expect(s.totalFailures).toBeLessThanOrEqual(MAX_FAILURES_PER_SESSION);
          for (const f of FACTORS) expect(s.failures[f] ?? 0).toBeLessThanOrEqual(MAX_FAILURES_PER_FACTOR);
          expect(s.passed.every((f) => required.includes(f))).toBe(true);
          expect(s.status === 'verified').toBe(required.every((f) => s.passed.includes(f)));
          const left = attemptsLeft(s);
          expect(left.session).toBeGreaterThanOrEqual(0);
          expect(s.status === 'locked').toBe(
            s.totalFailures >= MAX_FAILURES_PER_SESSION || FACTORS.some((f) => (s.failures[f] ?? 0) >= MAX_FAILURES_PER_FACTOR),
          );
        }
      }),
    );
  });
});

describe('afterUserFailure', () => {
  it('the tenth failure inside 15 minutes locks the user out for 15 minutes', () => {
    let recent: number[] = [];
    let locked: number | null = null;
    for (let i = 0; i < USER_LOCKOUT_FAILURES; i++) {
      ({ recent, lockedUntil: locked } = afterUserFailure(recent, 1_000 + i * 60_000));
      if (i < USER_LOCKOUT_FAILURES - 1) expect(locked).toBeNull();
    }
    expect(locked).toBe(1_000 + (USER_LOCKOUT_FAILURES - 1) * 60_000 + USER_LOCKOUT_MS);
  });

  it('failures older than the window are forgotten', () => {
    const old = Array.from({ length: USER_LOCKOUT_FAILURES - 1 }, (_, i) => i);
    const r = afterUserFailure(old, USER_LOCKOUT_WINDOW_MS + 100);
    expect(r).toEqual({ recent: [USER_LOCKOUT_WINDOW_MS + 100], lockedUntil: null });
  });
});
