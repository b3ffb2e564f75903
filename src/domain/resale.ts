/**
 * Resale pricing: the allowed price window around face value and the split of a sale between
 * venue royalty, platform fee and seller (defaults: 50 %…250 % of face value,
 * royalty 1000 bps, platform fee 500 bps).
 */
import type { Minor } from './money';
import { minor, nonNegativeMinor, subMinor } from './money';
import type { DomainError, Result } from './result';
import { ok, validationError } from './result';
import { assertBps, BPS_DENOMINATOR, percentOfMinor } from './rounding';

export interface ResaleWindow {
  /** Whole percent of face value. */
  readonly minPct?: number;
  readonly maxPct?: number;
}

export interface ResaleBounds {
  readonly min: Minor;
  readonly max: Minor;
}

export const DEFAULT_RESALE_MIN_PCT = 50;
export const DEFAULT_RESALE_MAX_PCT = 250;
export const DEFAULT_ROYALTY_BPS = 1000;
export const DEFAULT_PLATFORM_RESALE_FEE_BPS = 500;

function pct(n: number, what: string): bigint {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} must be a non-negative integer percent, got ${n}`);
  return BigInt(n);
}

/**
 * A price p is allowed iff minPct % ≤ p / face ≤ maxPct %. The bounds are therefore the exact
 * ceiling and floor of those shares (not half-up): 50 % of 10001 → min 5001, since 5000 is below it.
 */
export function resalePriceBounds(faceValue: number, window: ResaleWindow = {}): ResaleBounds {
  const face = BigInt(nonNegativeMinor(faceValue, 'faceValue'));
  const minPct = pct(window.minPct ?? DEFAULT_RESALE_MIN_PCT, 'minPct');
  const maxPct = pct(window.maxPct ?? DEFAULT_RESALE_MAX_PCT, 'maxPct');
  if (minPct > maxPct) throw new RangeError(`minPct ${minPct} exceeds maxPct ${maxPct}`);
  const min = (face * minPct + 99n) / 100n;
  const max = (face * maxPct) / 100n;
  return { min: minor(Number(min)), max: minor(Number(max)) };
}

/** VALIDATION_ERROR on `price` when a listing price is outside the window. */
export function checkResalePrice(
  price: number,
  faceValue: number,
  window: ResaleWindow = {},
): Result<Minor, DomainError<'VALIDATION_ERROR'>> {
  const p = minor(price);
  const { min, max } = resalePriceBounds(faceValue, window);
  if (p < min || p > max) return validationError('price', `price must be between ${min} and ${max}`);
  return ok(p);
}

export interface ResaleSplitRates {
  readonly royaltyBps?: number;
  readonly platformFeeBps?: number;
}

export interface ResaleSplit {
  readonly venueRoyalty: Minor;
  readonly platformFee: Minor;
  readonly sellerPayout: Minor;
}

/**
 * Royalty and fee are each rounded half up; the seller gets the rest, so the three always sum to
 * `price`. When the rates add up to exactly 100 % both could round up past the price by one unit;
 * the platform fee absorbs that so the seller payout never goes negative.
 */
export function splitResale(price: number, rates: ResaleSplitRates = {}): ResaleSplit {
  const p = nonNegativeMinor(price, 'price');
  const royaltyBps = assertBps(rates.royaltyBps ?? DEFAULT_ROYALTY_BPS, 'royaltyBps');
  const feeBps = assertBps(rates.platformFeeBps ?? DEFAULT_PLATFORM_RESALE_FEE_BPS, 'platformFeeBps');
  if (royaltyBps + feeBps > BPS_DENOMINATOR) throw new RangeError('royaltyBps + platformFeeBps must not exceed 10000');
  const venueRoyalty = percentOfMinor(p, royaltyBps);
  const platformFee = minor(Math.min(percentOfMinor(p, feeBps), p - venueRoyalty));
  return { venueRoyalty, platformFee, sellerPayout: subMinor(subMinor(p, venueRoyalty), platformFee) };
}

/** A listing at or above this share of face value is a high markup. */
export const HIGH_MARKUP_PCT = 200;
/** High-markup listings by one seller, or from one device, within SUSPICION_WINDOW_MS that make them suspicious. */
export const SUSPICIOUS_LISTING_COUNT = 3;
export const SUSPICION_WINDOW_MS = 24 * 3_600_000;

export function isHighMarkup(price: number, faceValue: number): boolean {
  return BigInt(minor(price)) * 100n >= BigInt(nonNegativeMinor(faceValue, 'faceValue')) * BigInt(HIGH_MARKUP_PCT);
}

export type ListingSignals = { sellerRecent: number; deviceRecent: number | null; knownScalper: boolean };

/** Why a high-markup listing goes to fraud review (empty: it does not). */
export function suspiciousListingFlags(signals: ListingSignals): string[] {
  const flags: string[] = [];
  if (signals.sellerRecent >= SUSPICIOUS_LISTING_COUNT) flags.push('many_high_markup_listings_by_seller');
  if (signals.deviceRecent !== null && signals.deviceRecent >= SUSPICIOUS_LISTING_COUNT)
    flags.push('many_high_markup_listings_from_device');
  if (signals.knownScalper) flags.push('known_scalper');
  return flags;
}
