/**
 * NoTap authentication factors, pure: what a factor value may look like, its normalized form
 * (the only form ever digested), which factors a verification requires, and how attempts move a
 * verification session. No I/O, no clock (times are parameters), no randomness.
 */
import { decimalToMinor } from './money';
import type { Result } from './result';
import { err, ok, validationError } from './result';

/** The factors, in the order verifications ask for them (PIN, PATTERN, EMOJI, COLOR). */
export const FACTORS = ['PIN', 'PATTERN', 'EMOJI', 'COLOR'] as const;
export type Factor = (typeof FACTORS)[number];

export const RISK_LEVELS = ['LOW', 'MEDIUM', 'HIGH'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

/** NoTap's session lifetime (`expires_in: 300` in its responses). */
export const SESSION_TTL_SECONDS = 300;
/** Fewer enrolled factors than this and no verification can be started (422 INSUFFICIENT_FACTORS). */
export const MIN_FACTORS = 2;
/** Wrong values per factor, and per session, after which the session is locked (423 VERIFICATION_LOCKED). */
export const MAX_FAILURES_PER_FACTOR = 3;
export const MAX_FAILURES_PER_SESSION = 5;
/** Per user, across sessions: this many wrong values within the window lock the user out for USER_LOCKOUT_MS. */
export const USER_LOCKOUT_FAILURES = 10;
export const USER_LOCKOUT_WINDOW_MS = 15 * 60_000;
export const USER_LOCKOUT_MS = 15 * 60_000;

/** The emoji a user picks from (single code points, so presentation selectors cannot make two spellings of one emoji). */
export const EMOJI_SET = [
  '🍎',
  '🍌',
  '🍇',
  '🍓',
  '🍒',
  '🍋',
  '🍉',
  '🍑',
  '🐶',
  '🐱',
  '🐭',
  '🐰',
  '🦊',
  '🐻',
  '🐼',
  '🐸',
  '🚗',
  '🚀',
  '🎸',
  '🌙',
  '🌵',
  '🍕',
  '🎁',
  '🔑',
] as const;
export const COLOR_PALETTE = [
  'red',
  'orange',
  'yellow',
  'green',
  'blue',
  'purple',
  'pink',
  'brown',
  'black',
  'white',
  'gray',
  'cyan',
] as const;
const COLOR_ALIASES: Record<string, string> = { grey: 'gray' };

export const PIN_LENGTH = { min: 4, max: 8 } as const;
export const PATTERN_LENGTH = { min: 4, max: 9 } as const;
export const EMOJI_LENGTH = { min: 4, max: 6 } as const;
export const COLOR_LENGTH = { min: 3, max: 6 } as const;

/** A value as a client may send it: a string, or a list of strings/numbers (pattern cells, emoji, colours). */
export type FactorInput = string | number | readonly (string | number)[];

const bad = (message: string) => validationError('value', message);

/**
 * The normalized form of a factor value, or a VALIDATION_ERROR on `value` (messages never echo the value):
 *  - PIN: 4–8 ASCII digits, as a string (a JSON number would lose leading zeros) → the digits;
 *  - PATTERN: a path over the 3×3 grid, cells numbered row by row (0 1 2 / 3 4 5 / 6 7 8), as an array
 *    of cell numbers or a string like "0-4-8-5" (separators "-", ",", space or none) → "0-4-8-5". See
 *    `patternProblem` for the rule;
 *  - EMOJI: 4–6 emoji from EMOJI_SET (repeats allowed), as an array or one string → their indices, "3-0-17-5";
 *  - COLOR: 3–6 names from COLOR_PALETTE (case-insensitive, "grey" = "gray", repeats allowed), as an array or
 *    a string separated by "-", "," or spaces → "red-blue-green".
 */
export function normalizeFactorValue(factor: Factor, input: unknown): Result<string> {
  switch (factor) {
    case 'PIN':
      return normalizePin(input);
    case 'PATTERN':
      return normalizePattern(input);
    case 'EMOJI':
      return normalizeEmoji(input);
    case 'COLOR':
      return normalizeColors(input);
  }
}

function normalizePin(input: unknown): Result<string> {
  if (typeof input !== 'string' || !/^[0-9]+$/.test(input)) return bad('PIN must be a string of digits');
  if (input.length < PIN_LENGTH.min || input.length > PIN_LENGTH.max) {
    return bad(`PIN must have ${PIN_LENGTH.min} to ${PIN_LENGTH.max} digits`);
  }
  return ok(input);
}

function patternCells(input: unknown): number[] | null {
  if (typeof input === 'string') {
    const text = input.trim();
    if (!/^[0-8]([-, ]?[0-8])*$/.test(text)) return null;
    return [...text.replace(/[-, ]/g, '')].map(Number);
  }
  if (Array.isArray(input) && input.every((c) => Number.isInteger(c) && c >= 0 && c <= 8)) return [...input];
  return null;
}

/**
 * Why a list of cells is not a valid pattern, or null. The Android rule: 4–9 cells, none twice; each
 * step goes to any unvisited cell unless the straight line between the two cells passes through the
 * centre of a third cell (e.g. 0→2 crosses 1, 0→8 crosses 4), in which case that cell must already have
 * been visited. Knight-like steps (0→5, 0→7) cross no centre and are always allowed.
 */
export function patternProblem(cells: readonly number[]): string | null {
  if (cells.length < PATTERN_LENGTH.min || cells.length > PATTERN_LENGTH.max) {
    return `pattern must connect ${PATTERN_LENGTH.min} to ${PATTERN_LENGTH.max} cells`;
  }
  const seen = new Set<number>();
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i] as number;
    if (!Number.isInteger(cell) || cell < 0 || cell > 8) return 'pattern cells must be numbers 0 to 8';
    if (seen.has(cell)) return 'pattern must not visit a cell twice';
    if (i > 0) {
      const crossed = crossedCell(cells[i - 1] as number, cell);
      if (crossed !== null && !seen.has(crossed)) return 'pattern must not jump over a cell it has not visited';
    }
    seen.add(cell);
  }
  return null;
}

