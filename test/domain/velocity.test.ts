import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEVICE_ACCOUNTS_WINDOW_MS } from '../../src/domain/fraud-score';
import type { SubjectKind, VelocityEvent } from '../../src/domain/velocity';
import { checkVelocity, longestWindowMs, parseVelocityLimits, pruneBefore, VELOCITY_RULES } from '../../src/domain/velocity';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const t0 = Date.parse('2026-11-22T03:00:00Z');

const at = (offset: number, actor = 'u1'): VelocityEvent => ({ at: t0 + offset, actor });
const times = (n: number, step: number, actor = 'u1') => Array.from({ length: n }, (_, i) => at(i * step, actor));

describe('VELOCITY_RULES', () => {
  it('holds the product limits', () => {
    const summary = Object.fromEntries(
      Object.entries(VELOCITY_RULES).map(([kind, r]) => [
        kind,
        [...r.counts.map((c) => `${c.name}:${c.limit}`), ...(r.distinct ?? []).map((d) => `${d.name}:${d.maxDistinct}`)],
      ]),
    );
    expect(summary).toEqual({
      user: ['user_per_hour:5', 'user_per_day:20', 'user_per_week:50'],
      ip: ['ip_per_minute:10', 'ip_per_hour:50'],
      card: ['card_per_day:10', 'card_distinct_users_per_day:3'],
      device: [],
    });
    expect(Object.isFrozen(VELOCITY_RULES.user.counts[0])).toBe(true);
  });

  it('keeps the longest window per kind, and the fraud score look-back for devices', () => {
    expect(longestWindowMs('user')).toBe(WEEK);
    expect(longestWindowMs('ip')).toBe(HOUR);
    expect(longestWindowMs('card')).toBe(DAY);
    expect(longestWindowMs('device')).toBe(DEVICE_ACCOUNTS_WINDOW_MS);
    expect(pruneBefore('user', t0)).toBe(t0 - WEEK);
  });
});

