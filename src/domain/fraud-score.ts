/**
 * Scalper and fraud score for one purchase attempt: a few independent signals, each with a weight in
 * [0,1], combined into a score that the tenant's thresholds turn into approve / review / challenge /
 * decline. The caller gathers the counts (from the velocity store, the device log, the tenant's lists);
 * this module only weighs them, so the same facts always give the same decision.
 *
 * Weights combine as 1 − Π(1 − wᵢ) ("noisy OR"), not a capped sum: the score stays in [0,1] without a
 * cap that would flatten everything above it, a second signal always moves the score but less the closer
 * it already is to 1, and a signal's weight reads directly as the score it gives on its own. Weights are
 * whole hundredths so the combination never produces float noise in what admins see.
 */

export type FraudSignal = { name: string; weight: number; detail: string };
export type FraudDecision = 'approve' | 'review' | 'challenge' | 'decline';
export type FraudThresholds = { review: number; challenge: number; decline: number };

/**
 * Review at 0.4: one medium signal (the seed's scalper velocity marker) gets a human look but no friction
 * for the buyer. Challenge at 0.6: a device shared by three accounts is likely an account farm, and a
 * step-up costs a real buyer only seconds. Decline at 0.85: a decline loses a sale, so it takes a listed
 * scalper or two strong signals together; the weak signals (bot score, new account on a high-demand
 * event) stay below it even all at once.
 */
export const DEFAULT_FRAUD_THRESHOLDS: FraudThresholds = Object.freeze({ review: 0.4, challenge: 0.6, decline: 0.85 });

export type FraudInput = {
  /** The user's completed purchases in the last hour and day, not counting this attempt. */
  purchasesLastHour: number;
  purchasesLastDay: number;
  /** Distinct users seen on this device fingerprint in the last 30 days, this user included; null: no fingerprint sent. */
  accountsOnDevice: number | null;
  knownScalperUser: boolean;
  knownScalperDevice: boolean;
  /** The user's average resale markup in percent; null until a resale history exists. */
  resaleMarkupPct: number | null;
  highDemand: boolean;
  /** Time since we first saw the account / the device; null when unknown. */
  accountAgeMs: number | null;
  deviceAgeMs: number | null;
  /** The bot detector's score, 0 (human) to 1 (bot). */
  botScore: number;
};

export type FraudAssessment = { score: number; decision: FraudDecision; signals: FraudSignal[] };

const HOUR_MS = 3_600_000;

/** The seed marks more than this many purchases in an hour as scalping. */
export const SCALPER_PURCHASES_PER_HOUR = 5;
/** How far back `accountsOnDevice` looks; a device log must keep at least this much. */
export const DEVICE_ACCOUNTS_WINDOW_MS = 30 * 24 * HOUR_MS;
/** An account or device first seen less than this long ago is "new to us". */
export const NEW_TO_US_MS = 24 * HOUR_MS;
/** Accounts on one device from which the device alone warrants a challenge. */
export const SHARED_DEVICE_ACCOUNTS = 3;

/** Weights in hundredths; see each signal below for why it sits where it does. */
const W = {
  // Being listed is the tenant's own verdict: alone it must decline.
  knownScalper: 90,
  // Six in an hour is the seed's marker: review. Each further purchase adds a little, capped so that velocity
  // alone (hour and day together reach 0.82) never declines: someone buying for a group can buy often.
  velocityHourFirst: 45,
  velocityHourStep: 5,
  velocityHourMax: 70,
  // The day count backs the hourly one up: buying steadily all day is a milder form of the same pattern.
  velocityDayOver10: 20,
  velocityDayOver20: 40,
  // Two accounts is a household sharing a laptop; three or more looks like an account farm (challenge alone).
  deviceTwo: 15,
  deviceThree: 60,
  deviceStep: 10,
  deviceMax: 80,
  // Velocity from a farmed device is the classic scalper setup: together they must decline.
  velocityOnSharedDevice: 50,
  // A fresh account or device on a high-demand on-sale is mostly real fans who just signed up: mild.
  highDemandNew: 25,
  // Resale markup tiers (the marketplace does not exist yet, so this input is null today).
  markupOver20: 20,
  markupOver50: 35,
  markupOver100: 50,
  // The bot detector is noisy on its own; at most a nudge.
  botMax: 30,
} as const;

const SEVERITY: Readonly<Record<FraudDecision, number>> = { approve: 0, review: 1, challenge: 2, decline: 3 };

/** Orders decisions from least to most severe (approve 0 … decline 3). */
export function fraudSeverity(decision: FraudDecision): number {
  return SEVERITY[decision];
}

