/**
 * Redaction for logs: keys that can carry secrets, tokens, factor values, card data or PII are
 * replaced at any depth. Keys are matched by whole words (camelCase, snake_case and kebab-case are
 * split) so that e.g. `shipping` or `routing` are not mistaken for `pin` or `tin`.
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

export function redact(value: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) return '[TRUNCATED]';
  if (typeof value === 'string') return BEARER.test(value) ? REDACTED : value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) {
    // Wrapped errors (drizzle's "Failed query", fetch failures) say what went wrong only in their cause.
    const cause = value.cause === undefined ? undefined : redact(value.cause, depth + 1);
    return cause === undefined ? { name: value.name, message: value.message } : { name: value.name, message: value.message, cause };
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = isSensitiveKey(k) ? REDACTED : redact(v, depth + 1);
    return out;
  }
  return value;
}