describe('checkVelocity: worked cases', () => {
  it('refuses a 6th purchase in an hour until the oldest of the 5 leaves, and allows it exactly then', () => {
    const history = times(5, 10 * MIN); // t0, +10 … +40 min
    expect(checkVelocity('user', history.slice(0, 4), at(50 * MIN))).toEqual({ ok: true });
    expect(checkVelocity('user', history, at(50 * MIN))).toEqual({ ok: false, rule: 'user_per_hour', retryAfterMs: 10 * MIN });
    expect(checkVelocity('user', history, at(HOUR - 1))).toEqual({ ok: false, rule: 'user_per_hour', retryAfterMs: 1 });
    // The window is (now − 1 h, now]: the purchase at exactly now − 1 h is out.
    expect(checkVelocity('user', history, at(HOUR))).toEqual({ ok: true });
  });

  it('refuses a 21st purchase in a day', () => {
    const history = times(20, HOUR); // one an hour: never more than 1 in an hour
    expect(checkVelocity('user', history.slice(0, 19), at(20 * HOUR))).toEqual({ ok: true });
    expect(checkVelocity('user', history, at(20 * HOUR))).toEqual({ ok: false, rule: 'user_per_day', retryAfterMs: 4 * HOUR });
    expect(checkVelocity('user', history, at(DAY))).toEqual({ ok: true });
  });

  it('refuses a 51st purchase in a week', () => {
    const history = times(50, 3 * HOUR); // 8 a day
    expect(checkVelocity('user', history, at(150 * HOUR))).toEqual({ ok: false, rule: 'user_per_week', retryAfterMs: 18 * HOUR });
    expect(checkVelocity('user', history, at(WEEK))).toEqual({ ok: true });
  });

  it('refuses an 11th purchase from one IP in a minute, whoever the users are', () => {
    const history = Array.from({ length: 10 }, (_, i) => at(i * 1000, `u${i}`));
    expect(checkVelocity('ip', history, at(10_000, 'u99'))).toEqual({ ok: false, rule: 'ip_per_minute', retryAfterMs: 50_000 });
    expect(checkVelocity('ip', history, at(MIN, 'u99'))).toEqual({ ok: true });
  });

  it('refuses a 51st purchase from one IP in an hour', () => {
    const history = times(50, MIN); // one a minute
    expect(checkVelocity('ip', history, at(50 * MIN))).toEqual({ ok: false, rule: 'ip_per_hour', retryAfterMs: 10 * MIN });
  });

  it("refuses a card's 4th distinct user in a day, still allows the first 3, and lets the 4th in once another's last purchase leaves", () => {
    const history = [at(0, 'a'), at(HOUR, 'b'), at(2 * HOUR, 'c')];
    const now = 3 * HOUR;
    expect(checkVelocity('card', history, at(now, 'd'))).toEqual({
      ok: false,
      rule: 'card_distinct_users_per_day',
      retryAfterMs: 21 * HOUR,
    });
    for (const actor of ['a', 'b', 'c']) expect(checkVelocity('card', history, at(now, actor))).toEqual({ ok: true });
    expect(checkVelocity('card', history, at(DAY - 1, 'd')).ok).toBe(false);
    expect(checkVelocity('card', history, at(DAY, 'd'))).toEqual({ ok: true });
    // a bought again: what counts is each user's LATEST purchase, so d now waits for b's to leave.
    const again = [...history, at(150 * MIN, 'a')];
    expect(checkVelocity('card', again, at(now, 'd'))).toEqual({ ok: false, rule: 'card_distinct_users_per_day', retryAfterMs: 22 * HOUR });
    expect(checkVelocity('card', again, at(DAY + HOUR, 'd'))).toEqual({ ok: true });
  });

  it("refuses a card's 11th purchase in a day even by the same user", () => {
    expect(checkVelocity('card', times(10, HOUR), at(10 * HOUR))).toEqual({ ok: false, rule: 'card_per_day', retryAfterMs: 14 * HOUR });
  });

  it('reports the rule with the longest wait when several refuse', () => {
    const history = [...times(15, HOUR), ...Array.from({ length: 5 }, (_, i) => at(20 * HOUR + i * MIN))];
    const now = 20 * HOUR + 10 * MIN;
    // The hour frees up in 50 min, the day only when t0's purchase leaves it.
    expect(checkVelocity('user', history, at(now))).toEqual({ ok: false, rule: 'user_per_day', retryAfterMs: DAY - now });
    expect(checkVelocity('user', history, at(DAY))).toEqual({ ok: true });
  });

  it('when a card is already over its distinct cap (limits tightened), waits until every rule passes at once', () => {
    // a passes the distinct rule now only because its purchase at t0 is in the window; the card_per_day
    // wait ends exactly when that purchase leaves, and then a is a 4th user beside b, c and d.
    const history = [
      at(0, 'a'),
      at(10 * HOUR, 'b'),
      at(11 * HOUR, 'c'),
      at(12 * HOUR, 'd'),
      ...times(6, HOUR, 'b').map((e) => ({ ...e, at: e.at + 13 * HOUR })),
    ];
    const decision = checkVelocity('card', history, at(20 * HOUR, 'a'));
    expect(decision).toEqual({ ok: false, rule: 'card_distinct_users_per_day', retryAfterMs: 15 * HOUR });
    expect(checkVelocity('card', history, at(35 * HOUR - 1, 'a')).ok).toBe(false);
    expect(checkVelocity('card', history, at(35 * HOUR, 'a'))).toEqual({ ok: true });
  });

  it('reads unsorted history and ignores events older than every window', () => {
    const history = [at(40 * MIN), at(-2 * WEEK), at(0), at(30 * MIN), at(-8 * DAY), at(10 * MIN), at(20 * MIN)];
    expect(checkVelocity('user', history, at(50 * MIN))).toEqual({ ok: false, rule: 'user_per_hour', retryAfterMs: 10 * MIN });
  });

  it('never limits a device, and an empty history passes', () => {
    expect(checkVelocity('device', times(500, 1), at(500))).toEqual({ ok: true });
    expect(checkVelocity('user', [], at(0))).toEqual({ ok: true });
  });

  it('rejects non-integer times as programmer errors', () => {
    expect(() => checkVelocity('user', [], { at: Number.NaN, actor: 'u' })).toThrow(RangeError);
    expect(() => checkVelocity('user', [{ at: 1.5, actor: 'u' }], at(0))).toThrow(RangeError);
  });

  it('lets a user already in the card window through the distinct rule by design', () => {
    // Recording d's own purchase makes d "already in the window": the one way more history can turn a refusal into a pass.
    const history = [at(0, 'a'), at(HOUR, 'b'), at(2 * HOUR, 'c')];
    expect(checkVelocity('card', history, at(3 * HOUR, 'd')).ok).toBe(false);
    expect(checkVelocity('card', [...history, at(150 * MIN, 'd')], at(3 * HOUR, 'd'))).toEqual({ ok: true });
  });
});

