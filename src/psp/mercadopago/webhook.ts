import { verifyHmacSha256Hex } from '../../lib/crypto';
import {
  type CheckoutNotification,
  type InboundNotification,
  MAX_EVENT_ID_LENGTH,
  MAX_EVENT_TYPE_LENGTH,
  refusedPayload,
  timestampOr,
  WebhookPayloadError,
  WebhookVerificationError,
} from '../checkout';
import type { PspFailure } from '../types';
import { MercadoPagoWebhookBody } from './wire';

/**
 * MercadoPago webhooks: `x-signature: ts=<unix seconds>,v1=<hex>` over the manifest
 * `id:<data.id from the query string>;request-id:<x-request-id>;ts:<ts>;` (a pair is left out when its
 * value is missing; the trailing ';' stays), HMAC-SHA256 keyed with the secret as UTF-8, lowercase hex.
 */

/**
 * Replay window: the SDK has none by default; we accept ts within ±300 s of our clock (the same window
 * Stripe uses), which MercadoPago's retries (new ts each delivery) stay inside.
 */
export const MERCADOPAGO_TOLERANCE_SECONDS = 300;

export function mercadoPagoManifest(parts: { dataId?: string | null; requestId?: string | null; ts?: string | null }): string {
  let manifest = '';
  if (parts.dataId) manifest += `id:${parts.dataId};`;
  if (parts.requestId) manifest += `request-id:${parts.requestId};`;
  if (parts.ts) manifest += `ts:${parts.ts};`;
  return manifest;
}

/** `ts=…,v1=…` (spaces tolerated); null without both. */
export function parseMercadoPagoSignature(header: string): { ts: string; v1: string } | null {
  let ts: string | undefined;
  let v1: string | undefined;
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 'ts') ts = value;
    else if (key === 'v1') v1 = value;
  }
  return ts && v1 ? { ts, v1 } : null;
}

export type MercadoPagoSignatureInput = {
  header: string | undefined;
  requestId: string | undefined;
  dataId: string | null;
  secret: string;
  now: number;
  toleranceSeconds?: number;
};

/**
 * Throws WebhookVerificationError unless the signature matches and ts is within the window. The SDK signs
 * `data.id` as received; MercadoPago's docs tell integrators to lowercase alphanumeric ids — which form is
 * signed is **unconfirmed**, so the lowercased id is tried as well when it differs (both are HMAC checks).
 */
export async function verifyMercadoPagoSignature(input: MercadoPagoSignatureInput): Promise<void> {
  if (!input.header) throw new WebhookVerificationError('Missing x-signature header');
  const parsed = parseMercadoPagoSignature(input.header);
  if (!parsed || !/^\d+$/.test(parsed.ts)) throw new WebhookVerificationError('Malformed x-signature header');
  const ts = Number(parsed.ts);
  // MercadoPago signs `ts` in seconds; a millisecond value (13 digits) is read as such rather than rejected.
  const tsMs = ts >= 1e12 ? ts : ts * 1000;
  const tolerance = (input.toleranceSeconds ?? MERCADOPAGO_TOLERANCE_SECONDS) * 1000;
  if (Math.abs(input.now - tsMs) > tolerance) throw new WebhookVerificationError('x-signature timestamp outside the tolerance');
  const candidates = [input.dataId];
  if (input.dataId && input.dataId.toLowerCase() !== input.dataId) candidates.push(input.dataId.toLowerCase());
  for (const dataId of candidates) {
    const manifest = mercadoPagoManifest({ dataId, requestId: input.requestId, ts: parsed.ts });
    if (await verifyHmacSha256Hex(input.secret, manifest, parsed.v1.toLowerCase())) return;
  }
  throw new WebhookVerificationError('MercadoPago signature does not match');
}

/** MercadoPago ids are numeric; anything id-like and short is accepted, since only the API can say it exists. */
const DATA_ID = /^[A-Za-z0-9_-]{1,64}$/;

export type MercadoPagoTrigger = {
  /** Query `type` (else the body's): only "payment" concerns checkouts. */
  type: string;
  dataId: string | null;
  eventId: string;
  action: string | null;
  occurredAt: number;
};

