/**
 * Sales tax on tickets. Tickets are taxed where the event happens, so only the venue address
 * decides; the customer address is accepted (internal callers may send it) but ignored.
 * Each component is rounded on its own, so totals are sums of rounded parts and every part
 * reconciles to the ledger row it produces (`tax:<jurisdiction>`).
 */
import type { Minor } from './money';
import { minor, sumMinor } from './money';
import type { DomainError, Result } from './result';
import { ok, validationError } from './result';
import { percentOfMinor } from './rounding';
import { US_CITY_TAX, US_STATE_TAX } from './tax-rates';

export interface TaxAddress {
  readonly street?: string;
  readonly city: string;
  readonly state: string;
  readonly zip?: string;
}

export interface TaxInput {
  /** Taxable amount in minor units (the ticket subtotal; fees are not taxed). */
  readonly amount: number;
  readonly venueAddress: TaxAddress;
  readonly customerAddress?: TaxAddress;
}

export interface TaxComponent {
  readonly name: string;
  /** Percent for display only (700 bps → 7), the breakdown's `rate: 7.0`; never used in arithmetic. */
  readonly rate: number;
  readonly rateBps: number;
  readonly amount: Minor;
  /** Ledger account suffix, e.g. `US-TN` or `US-TN-NASHVILLE`. */
  readonly jurisdiction: string;
}

export interface TaxResult {
  readonly taxableAmount: Minor;
  readonly stateTax: Minor;
  readonly localTax: Minor;
  readonly specialTax: Minor;
  readonly totalTax: Minor;
  /** The most specific jurisdiction that applied. */
  readonly jurisdiction: string;
  readonly breakdown: {
    readonly state: TaxComponent;
    readonly local?: TaxComponent;
    readonly special?: TaxComponent;
  };
}

export type TaxError = DomainError<'VALIDATION_ERROR'>;

/** Pluggable source of tax: the built-in tables now, a TaxJar-style HTTP provider later. */
export interface TaxProvider {
  readonly name: string;
  calculate(input: TaxInput): Promise<Result<TaxResult, TaxError>>;
}

/** Lower-case, trimmed, inner whitespace collapsed: " new   York " → "new york". */
function normalize(text: string): string {
  return text.trim().replace(/\s+/g, ' ').toLowerCase();
}

const STATE_BY_NAME: ReadonlyMap<string, string> = new Map(
  Object.entries(US_STATE_TAX).map(([code, rate]) => [normalize(rate.name), code] as const),
);

/** Two-letter code or full name ("tn", "Tennessee", "district of columbia") → "TN"; unknown → undefined. */
export function resolveStateCode(state: string): string | undefined {
  const n = normalize(state);
  const upper = n.toUpperCase();
  if (Object.hasOwn(US_STATE_TAX, upper)) return upper;
  return STATE_BY_NAME.get(n);
}

/** 225 → 2.25: a display value for the tax breakdown. */
export function bpsToPercent(bps: number): number {
  return bps / 100;
}

function component(name: string, rateBps: number, amount: Minor, jurisdiction: string): TaxComponent {
  return { name, rate: bpsToPercent(rateBps), rateBps, amount: percentOfMinor(amount, rateBps), jurisdiction };
}

/**
 * Tax on `amount` at the venue. A non-integer amount throws (programmer error); a negative amount,
 * an empty city or an unknown state is a VALIDATION_ERROR naming the field.
 */
export function calculateTax(input: TaxInput): Result<TaxResult, TaxError> {
  const amount = minor(input.amount);
  if (amount < 0) return validationError('amount', 'amount must not be negative');
  const { city, state } = input.venueAddress;
  const stateCode = resolveStateCode(state);
  if (stateCode === undefined) return validationError('venueAddress.state', `unknown US state: ${state}`);
  const cityKey = normalize(city);
  if (cityKey === '') return validationError('venueAddress.city', 'city is required');

  const stateRate = US_STATE_TAX[stateCode]!;
  const stateJurisdiction = `US-${stateCode}`;
  const cityRates = US_CITY_TAX[`${stateCode}:${cityKey}`];
  const cityJurisdiction = cityRates ? `${stateJurisdiction}-${cityRates.city.toUpperCase().replace(/ /g, '-')}` : stateJurisdiction;

  const stateComponent = component(`${stateRate.name} Sales Tax`, stateRate.bps, amount, stateJurisdiction);
  const local =
    cityRates?.localBps !== undefined ? component(`${cityRates.city} Local Tax`, cityRates.localBps, amount, cityJurisdiction) : undefined;
  const special =
    cityRates?.entertainmentBps !== undefined
      ? component('Entertainment Tax', cityRates.entertainmentBps, amount, cityJurisdiction)
      : undefined;

  const stateTax = stateComponent.amount;
  const localTax = local?.amount ?? minor(0);
  const specialTax = special?.amount ?? minor(0);
  return ok({
    taxableAmount: amount,
    stateTax,
    localTax,
    specialTax,
    totalTax: sumMinor([stateTax, localTax, specialTax]),
    jurisdiction: local || special ? cityJurisdiction : stateJurisdiction,
    breakdown: { state: stateComponent, ...(local && { local }), ...(special && { special }) },
  });
}

/** The tables above behind the provider interface. */
export const builtInTaxProvider: TaxProvider = {
  name: 'built-in',
  calculate: async (input) => calculateTax(input),
};