/** The cell whose centre the straight segment a→b passes through, or null. */
export function crossedCell(a: number, b: number): number | null {
  const [ra, ca, rb, cb] = [Math.floor(a / 3), a % 3, Math.floor(b / 3), b % 3];
  if ((ra + rb) % 2 !== 0 || (ca + cb) % 2 !== 0) return null;
  const mid = ((ra + rb) / 2) * 3 + (ca + cb) / 2;
  return mid === a || mid === b ? null : mid;
}

function normalizePattern(input: unknown): Result<string> {
  const cells = patternCells(input);
  if (cells === null) return bad('pattern must be a list of cell numbers 0 to 8, e.g. [0, 4, 8, 5] or "0-4-8-5"');
  const problem = patternProblem(cells);
  return problem ? bad(problem) : ok(cells.join('-'));
}

const PRESENTATION_SELECTORS = /[\uFE0E\uFE0F]/g;

function normalizeEmoji(input: unknown): Result<string> {
  let items: string[];
  if (typeof input === 'string') items = [...input.replace(PRESENTATION_SELECTORS, '').replace(/[\s,]/g, '')];
  else if (Array.isArray(input) && input.every((e) => typeof e === 'string')) {
    items = input.map((e: string) => e.replace(PRESENTATION_SELECTORS, '').trim());
  } else return bad('emoji must be a list of emoji');
  if (items.length < EMOJI_LENGTH.min || items.length > EMOJI_LENGTH.max) {
    return bad(`emoji sequence must have ${EMOJI_LENGTH.min} to ${EMOJI_LENGTH.max} emoji`);
  }
  const indices = items.map((e) => (EMOJI_SET as readonly string[]).indexOf(e));
  if (indices.some((i) => i < 0)) return bad(`every emoji must be one of ${EMOJI_SET.join(' ')}`);
  return ok(indices.join('-'));
}

