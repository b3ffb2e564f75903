/**
 * What a buyer pays on top of the tickets: the venue tier's platform fee, a flat gas estimate per
 * ticket, and tax (computed by tax.ts on the ticket price only). Card processing is a platform
 * cost, recorded in the ledger and never added to the buyer's total.
 */
import type { Minor } from './money';
import { minor, mulMinor, nonNegativeMinor, sumMinor } from './money';
import { percentOfMinor } from './rounding';
import type { TaxResult } from './tax';

export const VENUE_TIERS = ['starter', 'pro', 'enterprise'] as const;
export type VenueTier = (typeof VENUE_TIERS)[number];

export const PLATFORM_FEE_BPS: Readonly<Record<VenueTier, number>> = { starter: 820, pro: 790, enterprise: 750 };

/**
 * Tier boundaries on trailing-30-day volume (minor units, USD): below $10 000 is starter;
 * $10 000 up to and including $100 000 is pro; above $100 000 is enterprise. Both round numbers
 * belong to pro.
 */
export const PRO_MIN_VOLUME = 1_000_000;
export const PRO_MAX_VOLUME = 10_000_000;

export const GAS_ESTIMATE_PER_TICKET = 50;
export const CARD_PROCESSING_BPS = 290;
export const CARD_PROCESSING_FIXED = 30;

export function isVenueTier(value: unknown): value is VenueTier {
  return typeof value === 'string' && (VENUE_TIERS as readonly string[]).includes(value);
}

/** Tier earned by volume alone. A negative or fractional volume is a bug upstream and throws. */
export function tierForVolume(volume30d: number): VenueTier {
  const volume = nonNegativeMinor(volume30d, 'volume30d');
  if (volume < PRO_MIN_VOLUME) return 'starter';
  return volume <= PRO_MAX_VOLUME ? 'pro' : 'enterprise';
}

/** A tier set on the venue profile wins over the volume-based one. */
export function resolveVenueTier(explicit: VenueTier | null | undefined, volume30d: number): VenueTier {
  return explicit ?? tierForVolume(volume30d);
}

export function platformFee(ticketPrice: number, tier: VenueTier): Minor {
  return percentOfMinor(nonNegativeMinor(ticketPrice, 'ticketPrice'), PLATFORM_FEE_BPS[tier]);
}

export function gasEstimate(ticketCount: number): Minor {
  return mulMinor(GAS_ESTIMATE_PER_TICKET, positiveCount(ticketCount));
}

function positiveCount(ticketCount: number): number {
  if (!Number.isSafeInteger(ticketCount) || ticketCount < 1)
    throw new RangeError(`ticketCount must be a positive integer, got ${ticketCount}`);
  return ticketCount;
}

export interface FeeInput {
  /** Subtotal of all tickets in the order, minor units. */
  readonly ticketPrice: number;
  readonly ticketCount: number;
  readonly tier: VenueTier;
  /** Tax computed on `ticketPrice` (tax.ts or another TaxProvider). */
  readonly tax: TaxResult;
}

export interface FeeBreakdown {
  readonly ticketPrice: Minor;
  readonly platformFee: Minor;
  readonly gasEstimate: Minor;
  readonly stateTax: Minor;
  readonly localTax: Minor;
  readonly specialTax: Minor;
  readonly totalTax: Minor;
  /** ticketPrice + platformFee + gasEstimate + totalTax: what the buyer is charged. */
  readonly total: Minor;
}

/** Inputs come from a validated request, so bad ones (negative price, 0 tickets) throw. */
export function calculateFees(input: FeeInput): FeeBreakdown {
  const ticketPrice = nonNegativeMinor(input.ticketPrice, 'ticketPrice');
  const fee = platformFee(ticketPrice, input.tier);
  const gas = gasEstimate(input.ticketCount);
  const { stateTax, localTax, specialTax, totalTax } = input.tax;
  return {
    ticketPrice,
    platformFee: fee,
    gasEstimate: gas,
    stateTax,
    localTax,
    specialTax,
    totalTax,
    total: sumMinor([ticketPrice, fee, gas, totalTax]),
  };
}

/**
 * The card network's cost of charging `totalCharged`: 2.9 % (half up) + 30. Nothing charged
 * means no card transaction, hence 0 rather than the fixed part.
 */
export function processingCost(totalCharged: number): Minor {
  const total = nonNegativeMinor(totalCharged, 'totalCharged');
  if (total === 0) return minor(0);
  return sumMinor([percentOfMinor(total, CARD_PROCESSING_BPS), CARD_PROCESSING_FIXED]);
}

/** The fee breakdown as the API shows it (payments and fee quotes): the tax parts, not their sum. */
export function publicFees(fees: FeeBreakdown) {
  return {
    ticketPrice: fees.ticketPrice,
    platformFee: fees.platformFee,
    gasEstimate: fees.gasEstimate,
    stateTax: fees.stateTax,
    localTax: fees.localTax,
    specialTax: fees.specialTax,
    total: fees.total,
  };
}
