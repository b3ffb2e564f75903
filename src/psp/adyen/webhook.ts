import { fromHex } from '../../lib/crypto';
import {
  type CheckoutNotification,
  type InboundNotification,
  timestampOr,
  WebhookPayloadError,
  WebhookVerificationError,
} from '../checkout';
import { adyenItemToNotification } from './transformers';
import { type AdyenNotificationItem, AdyenNotificationRequest, AdyenNotificationWrapper } from './wire';

/**
 * Adyen standard notifications: a JSON batch whose every NotificationRequestItem carries
 * `additionalData.hmacSignature` = base64(HMAC-SHA256(hex-decoded HMAC key, the eight values
 * pspReference:originalReference:merchantAccountCode:merchantReference:value:currency:eventCode:success)).
 * One bad item rejects the whole batch (Adyen retries it as a unit).
 */
const encoder = new TextEncoder();

/** The signed string; a missing value (typically originalReference) is an empty string. */
export function adyenHmacPayload(item: Partial<AdyenNotificationItem>): string {
  const value = item.amount?.value;
  return [
    item.pspReference ?? '',
    item.originalReference ?? '',
    item.merchantAccountCode ?? '',
    item.merchantReference ?? '',
    value === undefined || value === null ? '' : String(value),
    item.amount?.currency ?? '',
    item.eventCode ?? '',
    item.success ?? '',
  ].join(':');
}

export async function importAdyenHmacKey(hexKey: string): Promise<CryptoKey> {
  const raw = fromHex(hexKey.trim());
  // A configuration error, not a property of the request: env validation should have caught it.
  if (!raw || raw.length === 0) throw new Error('ADYEN_HMAC_KEY is not a hex string');
  return crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
}

function fromBase64(value: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return null;
  let binary: string;
  try {
    binary = atob(value);
  } catch {
    return null;
  }
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** Constant-time: WebCrypto's verify compares the MAC without an early exit. */
export async function verifyAdyenItemSignature(item: Partial<AdyenNotificationItem>, key: CryptoKey): Promise<boolean> {
  const signature = item.additionalData?.hmacSignature;
  const mac = typeof signature === 'string' ? fromBase64(signature) : null;
  if (mac?.length !== 32) return false;
  return crypto.subtle.verify('HMAC', key, mac, encoder.encode(adyenHmacPayload(item)));
}

/**
 * Verifies every item of the batch, then maps each; an item nothing acts on (an event code that does not concern
 * checkouts, a cancellation that did not succeed) is an ignored notification. An item that is not of the
 * documented shape cannot be verified (the HMAC covers its fields): WebhookPayloadError for the batch.
 */
export async function parseAdyenNotification(
  request: InboundNotification,
  hmacKey: CryptoKey,
  receivedAt: number,
): Promise<CheckoutNotification[]> {
  if (request.method !== 'POST') throw new WebhookVerificationError('Adyen notifications are POSTed');
  let body: unknown;
  try {
    body = JSON.parse(request.rawBody);
  } catch {
    throw new WebhookPayloadError('Adyen notification body is not JSON');
  }
  const envelope = AdyenNotificationRequest.safeParse(body);
  if (!envelope.success) {
    const atRoot = envelope.error.issues[0]?.path.length === 0;
    throw new WebhookPayloadError(atRoot ? 'Adyen notification is not a JSON object' : 'Adyen notification without notificationItems');
  }
  // Item by item, so the first bad item decides whether the batch is malformed or unverified.
  const verified: AdyenNotificationItem[] = [];
  for (const wrapper of envelope.data.notificationItems) {
    const parsed = AdyenNotificationWrapper.safeParse(wrapper);
    if (!parsed.success) throw new WebhookPayloadError('malformed Adyen NotificationRequestItem');
    const item = parsed.data.NotificationRequestItem;
    if (!(await verifyAdyenItemSignature(item, hmacKey))) throw new WebhookVerificationError('Adyen HMAC signature does not match');
    verified.push(item);
  }
  const out: CheckoutNotification[] = [];
  for (const item of verified) {
    out.push(
      adyenItemToNotification(item, receivedAt) ?? {
        provider: 'adyen',
        eventId: `${item.eventCode}:${item.pspReference}:${item.success}`,
        type: item.eventCode,
        sessionId: null,
        reference: null,
        paymentReference: item.pspReference,
        observed: null,
        occurredAt: timestampOr(item.eventDate, receivedAt),
        ignored: 'unhandled_type',
      },
    );
  }
  return out;
}