function normalizeColors(input: unknown): Result<string> {
  let items: string[];
  if (typeof input === 'string') items = input.split(/[\s,-]+/).filter(Boolean);
  else if (Array.isArray(input) && input.every((e) => typeof e === 'string')) items = [...input];
  else return bad('colors must be a list of colour names');
  const names = items.map((c) => {
    const lower = c.trim().toLowerCase();
    return COLOR_ALIASES[lower] ?? lower;
  });
  if (names.length < COLOR_LENGTH.min || names.length > COLOR_LENGTH.max) {
    return bad(`color sequence must have ${COLOR_LENGTH.min} to ${COLOR_LENGTH.max} colours`);
  }
  if (names.some((n) => !(COLOR_PALETTE as readonly string[]).includes(n))) {
    return bad(`every colour must be one of ${COLOR_PALETTE.join(', ')}`);
  }
  return ok(names.join('-'));
}

/**
 * What the keyed digest of a factor binds: a version tag, the tenant, the user, the factor and the
 * normalized value. The same value enrolled for another user, tenant or factor digests differently.
 */
export function factorDigestMessage(tenantId: string, userUuid: string, factor: Factor, normalized: string): string {
  return `notap-factor:v1\n${tenantId}\n${userUuid}\n${factor}\n${normalized}`;
}

// ---- users -------------------------------------------------------------------------------------------

/** A user reference: a UUID, or a NoTap handle — 1–128 of a-z 0-9 . _ -, starting and ending with a letter or digit. */
export const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
export const HANDLE_PATTERN = /^[a-zA-Z0-9](?:[a-zA-Z0-9._-]{0,126}[a-zA-Z0-9])?$/;
export type UserRef = { kind: 'uuid'; uuid: string } | { kind: 'handle'; handle: string };

/** Case-insensitive: "Alice.NoTap.sol" and "alice.notap.sol" are one user. Null when it is neither form. */
export function parseUserRef(text: string): UserRef | null {
  if (UUID_PATTERN.test(text)) return { kind: 'uuid', uuid: text.toLowerCase() };
  if (HANDLE_PATTERN.test(text)) return { kind: 'handle', handle: text.toLowerCase() };
  return null;
}

// ---- factor selection ----------------------------------------------------------------------------------

/** Base number of factors per risk level; amounts at or above each threshold (major units) add one more. */
export const BASE_FACTORS: Record<RiskLevel, number> = { LOW: 2, MEDIUM: 3, HIGH: 4 };
/** In hundredths of the transaction's major unit: 1,000.00 and 10,000.00. */
export const AMOUNT_THRESHOLDS_HUNDREDTHS = [100_000, 1_000_000] as const;

/** `transaction_amount` (major units, at most 4 decimals) in hundredths, rounded up; null when not such an amount. */
export function amountInHundredths(amount: number): number | null {
  const tenThousandths = decimalToMinor(amount, 4);
  if (tenThousandths === null || tenThousandths < 0) return null;
  return Math.ceil(tenThousandths / 100);
}

export type SelectionError = { code: 'INSUFFICIENT_FACTORS'; message: string; enrolled: number };

/**
 * The factors a verification requires. Rule: wanted = BASE_FACTORS[risk] (LOW 2, MEDIUM 3, HIGH 4), plus one
 * at or above 1,000.00 and one more at or above 10,000.00 (transaction_amount, in any currency); the count
 * is wanted clamped to [MIN_FACTORS, number enrolled]; the factors are the enrolled ones taken in FACTORS
 * order (PIN, PATTERN, EMOJI, COLOR) — deterministic, no randomness. Fewer than MIN_FACTORS enrolled →
 * INSUFFICIENT_FACTORS.
 */
export function selectFactors(
  enrolled: readonly Factor[],
  riskLevel: RiskLevel,
  amountHundredths: number,
): Result<Factor[], SelectionError> {
  const available = FACTORS.filter((f) => enrolled.includes(f));
  if (available.length < MIN_FACTORS) {
    return err({
      code: 'INSUFFICIENT_FACTORS',
      message: `at least ${MIN_FACTORS} factors must be enrolled (enrolled: ${available.length})`,
      enrolled: available.length,
    });
  }
  const bumps = AMOUNT_THRESHOLDS_HUNDREDTHS.filter((t) => amountHundredths >= t).length;
  const wanted = BASE_FACTORS[riskLevel] + bumps;
  const count = Math.min(Math.max(MIN_FACTORS, wanted), available.length);
  return ok(available.slice(0, count));
}

