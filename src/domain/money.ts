/**
 * Money is an integer count of minor units (cents, yen, fils), always paired with a currency by
 * the caller. Nothing here uses floats: proportional splits go through BigInt so that no
 * intermediate product can lose precision, whatever the safe-integer inputs.
 */
import type { DomainError, Result } from './result';
import { ok, validationError } from './result';

declare const minorBrand: unique symbol;
/** A safe integer of minor units. Negative values are allowed (ledger credits, deltas). */
export type Minor = number & { readonly [minorBrand]: true };

export function isMinor(n: unknown): n is Minor {
  return Number.isSafeInteger(n);
}

/** Brands `n`; a non-safe-integer is a programmer error (floats must never reach the domain). */
export function minor(n: number): Minor {
  if (!Number.isSafeInteger(n)) throw new TypeError(`amount must be a safe integer of minor units, got ${String(n)}`);
  return n as Minor;
}

/** Like `minor`, but also rejects negatives: for prices, totals and other amounts that cannot owe. */
export function nonNegativeMinor(n: number, what = 'amount'): Minor {
  const value = minor(n);
  if (value < 0) throw new RangeError(`${what} must not be negative, got ${n}`);
  return value;
}

/**
 * ISO 4217 minor-unit exponents. ISO, not a PSP's variant: where a provider deviates (Stripe
 * treats HUF and ISK specially, for instance) the provider's transformer converts at the edge.
 */
export const CURRENCY_EXPONENTS = {
  USD: 2,
  EUR: 2,
  GBP: 2,
  CAD: 2,
  AUD: 2,
  NZD: 2,
  CHF: 2,
  SEK: 2,
  NOK: 2,
  DKK: 2,
  PLN: 2,
  CZK: 2,
  HUF: 2,
  TRY: 2,
  ZAR: 2,
  SGD: 2,
  HKD: 2,
  CNY: 2,
  TWD: 2,
  INR: 2,
  IDR: 2,
  MYR: 2,
  PHP: 2,
  THB: 2,
  ILS: 2,
  AED: 2,
  SAR: 2,
  BRL: 2,
  MXN: 2,
  COP: 2,
  ARS: 2,
  PEN: 2,
  UYU: 2,
  CRC: 2,
  MNT: 2,
  JPY: 0,
  KRW: 0,
  CLP: 0,
  VND: 0,
  ISK: 0,
  PYG: 0,
  UGX: 0,
  RWF: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  KWD: 3,
  BHD: 3,
  JOD: 3,
  OMR: 3,
  TND: 3,
  IQD: 3,
  LYD: 3,
} as const satisfies Record<string, 0 | 2 | 3>;

export type Currency = keyof typeof CURRENCY_EXPONENTS;

/** Exact match on the upper-case ISO code; use `parseCurrency` for lenient input. */
export function isCurrency(code: unknown): code is Currency {
  return typeof code === 'string' && Object.hasOwn(CURRENCY_EXPONENTS, code);
}

/** Accepts `usd`, ` USD ` etc. (PSPs and clients disagree on case); unknown → VALIDATION_ERROR on `currency`. */
export function parseCurrency(code: string, field = 'currency'): Result<Currency, DomainError<'VALIDATION_ERROR'>> {
  const normalized = code.trim().toUpperCase();
  return isCurrency(normalized) ? ok(normalized) : validationError(field, `unsupported currency: ${code}`);
}

/** Exponent of a known currency (typed input cannot be unknown, so this is total). */
export function exponentOf(currency: Currency): number {
  return CURRENCY_EXPONENTS[currency];
}

/** Exponent of an arbitrary code: unknown codes are a Result error, since they usually come from a request. */
export function currencyExponent(code: string): Result<number, DomainError<'VALIDATION_ERROR'>> {
  const parsed = parseCurrency(code);
  return parsed.ok ? ok(exponentOf(parsed.value)) : parsed;
}