/**
 * An authentic body → the fields we read, or WebhookPayloadError: not JSON, not an object, or a field of
 * another type (an id that is not a string or number, `data` that is not an object, a non-string type, action or date).
 * An empty body is an empty notification: the signed query names the payment.
 */
export function readMercadoPagoBody(rawBody: string): MercadoPagoWebhookBody {
  let value: unknown;
  try {
    value = rawBody ? JSON.parse(rawBody) : {};
  } catch {
    throw new WebhookPayloadError('MercadoPago notification body is not JSON');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new WebhookPayloadError('MercadoPago notification body is not an object');
  const parsed = MercadoPagoWebhookBody.safeParse(value);
  if (parsed.success) return parsed.data;
  refusedPayload('MercadoPago notification we cannot read', parsed.error);
}

/** Verifies a notification and returns what it names; the payment's state must be read from the API. */
export async function verifyMercadoPagoNotification(
  request: InboundNotification,
  secret: string,
  now: number,
): Promise<MercadoPagoTrigger> {
  if (request.method !== 'POST') throw new WebhookVerificationError('MercadoPago webhooks are POSTed');
  let query: URLSearchParams;
  try {
    query = new URL(request.url).searchParams;
  } catch {
    throw new WebhookVerificationError('notification URL is not a URL');
  }
  const dataId = query.get('data.id');
  const requestId = request.headers['x-request-id'];
  await verifyMercadoPagoSignature({ header: request.headers['x-signature'], requestId, dataId, secret, now });
  const body = readMercadoPagoBody(request.rawBody);
  // Only data.id from the query is signed: a body naming another object is not trusted.
  const bodyDataId = body.data?.id;
  if (bodyDataId !== undefined && dataId !== null && String(bodyDataId) !== dataId) {
    throw new WebhookVerificationError('body data.id differs from the signed query data.id');
  }
  if (dataId !== null && !DATA_ID.test(dataId)) throw new WebhookPayloadError('MercadoPago data.id is not an id');
  // eventId: the notification's own id (the same on MercadoPago's retries of one notification), else x-request-id.
  const bodyId = body.id;
  const eventId = bodyId !== undefined && bodyId !== null && bodyId !== '' ? String(bodyId) : requestId;
  if (!eventId) throw new WebhookVerificationError('MercadoPago notification without id or x-request-id');
  if (eventId.length > MAX_EVENT_ID_LENGTH) throw new WebhookPayloadError('MercadoPago notification id is too long');
  const type = query.get('type') ?? body.type ?? null;
  if (!type || type.length > MAX_EVENT_TYPE_LENGTH) throw new WebhookPayloadError('MercadoPago notification without a usable type');
  // A payment notification names its payment (the signed data.id): without it there is nothing to read back.
  if (type === 'payment' && !dataId) throw new WebhookPayloadError('MercadoPago payment notification without data.id');
  return {
    type,
    dataId,
    eventId,
    action: typeof body.action === 'string' && body.action.length <= MAX_EVENT_TYPE_LENGTH ? body.action : null,
    occurredAt: timestampOr(body.date_created, now),
  };
}

/**
 * A read-back failure that asking again will not change (MercadoPago does not know the payment: 404, or answers
 * with one we cannot read, e.g. a status added after this code): the notification is acknowledged and ignored
 * rather than answered 5xx, which MercadoPago would redeliver for days. Our credentials being refused is not
 * such a failure: it is fixed on our side, and the redelivery then succeeds.
 */
export function finalLookupFailure(failure: PspFailure): 'unknown_payment' | 'unreadable_payment' | null {
  if (failure.retryable || failure.kind === 'authentication') return null;
  return failure.status === 404 ? 'unknown_payment' : 'unreadable_payment';
}

/** An authentic notification nothing acts on (another topic, a payment MercadoPago does not know). */
export function ignoredMercadoPagoNotification(trigger: MercadoPagoTrigger, reason: string): CheckoutNotification {
  return {
    provider: 'mercadopago',
    eventId: trigger.eventId,
    type: trigger.action ?? trigger.type,
    sessionId: null,
    reference: null,
    paymentReference: trigger.dataId,
    observed: null,
    occurredAt: trigger.occurredAt,
    ignored: reason,
  };
}