/** Enrolled factors in canonical order (what `enrolled_factors` lists). */
export function orderFactors(factors: readonly Factor[]): Factor[] {
  return FACTORS.filter((f) => factors.includes(f));
}

// ---- a verification session's attempts ---------------------------------------------------------------

export const VERIFICATION_STATUSES = ['pending', 'verified', 'locked', 'expired'] as const;
export type VerificationStatus = (typeof VERIFICATION_STATUSES)[number];

export type AttemptState = {
  status: VerificationStatus;
  required: Factor[];
  passed: Factor[];
  /** Wrong values per factor. */
  failures: Partial<Record<Factor, number>>;
  totalFailures: number;
  expiresAt: number;
};

export type AttemptRefusal = 'expired' | 'locked' | 'verified' | 'not_required' | 'already_passed';

/** The state as of `now`: a pending session past its deadline is expired. */
export function asOf(state: AttemptState, now: number): AttemptState {
  return state.status === 'pending' && now >= state.expiresAt ? { ...state, status: 'expired' } : state;
}

/** Why an attempt at `factor` is not even compared, or null when it may be. */
export function attemptRefusal(state: AttemptState, factor: Factor, now: number): AttemptRefusal | null {
  const current = asOf(state, now);
  if (current.status !== 'pending') return current.status;
  if (!current.required.includes(factor)) return 'not_required';
  if (current.passed.includes(factor)) return 'already_passed';
  return null;
}

export type AttemptOutcome = 'passed' | 'verified' | 'mismatch' | 'locked';

/**
 * One compared attempt (call only when `attemptRefusal` is null). A match passes the factor, and the
 * session is verified once every required factor has passed; a wrong value counts against the factor
 * and the session, and the MAX_FAILURES_PER_FACTOR-th wrong value for a factor or the
 * MAX_FAILURES_PER_SESSION-th in the session locks it for good.
 */
export function applyAttempt(state: AttemptState, factor: Factor, matched: boolean): { state: AttemptState; outcome: AttemptOutcome } {
  if (matched) {
    const passed = FACTORS.filter((f) => state.passed.includes(f) || f === factor);
    const done = state.required.every((f) => passed.includes(f));
    return { state: { ...state, passed, status: done ? 'verified' : 'pending' }, outcome: done ? 'verified' : 'passed' };
  }
  const forFactor = (state.failures[factor] ?? 0) + 1;
  const totalFailures = state.totalFailures + 1;
  const locked = forFactor >= MAX_FAILURES_PER_FACTOR || totalFailures >= MAX_FAILURES_PER_SESSION;
  return {
    state: { ...state, failures: { ...state.failures, [factor]: forFactor }, totalFailures, status: locked ? 'locked' : state.status },
    outcome: locked ? 'locked' : 'mismatch',
  };
}

export type AttemptsLeft = { session: number; factors: Partial<Record<Factor, number>> };

/** Wrong values still allowed, per session and per required factor not yet passed (0 once locked). */
export function attemptsLeft(state: AttemptState): AttemptsLeft {
  const locked = state.status === 'locked';
  const session = locked ? 0 : Math.max(0, MAX_FAILURES_PER_SESSION - state.totalFailures);
  const factors: Partial<Record<Factor, number>> = {};
  for (const f of state.required) {
    if (state.passed.includes(f)) continue;
    factors[f] = locked ? 0 : Math.min(session, Math.max(0, MAX_FAILURES_PER_FACTOR - (state.failures[f] ?? 0)));
  }
  return { session, factors };
}

// ---- per-user lockout ----------------------------------------------------------------------------------

/**
 * After a wrong value at `now`: the failure times still inside the window (this one included), and
 * whether the user is now locked out (until `now + USER_LOCKOUT_MS`). A success does not clear the
 * window, so knowing one factor buys no extra guesses at another.
 */
export function afterUserFailure(recent: readonly number[], now: number): { recent: number[]; lockedUntil: number | null } {
  const kept = [...recent.filter((t) => t > now - USER_LOCKOUT_WINDOW_MS), now];
  return { recent: kept, lockedUntil: kept.length >= USER_LOCKOUT_FAILURES ? now + USER_LOCKOUT_MS : null };
}
