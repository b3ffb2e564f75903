import { randomBytes } from 'node:crypto';

/**
 * PayPal emulator building blocks: ids, money, error bodies (`{ name, message, debug_id,
 * details[], links[] }`, names and messages as in the extract's error_400/401/404/409/422 schemas).
 */
export type Obj = Record<string, any>;

/**
 * Currencies PayPal accepts and their decimals (PayPal Currency Codes: HUF, JPY and TWD take no decimals;
 * BRL, INR, MYR, CNY are in-country only but accepted here).
 */
export const PAYPAL_CURRENCIES: Readonly<Record<string, number>> = {
  AUD: 2,
  BRL: 2,
  CAD: 2,
  CNY: 2,
  CZK: 2,
  DKK: 2,
  EUR: 2,
  HKD: 2,
  HUF: 0,
  INR: 2,
  ILS: 2,
  JPY: 0,
  MYR: 2,
  MXN: 2,
  TWD: 0,
  NZD: 2,
  NOK: 2,
  PHP: 2,
  PLN: 2,
  GBP: 2,
  SGD: 2,
  SEK: 2,
  CHF: 2,
  THB: 2,
  USD: 2,
};

/** The sandbox's merchant (payee) when an order names none; merchant ids match ^[2-9A-HJ-NP-Z]{13}$. */
export const PAYPAL_SANDBOX_MERCHANT = { merchant_id: 'SANDBXMERCHNT', email_address: 'merchant@business.example.com' } as const;

const ID_ALPHABET = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ';

/** PayPal-style ids: 17 upper-case letters and digits (order ids must match ^[A-Z0-9]+$). */
export function paypalId(length = 17): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += ID_ALPHABET[b % ID_ALPHABET.length];
  return out;
}

export const debugId = () => randomBytes(7).toString('hex').slice(0, 13);

/** Amount in minor units of the currency's PayPal decimals. */
export type Money = { currency: string; minor: number };

export function formatMoney(m: Money): { currency_code: string; value: string } {
  const exp = PAYPAL_CURRENCIES[m.currency] ?? 2;
  const digits = m.minor.toString().padStart(exp + 1, '0');
  return { currency_code: m.currency, value: exp === 0 ? digits : `${digits.slice(0, -exp)}.${digits.slice(-exp)}` };
}

export type ErrorDetail = {
  field?: string;
  value?: string;
  location?: 'body' | 'header' | 'path' | 'query';
  issue: string;
  description: string;
};

export class PaypalFailure extends Error {
  readonly status: number;
  readonly body: Obj;
  constructor(status: number, body: Obj) {
    super(String(body.message));
    this.status = status;
    this.body = body;
  }
}

function errorBody(name: string, message: string, details: ErrorDetail[] = []): Obj {
  return {
    name,
    message,
    debug_id: debugId(),
    ...(details.length ? { details } : {}),
    links: [
      {
        href: `https://developer.paypal.com/docs/api/orders/v2/#error-${details[0]?.issue ?? name}`,
        rel: 'information_link',
        method: 'GET',
      },
    ],
  };
}

export const BAD_REQUEST_MESSAGE = 'Request is not well-formed, syntactically incorrect, or violates schema.';
export const UNPROCESSABLE_MESSAGE = 'The requested action could not be performed, semantically incorrect, or failed business validation.';

export const invalidRequest = (issue: string, description: string, field: string, location: ErrorDetail['location'] = 'body') =>
  new PaypalFailure(400, errorBody('INVALID_REQUEST', BAD_REQUEST_MESSAGE, [{ field, location, issue, description }]));

export const unprocessable = (issue: string, description: string, field?: string) =>
  new PaypalFailure(
    422,
    errorBody('UNPROCESSABLE_ENTITY', UNPROCESSABLE_MESSAGE, [
      { ...(field ? { field, location: 'body' as const } : {}), issue, description },
    ]),
  );

export const notFound = () =>
  new PaypalFailure(
    404,
    errorBody('RESOURCE_NOT_FOUND', 'The specified resource does not exist.', [
      { issue: 'INVALID_RESOURCE_ID', description: 'Specified resource ID does not exist. Please check the resource ID and try again.' },
    ]),
  );

export const authenticationFailure = () =>
  new PaypalFailure(
    401,
    errorBody(
      'AUTHENTICATION_FAILURE',
      'Authentication failed due to missing authorization header, or invalid authentication credentials.',
    ),
  );

