import { sha256Hex } from '../lib/crypto';

/**
 * Idempotency-Key semantics: the request body's fingerprint is SHA-256 of
 * its canonical JSON, so the same body sent with keys in another order or other whitespace is the
 * same request, and any real difference is IDEMPOTENCY_KEY_REUSED.
 */

/**
 * JSON with object keys sorted (UTF-16 code-unit order, as Array#sort and RFC 8785), arrays in
 * order, no whitespace. Object properties whose value is `undefined` are dropped, as JSON.stringify
 * does (an optional field left unset is the same body as one without it). Anything else JSON
 * cannot represent — undefined in arrays (holes included) or at the top, functions, symbols,
 * bigints, NaN/±Infinity, class instances such as Date or Map, cycles — throws TypeError.
 *
 * Written as a loop over an explicit stack rather than by recursion, so no nesting depth a client
 * can send overflows the call stack: a deep value costs heap, bounded by the body size.
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  const stack: Frame[] = [];
  const ancestors = new Set<object>();
  open(value, out, stack, ancestors);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    if (frame.kind === 'array') {
      if (frame.next < frame.value.length) {
        if (frame.next > 0) out.push(',');
        open(frame.value[frame.next++], out, stack, ancestors);
        continue;
      }
      out.push(']');
    } else {
      while (frame.next < frame.keys.length && frame.value[frame.keys[frame.next]!] === undefined) frame.next++;
      if (frame.next < frame.keys.length) {
        const key = frame.keys[frame.next++]!;
        out.push(frame.written++ > 0 ? ',' : '', JSON.stringify(key), ':');
        open(frame.value[key], out, stack, ancestors);
        continue;
      }
      out.push('}');
    }
    ancestors.delete(frame.value);
    stack.pop();
  }
  return out.join('');
}

type Frame =
  | { kind: 'array'; value: readonly unknown[]; next: number }
  | { kind: 'object'; value: Record<string, unknown>; keys: string[]; next: number; written: number };

/** Writes a scalar whole, or the opening bracket of a container and pushes its frame. */
function open(value: unknown, out: string[], stack: Frame[], ancestors: Set<object>): void {
  if (value === null) {
    out.push('null');
    return;
  }
  switch (typeof value) {
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'string':
      out.push(JSON.stringify(value));
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} is not representable in JSON`);
      out.push(JSON.stringify(value));
      return;
    case 'object':
      break;
    default:
      throw new TypeError(`canonicalJson: a ${typeof value} is not representable in JSON`);
  }
  if (ancestors.has(value)) throw new TypeError('canonicalJson: cyclic structure');
  if (Array.isArray(value)) {
    ancestors.add(value);
    out.push('[');
    stack.push({ kind: 'array', value, next: 0 });
    return;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) throw new TypeError('canonicalJson: only plain objects and arrays are allowed');
  const record = value as Record<string, unknown>;
  ancestors.add(record);
  out.push('{');
  stack.push({ kind: 'object', value: record, keys: Object.keys(record).sort(), next: 0, written: 0 });
}

/** Lower-case hex SHA-256 of `canonicalJson(value)` (WebCrypto: workerd and Node 22 alike). */
export function fingerprint(value: unknown): Promise<string> {
  return sha256Hex(canonicalJson(value));
}

export interface IdempotencyRecord {
  readonly fingerprint: string;
  readonly state: 'in_progress' | 'completed';
  /** HTTP status of the stored response, once completed. */
  readonly status?: number;
  /**
   * Epoch ms at which the record stops counting (`now >= expiresAt` is expired). In-progress
   * records carry a lease too, so a request that died mid-flight does not block its key forever.
   */
  readonly expiresAt: number;
}

/**
 * - execute: no live record — run the request (and record it as in progress first).
 * - reused: a live record with another body → 422 IDEMPOTENCY_KEY_REUSED, whatever its state.
 * - in_progress: same body still running → 409 DUPLICATE_IN_PROGRESS.
 * - replay: same body finished → the stored status and body, `Idempotent-Replayed: true`.
 */
export type IdempotencyDecision = 'execute' | 'in_progress' | 'replay' | 'reused';

export function decideIdempotency(record: IdempotencyRecord | null, requestFingerprint: string, now: number): IdempotencyDecision {
  if (record === null || now >= record.expiresAt) return 'execute';
  if (record.fingerprint !== requestFingerprint) return 'reused';
  return record.state === 'in_progress' ? 'in_progress' : 'replay';
}

export const SUCCESS_RETENTION_MS = 24 * 60 * 60 * 1000;
export const CLIENT_ERROR_RETENTION_MS = 60 * 60 * 1000;

/**
 * How long a finished response is kept for replay: 2xx 24 h, 4xx 1 h; 5xx (and anything outside
 * 2xx/4xx) 0 = not kept, so the client's retry executes again.
 */
export function responseRetentionMs(status: number): number {
  if (status >= 200 && status < 300) return SUCCESS_RETENTION_MS;
  if (status >= 400 && status < 500) return CLIENT_ERROR_RETENTION_MS;
  return 0;
}