// ---- properties -------------------------------------------------------------------------------------------

type Rule = { name: string; windowMs: number; limit?: number; maxDistinct?: number };
const rulesOf = (kind: SubjectKind): Rule[] => [...VELOCITY_RULES[kind].counts, ...(VELOCITY_RULES[kind].distinct ?? [])];

/** The rule's definition written out directly, independent of the implementation's wait arithmetic. */
function passes(rule: Rule, history: readonly VelocityEvent[], next: VelocityEvent): boolean {
  const inside = history.filter((e) => e.at > next.at - rule.windowMs);
  if (rule.limit !== undefined) return inside.length + 1 <= rule.limit;
  const actors = new Set(inside.map((e) => e.actor));
  return actors.has(next.actor) || actors.size + 1 <= (rule.maxDistinct as number);
}

const limitedKind = fc.constantFrom<SubjectKind>('user', 'ip', 'card');
const actor = fc.constantFrom('a', 'b', 'c', 'd', 'e');
// Time spans matched to the windows, so that histories are dense enough to trip each rule.
const span = fc.constantFrom(2 * MIN, 2 * HOUR, 2 * DAY, 2 * WEEK);
const event = (max: number) => fc.record({ at: fc.integer({ min: 0, max }), actor });
const scenario = span.chain((max) =>
  fc.record({
    kind: limitedKind,
    history: fc.array(event(max), { maxLength: 70, size: 'max' }),
    next: event(max),
    extra: fc.array(event(max), { maxLength: 10, size: 'max' }),
  }),
);

