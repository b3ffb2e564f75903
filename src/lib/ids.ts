import { parseUserRef } from '../domain/factors';
import { hmacSha256Hex } from './crypto';

/**
 * The transaction id of a process request: a keyed hash of (tenant, user, Idempotency-Key), shaped as
 * an RFC 9562 version-8 UUID. The same request always maps to the same id — so to the same PaymentDO,
 * where duplicates meet — while ids cannot be computed without PAYMENT_ID_KEY.
 */
export function transactionIdFor(key: string, tenantId: string, userId: string, idempotencyKey: string): Promise<string> {
  return keyedUuid(key, `payment\n${tenantId}\n${userId}\n${idempotencyKey.toLowerCase()}`);
}

/** HMAC(key, message) shaped as an RFC 9562 version-8 UUID: stable for the message, unguessable without the key. */
export async function keyedUuid(key: string, message: string): Promise<string> {
  const hex = (await hmacSha256Hex(key, message)).slice(0, 32).split('');
  hex[12] = '8';
  hex[16] = ((Number.parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}

/** Our checkout session ids: `cko` + 32 lowercase hex — alphanumeric, so every provider's reference field takes it. */
export const CHECKOUT_SESSION_ID = /^cko[0-9a-f]{32}$/;

/**
 * A checkout session id. With a client key (Idempotency-Key, QPay orderId) it is a keyed hash of
 * (tenant, scope, key), so a retried request meets the same object; without one it is random.
 */
export async function checkoutSessionIdFor(key: string, tenantId: string, scope: string, clientKey: string | null): Promise<string> {
  if (clientKey === null) {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return `cko${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
  }
  return `cko${(await hmacSha256Hex(key, `checkout\n${tenantId}\n${scope}\n${clientKey}`)).slice(0, 32)}`;
}

/**
 * A NoTap user's canonical id: a UUID stands for itself (lower case); a NoTap handle becomes a keyed
 * version-8 UUID of (tenant, handle), so the same handle names the same user within a tenant and nobody can
 * compute it without PAYMENT_ID_KEY. Null for text that is neither.
 */
export async function notapUserUuid(key: string, tenantId: string, text: string): Promise<string | null> {
  const ref = parseUserRef(text);
  if (!ref) return null;
  return ref.kind === 'uuid' ? ref.uuid : keyedUuid(key, `notap-user\n${tenantId}\n${ref.handle}`);
}
