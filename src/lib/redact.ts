import { DrizzleQueryError } from 'drizzle-orm/errors';
import { DATABASE_ERROR_FIELDS, isDatabaseError } from './database-error';

/**
 * Redaction for logs: keys that can carry secrets, tokens, factor values, card data or PII are
 * replaced at any depth. Keys are matched by whole words (camelCase, snake_case and kebab-case are
 * split) so that e.g. `shipping` or `routing` are not mistaken for `pin` or `tin`.
 *
 * Errors are described, not dumped: a database error by its class and the identifiers Postgres
 * reports (SQLSTATE, constraint, table, column), because its message, detail and the failing query's
 * parameters carry row values (e-mails, phones). Every other string is masked for e-mail addresses,
 * phone numbers, JWTs and card numbers as a last line of defence.
 */
const SENSITIVE_PARTS = [
  'authorization',
  'cookie',
  'token',
  'secret',
  'password',
  'passwd',
  'signature',
  'apikey',
  'privatekey',
  'cardnumber',
  'email',
  'phone',
  'iban',
];
const SENSITIVE_WORDS = new Set(['card', 'pan', 'cvc', 'cvv', 'tin', 'ssn', 'pin', 'otp', 'factor', 'factors', 'address', 'dob', 'key']);
const BEARER = /^bearer\s+/i;
const MAX_DEPTH = 6;

export const REDACTED = '[REDACTED]';

export function isSensitiveKey(key: string): boolean {
  const flat = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (SENSITIVE_PARTS.some((part) => flat.includes(part))) return true;
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/);
  return words.some((w) => SENSITIVE_WORDS.has(w));
}

const JWT = /\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g;
const EMAIL = /[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/gi;
// 13–19 digits, optionally grouped by single spaces or dashes; kept only when the Luhn check passes.
const CARD_CANDIDATE = /(?<!\w|\d\.)\d(?:[ -]?\d){12,18}(?!\w|\.\d)/g;
// International (+ and 8–15 digits, loosely punctuated) or North American (415) 555-0123 / 415-555-0123.
const PHONE = /(?<![\w+])(?:\+\d[\d ().-]{6,20}\d|\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4})(?![\w])/g;

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** Masks e-mail addresses, JWTs, card numbers and phone numbers wherever they appear in a string. */
export function maskPii(text: string): string {
  let out = text.replace(JWT, '[JWT]');
  // The e-mail pattern scans forward from every word character; most strings have no '@' at all.
  if (out.includes('@')) out = out.replace(EMAIL, '[EMAIL]');
  return out
    .replace(CARD_CANDIDATE, (m) => {
      const digits = m.replace(/\D/g, '');
      return digits.length >= 13 && digits.length <= 19 && luhn(digits) ? '[CARD]' : m;
    })
    .replace(PHONE, (m) => {
      const digits = m.replace(/\D/g, '').length;
      return m.startsWith('+') && (digits < 8 || digits > 15) ? m : '[PHONE]';
    });
}

function isQueryError(err: Error): boolean {
  return err instanceof DrizzleQueryError || ('query' in err && 'params' in err);
}

/** `insert into "payment_refunds"` from the statement: what ran and where, without its values. */
function statementOf(query: unknown): string | undefined {
  if (typeof query !== 'string') return undefined;
  const verb = /^\s*(insert\s+into|update|delete\s+from|select|with)\b/i.exec(query)?.[1];
  if (!verb) return undefined;
  const rest = query.slice(query.toLowerCase().indexOf(verb.toLowerCase()) + verb.length);
  const table = (
    /^(?:select|with)$/i.test(verb) ? /\bfrom\s+("?[\w.]+"?(?:\."?\w+"?)?)/i.exec(rest) : /^\s+("?[\w.]+"?(?:\."?\w+"?)?)/.exec(rest)
  )?.[1];
  return [verb.toLowerCase().replace(/\s+/g, ' '), table].filter(Boolean).join(' ');
}

function describeError(err: Error, depth: number): Record<string, unknown> {
  const cause = err.cause === undefined ? undefined : redact(err.cause, depth + 1);
  const withCause = (out: Record<string, unknown>) => (cause === undefined ? out : { ...out, cause });
  if (isDatabaseError(err)) {
    // pg-protocol names its errors after the message type ("error"); the class says more.
    const className = err.constructor?.name;
    const out: Record<string, unknown> = { name: className && className !== 'Error' ? className : err.name };
    for (const field of DATABASE_ERROR_FIELDS) if (typeof err[field] === 'string') out[field] = err[field];
    return withCause(out);
  }
  if (isQueryError(err)) {
    // drizzle's message is the whole statement plus its parameters; the cause says what went wrong.
    return withCause({ name: 'DrizzleQueryError', statement: statementOf((err as { query?: unknown }).query) });
  }
  const out: Record<string, unknown> = { name: err.name, message: maskPii(err.message.replace(/\bparams:[\s\S]*$/, 'params: [REDACTED]')) };
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') out.code = code;
  return withCause(out);
}

export function redact(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) return '[TRUNCATED]';
  if (typeof value === 'string') return BEARER.test(value) ? REDACTED : maskPii(value);
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) return describeError(value, depth);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = isSensitiveKey(k) ? REDACTED : redact(v, depth + 1);
    return out;
  }
  return value;
}