function count(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} must be a non-negative integer, got ${n}`);
  return n;
}

function age(ms: number | null, what: string): number | null {
  if (ms !== null && (!Number.isFinite(ms) || ms < 0)) throw new RangeError(`${what} must be a non-negative number or null, got ${ms}`);
  return ms;
}

function isNew(ms: number | null): boolean {
  return ms !== null && ms < NEW_TO_US_MS;
}

/** Every signal that fires, in a fixed order (the order also fixes the float arithmetic of the score). */
function collectSignals(input: FraudInput): FraudSignal[] {
  const hour = count(input.purchasesLastHour, 'purchasesLastHour');
  const day = count(input.purchasesLastDay, 'purchasesLastDay');
  const accounts = input.accountsOnDevice === null ? null : count(input.accountsOnDevice, 'accountsOnDevice');
  const accountAge = age(input.accountAgeMs, 'accountAgeMs');
  const deviceAge = age(input.deviceAgeMs, 'deviceAgeMs');
  if (!Number.isFinite(input.botScore) || input.botScore < 0 || input.botScore > 1) {
    throw new RangeError(`botScore must be within 0..1, got ${input.botScore}`);
  }
  const markup = input.resaleMarkupPct;
  if (markup !== null && !Number.isFinite(markup)) throw new RangeError(`resaleMarkupPct must be a finite number or null, got ${markup}`);

  const signals: FraudSignal[] = [];
  const add = (name: string, hundredths: number, detail: string) => {
    if (hundredths > 0) signals.push({ name, weight: hundredths / 100, detail });
  };

  if (input.knownScalperUser) add('known_scalper_user', W.knownScalper, "user is on the tenant's known-scalper list");
  if (input.knownScalperDevice) add('known_scalper_device', W.knownScalper, "device is on the tenant's known-scalper list");

  const fastHour = hour > SCALPER_PURCHASES_PER_HOUR;
  if (fastHour) {
    const w = Math.min(W.velocityHourMax, W.velocityHourFirst + W.velocityHourStep * (hour - SCALPER_PURCHASES_PER_HOUR - 1));
    add('purchase_velocity_hour', w, `${hour} purchases in the last hour (more than ${SCALPER_PURCHASES_PER_HOUR})`);
  }
  if (day > 10) add('purchase_velocity_day', day > 20 ? W.velocityDayOver20 : W.velocityDayOver10, `${day} purchases in the last day`);

  const sharedDevice = accounts !== null && accounts >= SHARED_DEVICE_ACCOUNTS;
  if (accounts !== null && accounts >= 2) {
    const w = sharedDevice ? Math.min(W.deviceMax, W.deviceThree + W.deviceStep * (accounts - SHARED_DEVICE_ACCOUNTS)) : W.deviceTwo;
    add('accounts_on_device', w, `${accounts} accounts used this device in the last 30 days`);
  }
  if (fastHour && sharedDevice) add('velocity_on_shared_device', W.velocityOnSharedDevice, 'hourly purchase velocity from a shared device');

  if (markup !== null && markup > 20) {
    const w = markup > 100 ? W.markupOver100 : markup > 50 ? W.markupOver50 : W.markupOver20;
    add('resale_markup', w, `average resale markup ${Math.round(markup)}%`);
  }

  const newAccount = isNew(accountAge);
  const newDevice = isNew(deviceAge);
  if (input.highDemand && (newAccount || newDevice)) {
    const what = newAccount && newDevice ? 'account and device' : newAccount ? 'account' : 'device';
    add('high_demand_new_account', W.highDemandNew, `high-demand event; ${what} first seen under 24 h ago`);
  }

  // Rounded to whole hundredths like the others; rounding is monotone, so a higher bot score never weighs less.
  add('bot_score', Math.round(W.botMax * input.botScore), `bot detector score ${input.botScore.toFixed(2)}`);
  return signals;
}

function checkThresholds(t: FraudThresholds, source: string): FraudThresholds {
  for (const key of ['review', 'challenge', 'decline'] as const) {
    const v = t[key];
    if (!Number.isFinite(v) || v <= 0 || v > 1) throw new Error(`${source}: the ${key} threshold must be within (0,1], got ${v}`);
  }
  if (!(t.review < t.challenge && t.challenge < t.decline)) {
    throw new Error(
      `${source}: thresholds must be strictly increasing (review < challenge < decline), got ${t.review},${t.challenge},${t.decline}`,
    );
  }
  return t;
}

/** The decision a score earns: the most severe threshold it reaches. */
export function decideFraud(score: number, thresholds: FraudThresholds = DEFAULT_FRAUD_THRESHOLDS): FraudDecision {
  if (score >= thresholds.decline) return 'decline';
  if (score >= thresholds.challenge) return 'challenge';
  if (score >= thresholds.review) return 'review';
  return 'approve';
}

/** Inputs are the platform's own counts: malformed ones are programmer errors and throw a RangeError. */
export function assessFraud(input: FraudInput, thresholds: FraudThresholds = DEFAULT_FRAUD_THRESHOLDS): FraudAssessment {
  checkThresholds(thresholds, 'fraud thresholds');
  const signals = collectSignals(input);
  let clean = 1;
  for (const s of signals) clean *= 1 - s.weight;
  // The decision is taken on the rounded score, so the score an admin sees always explains the decision.
  const score = Math.round((1 - clean) * 100) / 100;
  return { score, decision: decideFraud(score, thresholds), signals };
}

const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)$/;

/**
 * Reads a tenant or deployment setting "review,challenge,decline", e.g. "0.4,0.6,0.85". Unset or blank
 * means the defaults; anything else malformed throws, so a typo fails loudly at configuration time
 * instead of silently approving everything.
 */
export function parseFraudThresholds(text: string | undefined): FraudThresholds {
  if (text === undefined || text.trim() === '') return DEFAULT_FRAUD_THRESHOLDS;
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length !== 3) {
    throw new Error(`fraud thresholds "${text}": expected three comma-separated numbers review,challenge,decline, got ${parts.length}`);
  }
  const values = parts.map((p) => {
    if (!DECIMAL.test(p)) throw new Error(`fraud thresholds "${text}": "${p}" is not a decimal number`);
    return Number(p);
  });
  const [review, challenge, decline] = values as [number, number, number];
  return Object.freeze(checkThresholds({ review, challenge, decline }, `fraud thresholds "${text}"`));
}
