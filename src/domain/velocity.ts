/**
 * Purchase velocity limits over exact sliding windows. A fixed-bucket counter ("this hour so far") lets a
 * scalper buy a full quota at 10:59 and another at 11:00; a sliding window over the actual event times
 * does not, and it lets us tell a refused buyer exactly when to come back.
 *
 * The history is the subject's accepted purchases only: recording refused attempts would let a retrying
 * client extend its own lockout forever.
 */
import { DEVICE_ACCOUNTS_WINDOW_MS } from './fraud-score';

export type SubjectKind = 'user' | 'ip' | 'card' | 'device';
export type WindowRule = { name: string; windowMs: number; limit: number };
export type DistinctRule = { name: string; windowMs: number; maxDistinct: number };
export type VelocityRules = { counts: readonly WindowRule[]; distinct?: readonly DistinctRule[] };
export type VelocityEvent = { at: number; actor: string };
export type VelocityDecision = { ok: true } | { ok: false; rule: string; retryAfterMs: number };

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const WEEK_MS = 7 * DAY_MS;

function freezeRules(rules: VelocityRules): VelocityRules {
  return Object.freeze({
    counts: Object.freeze(rules.counts.map((r) => Object.freeze({ ...r }))),
    ...(rules.distinct ? { distinct: Object.freeze(rules.distinct.map((r) => Object.freeze({ ...r }))) } : {}),
  });
}

/**
 * The product's limits. Per card, the distinct-users cap catches one stolen or shared card feeding many
 * accounts, which the per-user limits cannot see. A device has no limits: it is only logged so the fraud
 * score can count accounts per device.
 */
export const VELOCITY_RULES: Readonly<Record<SubjectKind, VelocityRules>> = Object.freeze({
  user: freezeRules({
    counts: [
      { name: 'user_per_hour', windowMs: HOUR_MS, limit: 5 },
      { name: 'user_per_day', windowMs: DAY_MS, limit: 20 },
      { name: 'user_per_week', windowMs: WEEK_MS, limit: 50 },
    ],
  }),
  ip: freezeRules({
    counts: [
      { name: 'ip_per_minute', windowMs: MINUTE_MS, limit: 10 },
      { name: 'ip_per_hour', windowMs: HOUR_MS, limit: 50 },
    ],
  }),
  card: freezeRules({
    counts: [{ name: 'card_per_day', windowMs: DAY_MS, limit: 10 }],
    distinct: [{ name: 'card_distinct_users_per_day', windowMs: DAY_MS, maxDistinct: 3 }],
  }),
  device: freezeRules({ counts: [] }),
});

/** Whether `kind` has any limit: a subject without one needs no purchase history. */
export function hasVelocityRules(kind: SubjectKind): boolean {
  const rules = VELOCITY_RULES[kind];
  return rules.counts.length > 0 || (rules.distinct?.length ?? 0) > 0;
}

/** A deployment's own limits for some rules, by rule name (the windows stay as they are). */
export type VelocityLimits = Readonly<Record<string, number>>;

export const VELOCITY_RULE_NAMES: readonly string[] = Object.values(VELOCITY_RULES).flatMap((r) => [
  ...r.counts.map((c) => c.name),
  ...(r.distinct ?? []).map((d) => d.name),
]);

function withLimits(rules: VelocityRules, limits: VelocityLimits): VelocityRules {
  return {
    counts: rules.counts.map((r) => (limits[r.name] === undefined ? r : { ...r, limit: limits[r.name] as number })),
    distinct: (rules.distinct ?? []).map((r) => (limits[r.name] === undefined ? r : { ...r, maxDistinct: limits[r.name] as number })),
  };
}

/**
 * Reads a deployment setting "rule=limit,…" (e.g. "user_per_hour=10,ip_per_minute=30"); unset or blank
 * keeps every default. An unknown rule or a limit that is not a whole number from 1 throws, naming it.
 */
export function parseVelocityLimits(text: string | undefined): VelocityLimits {
  if (text === undefined || text.trim() === '') return {};
  const limits: Record<string, number> = {};
  for (const part of text.split(',')) {
    const [name = '', value = ''] = part.split('=').map((p) => p.trim());
    if (!VELOCITY_RULE_NAMES.includes(name)) throw new Error(`unknown velocity rule "${name}" (known: ${VELOCITY_RULE_NAMES.join(', ')})`);
    const limit = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(limit) || limit < 1)
      throw new Error(`velocity limit of ${name} must be a whole number from 1`);
    limits[name] = limit;
  }
  return limits;
}

function instant(at: number, what: string): number {
  // Whole milliseconds keep `at + window − now` exact, which the exact retryAfter promise relies on.
  if (!Number.isSafeInteger(at)) throw new RangeError(`${what} must be a whole number of milliseconds, got ${at}`);
  return at;
}