/** a + b; overflow past the safe range throws rather than silently losing cents. */
export function addMinor(a: number, b: number): Minor {
  return minor(minor(a) + minor(b));
}

export function subMinor(a: number, b: number): Minor {
  return minor(minor(a) - minor(b));
}

/** Product of an amount and an integer count (price × tickets). */
export function mulMinor(amount: number, count: number): Minor {
  return minor(minor(amount) * minor(count));
}

export function sumMinor(values: readonly number[]): Minor {
  let total = 0 as Minor;
  for (const v of values) total = addMinor(total, v);
  return total;
}

/**
 * Splits `total` into parts proportional to `weights` by the largest-remainder method: each part
 * is floor(total × w / Σw), and the units lost to flooring go one each to the largest remainders,
 * ties to the earlier index. Parts are non-negative, sum to `total` exactly, each is within one
 * unit of its exact share, and a zero weight always gets 0.
 *
 * Bad arguments (empty, negative or all-zero weights, negative or non-integer total) throw
 * RangeError/TypeError: callers validate their input first, so reaching here with them is a bug.
 */
export function allocate(total: number, weights: readonly number[]): Minor[] {
  nonNegativeMinor(total, 'total');
  if (weights.length === 0) throw new RangeError('allocate needs at least one weight');
  for (const w of weights) {
    if (!Number.isSafeInteger(w) || w < 0) throw new RangeError(`weights must be non-negative safe integers, got ${String(w)}`);
  }
  const weightSum = weights.reduce((s, w) => s + BigInt(w), 0n);
  if (weightSum === 0n) throw new RangeError('allocate needs at least one positive weight');

  const t = BigInt(total);
  const floors = weights.map((w) => (t * BigInt(w)) / weightSum);
  // Remainders share the denominator Σw, so comparing numerators compares the fractions exactly.
  const remainders = weights.map((w) => (t * BigInt(w)) % weightSum);
  let leftover = t - floors.reduce((s, f) => s + f, 0n);

  const order = weights.map((_, i) => i);
  order.sort((a, b) => {
    const ra = remainders[a]!;
    const rb = remainders[b]!;
    return ra === rb ? a - b : ra > rb ? -1 : 1;
  });
  for (const i of order) {
    if (leftover === 0n) break;
    floors[i] = floors[i]! + 1n;
    leftover -= 1n;
  }
  return floors.map((f) => minor(Number(f)));
}

/**
 * Minor units → a plain decimal string with exactly `exponent` decimals: (1050, 2) → "10.50",
 * (500, 0) → "500", (-5, 3) → "-0.005". String arithmetic, so no float ever rounds a cent.
 */
export function minorToDecimalString(amount: number, exponent: number): string {
  const value = minor(amount);
  if (!Number.isInteger(exponent) || exponent < 0 || exponent > 6) throw new RangeError(`exponent must be 0..6, got ${exponent}`);
  const digits = Math.abs(value)
    .toString()
    .padStart(exponent + 1, '0');
  const sign = value < 0 ? '-' : '';
  if (exponent === 0) return `${sign}${digits}`;
  return `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

/**
 * A decimal amount in major units (a provider's "10.5", 10.5 or "1,234.50") → minor units, exactly.
 * Null when it is not a finite decimal or has more decimals than the currency allows (a provider
 * answering 10.505 USD is a mismatch to report, not a value to round).
 */
export function decimalToMinor(value: string | number, exponent: number): Minor | null {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return null;
    // Shortest round-trip representation; exponent notation only for magnitudes no currency amount has.
    text = String(value);
    if (/e/i.test(text)) return null;
  } else text = value.trim().replace(/,/g, '');
  const match = /^(-?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) return null;
  const [, sign, whole = '', fraction = ''] = match;
  const trimmed = fraction.replace(/0+$/, '');
  if (trimmed.length > exponent) return null;
  const units = Number(`${whole || '0'}${trimmed.padEnd(exponent, '0')}`);
  if (!Number.isSafeInteger(units)) return null;
  return minor(sign === '-' ? -units : units);
}