describe('checkVelocity: properties', () => {
  it('decides ok exactly when every rule, read off its definition, passes', () => {
    fc.assert(
      fc.property(scenario, ({ kind, history, next }) => {
        expect(checkVelocity(kind, history, next).ok).toBe(rulesOf(kind).every((r) => passes(r, history, next)));
      }),
    );
  });

  it('after an allowed event, a further check never returns a zero or negative retryAfter', () => {
    fc.assert(
      fc.property(scenario, fc.nat(2 * DAY), actor, ({ kind, history, next }, delay, who) => {
        if (!checkVelocity(kind, history, next).ok) return;
        const after = checkVelocity(kind, [...history, next], { at: next.at + delay, actor: who });
        if (!after.ok) {
          expect(after.retryAfterMs).toBeGreaterThan(0);
          expect(Number.isSafeInteger(after.retryAfterMs)).toBe(true);
        }
      }),
    );
  });

  it('retryAfter is exact: refused (same rule, the rest of the wait) until then, every rule passes from then on', () => {
    fc.assert(
      fc.property(scenario, fc.double({ min: 0, max: 1, noNaN: true }), ({ kind, history, next }, fraction) => {
        const decision = checkVelocity(kind, history, next);
        if (decision.ok) return;
        const d = decision.retryAfterMs;
        const rule = rulesOf(kind).find((r) => r.name === decision.rule) as Rule;
        // The named rule refuses at the last moment of the wait (it may pass earlier, see the tightened-cap case).
        expect(passes(rule, history, { ...next, at: next.at + d - 1 })).toBe(false);
        expect(rulesOf(kind).every((r) => passes(r, history, { ...next, at: next.at + d }))).toBe(true);
        expect(checkVelocity(kind, history, { ...next, at: next.at + d })).toEqual({ ok: true });
        const k = Math.min(d - 1, Math.floor(fraction * d));
        expect(rulesOf(kind).every((r) => passes(r, history, { ...next, at: next.at + k }))).toBe(false);
        expect(checkVelocity(kind, history, { ...next, at: next.at + k })).toEqual({ ok: false, rule: decision.rule, retryAfterMs: d - k });
      }),
    );
  });

  it('more history (by other users than the one checked) never turns a refusal into a pass, nor shortens the wait', () => {
    fc.assert(
      fc.property(scenario, ({ kind, history, next, extra }) => {
        const before = checkVelocity(kind, history, next);
        if (before.ok) return;
        const after = checkVelocity(kind, [...history, ...extra.filter((e) => e.actor !== next.actor)], next);
        expect(after.ok).toBe(false);
        if (!after.ok) expect(after.retryAfterMs).toBeGreaterThanOrEqual(before.retryAfterMs);
      }),
    );
    // For count-only kinds, any added events at all.
    fc.assert(
      fc.property(scenario, ({ kind, history, next, extra }) => {
        if (kind === 'card' || checkVelocity(kind, history, next).ok) return;
        expect(checkVelocity(kind, [...history, ...extra], next).ok).toBe(false);
      }),
    );
  });

  /** Brute force: the busiest window of a rule ends at one of the events, so checking each event's window covers all. */
  function worstWindow(rule: Rule, accepted: readonly VelocityEvent[]): number {
    let worst = 0;
    for (const end of accepted) {
      const inside = accepted.filter((e) => e.at > end.at - rule.windowMs && e.at <= end.at);
      worst = Math.max(worst, rule.limit !== undefined ? inside.length : new Set(inside.map((e) => e.actor)).size);
    }
    return worst;
  }

  function feed(kind: SubjectKind, attempts: readonly VelocityEvent[]): VelocityEvent[] {
    const accepted: VelocityEvent[] = [];
    for (const a of attempts) if (checkVelocity(kind, accepted, a).ok) accepted.push(a);
    return accepted;
  }

  const stream = span.chain((max) => fc.record({ kind: limitedKind, attempts: fc.array(event(max), { maxLength: 150, size: 'max' }) }));

  it('keeps every window of every rule within its limit when only allowed attempts are recorded (in time order)', () => {
    fc.assert(
      fc.property(stream, ({ kind, attempts }) => {
        const accepted = feed(
          kind,
          [...attempts].sort((x, y) => x.at - y.at),
        );
        for (const rule of rulesOf(kind))
          expect(worstWindow(rule, accepted)).toBeLessThanOrEqual(rule.limit ?? (rule.maxDistinct as number));
      }),
    );
  });

  it('keeps every count window within its limit even when attempts arrive out of order', () => {
    // Counting events stamped after `now` as inside is what makes this hold. (The distinct rule's
    // "already in the window" pass can only promise its cap for checks made in time order.)
    fc.assert(
      fc.property(stream, ({ kind, attempts }) => {
        const accepted = feed(kind, attempts);
        for (const rule of VELOCITY_RULES[kind].counts) expect(worstWindow(rule, accepted)).toBeLessThanOrEqual(rule.limit);
      }),
    );
  });

  it('trips every rule somewhere in the generated cases (the properties are not vacuous)', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(scenario, ({ kind, history, next }) => {
        const d = checkVelocity(kind, history, next);
        if (!d.ok) seen.add(d.rule);
      }),
      { numRuns: 2000, seed: 42 },
    );
    expect([...seen].sort()).toEqual(
      (['user', 'ip', 'card'] as const)
        .flatMap(rulesOf)
        .map((r) => r.name)
        .sort(),
    );
  });
});

describe('a deployment’s own limits', () => {
  it('override named rules and keep their windows', () => {
    const limits = parseVelocityLimits('user_per_hour=7, card_distinct_users_per_day=5');
    expect(limits).toEqual({ user_per_hour: 7, card_distinct_users_per_day: 5 });
    const six = Array.from({ length: 6 }, (_, i) => ({ at: 1_000 + i, actor: 'u' }));
    expect(checkVelocity('user', six, { at: 2_000, actor: 'u' }, limits)).toEqual({ ok: true });
    expect(checkVelocity('user', six, { at: 2_000, actor: 'u' })).toMatchObject({ ok: false, rule: 'user_per_hour' });
    const users = ['a', 'b', 'c', 'd'].map((actor, i) => ({ at: 1_000 + i, actor }));
    expect(checkVelocity('card', users, { at: 2_000, actor: 'e' }, limits)).toEqual({ ok: true });
  });

  it('refuse unknown rules and limits that are not whole numbers from 1', () => {
    expect(parseVelocityLimits(undefined)).toEqual({});
    expect(parseVelocityLimits('  ')).toEqual({});
    expect(() => parseVelocityLimits('user_per_year=5')).toThrow(/unknown velocity rule "user_per_year"/);
    for (const bad of ['user_per_hour=0', 'user_per_hour=1.5', 'user_per_hour=', 'user_per_hour=-2'])
      expect(() => parseVelocityLimits(bad), bad).toThrow(/whole number/);
  });
});
