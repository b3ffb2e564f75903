/**
 * OAuth `expires_in` as providers send it. QPay's live API returns an absolute Unix time; other
 * clients and docs treat it as a lifetime in seconds. A value of at least 10⁹ (2001-09-09) cannot be a
 * sane lifetime, so it is read as epoch seconds; anything smaller as seconds from now. (The rule
 * "epoch when greater than now + 3600" would read a timestamp less than an hour ahead as a lifetime and
 * cache the token for decades.)
 */
export const EPOCH_THRESHOLD = 1_000_000_000;

/** A token is used only while more than this much of its life is left. */
export const REFRESH_MARGIN_MS = 60_000;

export function tokenExpiresAt(expiresIn: number, nowMs: number): number {
  if (!Number.isFinite(expiresIn) || expiresIn < 0) throw new RangeError(`expires_in must be a non-negative number, got ${expiresIn}`);
  return expiresIn >= EPOCH_THRESHOLD ? expiresIn * 1000 : nowMs + expiresIn * 1000;
}

export function isTokenUsable(expiresAtMs: number, nowMs: number): boolean {
  return expiresAtMs - nowMs > REFRESH_MARGIN_MS;
}