/**
 * An event is inside the window at `now` when `at > now − window`. Events stamped after `now` (another
 * isolate's clock running ahead, or a late check) count as inside too: they did happen, counting them
 * keeps every window at or under its limit even when checks arrive out of order, and it makes the
 * time until a rule passes shrink steadily, so retryAfter can be exact.
 */
function insideTimes(history: readonly VelocityEvent[], now: number, windowMs: number): number[] {
  const from = now - windowMs;
  const times: number[] = [];
  for (const e of history) if (instant(e.at, 'history event at') > from) times.push(e.at);
  return times;
}

/**
 * 0 when the rule lets one more event in at `now`, else the exact wait. One more fits once at most
 * limit − 1 events remain, i.e. once the limit-th newest has left — at its own time plus the window.
 */
function countWait(rule: WindowRule, history: readonly VelocityEvent[], now: number): number {
  const times = insideTimes(history, now, rule.windowMs);
  if (times.length < rule.limit) return 0;
  if (rule.limit < 1) return Number.POSITIVE_INFINITY;
  times.sort((a, b) => b - a);
  return (times[rule.limit - 1] as number) + rule.windowMs - now;
}

/**
 * Same idea per actor: an actor stays in the window until its LATEST event leaves it. An actor already in
 * the window never adds a distinct one, so it always passes; a new actor needs the maxDistinct-th most
 * recent other actor to have left.
 */
function distinctWait(rule: DistinctRule, history: readonly VelocityEvent[], actor: string, now: number): number {
  const from = now - rule.windowMs;
  const latest = new Map<string, number>();
  for (const e of history) {
    if (instant(e.at, 'history event at') <= from) continue;
    latest.set(e.actor, Math.max(latest.get(e.actor) ?? e.at, e.at));
  }
  if (latest.has(actor) || latest.size < rule.maxDistinct) return 0;
  if (rule.maxDistinct < 1) return Number.POSITIVE_INFINITY;
  const lastSeen = [...latest.values()].sort((a, b) => b - a);
  return (lastSeen[rule.maxDistinct - 1] as number) + rule.windowMs - now;
}

/** The rule (first listed on ties) with the longest wait at `now`, or a wait of 0 when every rule passes. */
function longestWait(rules: VelocityRules, history: readonly VelocityEvent[], actor: string, now: number): [string, number] {
  let worst: [string, number] = ['', 0];
  for (const rule of rules.counts) {
    const wait = countWait(rule, history, now);
    if (wait > worst[1]) worst = [rule.name, wait];
  }
  for (const rule of rules.distinct ?? []) {
    const wait = distinctWait(rule, history, actor, now);
    if (wait > worst[1]) worst = [rule.name, wait];
  }
  return worst;
}

/**
 * Whether `next` fits every rule of `kind` given the subject's history; when it does not, the refusal
 * names the rule with the longest wait, because the caller has to wait for all of them.
 *
 * A count rule, once passed, keeps passing as time goes on (same history), and so does a distinct rule
 * for a new actor. The exception is an actor let through only because it is already in the window: if
 * the window holds more actors than allowed (limits tightened since, or events recorded out of order),
 * that actor turns into a new one when its own purchase leaves and can then be refused. So the wait is
 * re-checked at its end and extended until everything passes; with a history within the limits that
 * second look always passes at once. The result is exact: refused at now + retryAfter − 1, allowed at
 * now + retryAfter.
 */
export function checkVelocity(
  kind: SubjectKind,
  history: readonly VelocityEvent[],
  next: { at: number; actor: string },
  limits: VelocityLimits = {},
): VelocityDecision {
  const now = instant(next.at, 'next.at');
  const rules = withLimits(VELOCITY_RULES[kind], limits);
  let total = 0;
  let rule = '';
  // Bounded: after the first round only a distinct rule can refuse again, and only once per rule (a
  // limit of 0, which never frees up, waits forever and ends the loop too).
  for (;;) {
    const [name, wait] = longestWait(rules, history, next.actor, now + total);
    if (wait === 0) break;
    total += wait;
    rule = name;
    if (total === Number.POSITIVE_INFINITY) break;
  }
  return total === 0 ? { ok: true } : { ok: false, rule, retryAfterMs: total };
}

/**
 * How much history a store must keep for `kind`. A device has no velocity rule, but its log feeds the
 * fraud score's accounts-per-device count, so it is kept for that look-back rather than for nothing.
 */
export function longestWindowMs(kind: SubjectKind): number {
  const rules = VELOCITY_RULES[kind];
  const windows = [...rules.counts, ...(rules.distinct ?? [])].map((r) => r.windowMs);
  if (kind === 'device') windows.push(DEVICE_ACCOUNTS_WINDOW_MS);
  return Math.max(0, ...windows);
}

/**
 * Events with `at` before the returned instant can be deleted: no check at `now` or later can count them.
 * Pass the earliest time a check may still be made for (allow for clock skew between isolates).
 */
export function pruneBefore(kind: SubjectKind, now: number): number {
  return instant(now, 'now') - longestWindowMs(kind);
}