/** Body of an injected failure, in the error format of the status. */
export function injectedError(status: number, message: string): Obj {
  if (status === 429) return errorBody('RATE_LIMIT_REACHED', message);
  if (status === 503) return errorBody('SERVICE_UNAVAILABLE', message);
  if (status >= 500) return errorBody('INTERNAL_SERVER_ERROR', message);
  if (status === 401) return errorBody('AUTHENTICATION_FAILURE', message);
  if (status === 404) return errorBody('RESOURCE_NOT_FOUND', message);
  if (status === 409) return errorBody('RESOURCE_CONFLICT', message);
  if (status === 422) return errorBody('UNPROCESSABLE_ENTITY', message);
  return errorBody('INVALID_REQUEST', message);
}

const missing = (field: string) => invalidRequest('MISSING_REQUIRED_PARAMETER', 'A required parameter is missing.', field);
const syntax = (field: string) =>
  invalidRequest('INVALID_PARAMETER_SYNTAX', 'The value of a field does not conform to the expected format.', field);
const length = (field: string) => invalidRequest('INVALID_STRING_LENGTH', 'The value of a field is either too short or too long', field);
const value = (field: string) => invalidRequest('INVALID_PARAMETER_VALUE', 'A parameter value is not valid.', field);

/** An optional string with the schema's length (code points) and pattern; throws INVALID_REQUEST. */
export function text(
  body: Obj,
  key: string,
  pointer: string,
  rule: { min?: number; max: number; pattern?: RegExp; required?: boolean; values?: readonly string[] },
): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) {
    if (rule.required) throw missing(pointer);
    return undefined;
  }
  if (typeof v !== 'string') throw syntax(pointer);
  const n = Array.from(v).length;
  if (n < (rule.min ?? 1) || n > rule.max) throw length(pointer);
  if (rule.pattern && !rule.pattern.test(v)) throw syntax(pointer);
  if (rule.values && !rule.values.includes(v)) throw value(pointer);
  return v;
}

export function object(body: Obj, key: string, pointer: string, required = false): Obj | undefined {
  const v = body[key];
  if (v === undefined || v === null) {
    if (required) throw missing(pointer);
    return undefined;
  }
  if (typeof v !== 'object' || Array.isArray(v)) throw syntax(pointer);
  return v;
}

export const URI = /^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$/;
const VALUE = /^((-?[0-9]+)|(-?([0-9]+)?[.][0-9]+))$/;

/**
 * A `money` object. Orders: decimals beyond the currency's → 422 DECIMAL_PRECISION; Payments (refunds): a
 * zero-decimal currency with decimals → DECIMALS_NOT_SUPPORTED. Unsupported currency → 422 CURRENCY_NOT_SUPPORTED
 * (Orders troubleshooting page). Zero or negative → CANNOT_BE_ZERO_OR_NEGATIVE.
 */
export function money(raw: unknown, pointer: string, api: 'orders' | 'payments'): Money {
  if (raw === undefined || raw === null) throw missing(pointer);
  if (typeof raw !== 'object' || Array.isArray(raw)) throw syntax(pointer);
  const currency = text(raw as Obj, 'currency_code', `${pointer}/currency_code`, { min: 3, max: 3, required: true }) as string;
  const amount = text(raw as Obj, 'value', `${pointer}/value`, { max: 32, pattern: VALUE, required: true }) as string;
  const exp = PAYPAL_CURRENCIES[currency];
  if (exp === undefined) {
    throw unprocessable(
      'CURRENCY_NOT_SUPPORTED',
      'Currency code is invalid or is not currently supported. Please refer https://developer.paypal.com/api/rest/reference/currency-codes/ for list of supported currency codes.',
      `${pointer}/currency_code`,
    );
  }
  const [whole = '', fraction = ''] = amount.replace(/^-/, '').split('.');
  const decimals = fraction.replace(/0+$/, '');
  if (decimals.length > exp) {
    if (api === 'payments' && exp === 0)
      throw unprocessable('DECIMALS_NOT_SUPPORTED', 'Currency does not support decimals.', `${pointer}/value`);
    throw unprocessable(
      'DECIMAL_PRECISION',
      'If the currency supports decimals, only two decimal place precision is supported.',
      `${pointer}/value`,
    );
  }
  const minor = Number(`${whole || '0'}${decimals.padEnd(exp, '0')}`);
  if (amount.startsWith('-') || minor === 0) {
    throw unprocessable(
      'CANNOT_BE_ZERO_OR_NEGATIVE',
      'Must be greater than zero. If the currency supports decimals, only two decimal place precision is supported.',
      `${pointer}/value`,
    );
  }
  if (!Number.isSafeInteger(minor) || whole.length > 15) {
    throw unprocessable('MAX_VALUE_EXCEEDED', 'Should be less than or equal to 999999999999999.99.', `${pointer}/value`);
  }
  return { currency, minor };
}
