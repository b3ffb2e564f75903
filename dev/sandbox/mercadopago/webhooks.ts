import { createHmac, randomUUID } from 'node:crypto';
import { SANDBOX_DEFAULTS, type SandboxContext } from '../types.ts';
import { MERCADOPAGO_COLLECTOR_ID, mpDate, numericId } from './objects.ts';

/**
 * MercadoPago Webhooks: POST to the preference's notification_url (else the app-level
 * `${appUrl}/v1/webhooks/mercadopago`) with `data.id=<id>&type=payment` appended to its query, signed with
 * `x-signature: ts=<unix s>,v1=hex(HMAC-SHA256(secret, "id:<data.id>;request-id:<x-request-id>;ts:<ts>;"))`.
 */
export function mercadoPagoSignature(secret: string, dataId: string, requestId: string, ts: number): string {
  return createHmac('sha256', secret).update(`id:${dataId};request-id:${requestId};ts:${ts};`, 'utf8').digest('hex');
}

export function notificationUrlFor(ctx: SandboxContext, notificationUrl: string | null, dataId: string): string {
  const url = new URL(notificationUrl ?? `${ctx.appUrl}/v1/webhooks/mercadopago`);
  url.searchParams.append('data.id', dataId);
  url.searchParams.append('type', 'payment');
  return url.toString();
}

export function emitPaymentNotification(
  ctx: SandboxContext,
  paymentId: string,
  action: 'payment.created' | 'payment.updated',
  notificationUrl: string | null,
): void {
  const now = ctx.now();
  const id = numericId();
  const requestId = randomUUID();
  const ts = Math.floor(now / 1000);
  const secret = ctx.secrets.mercadopagoWebhookSecret ?? SANDBOX_DEFAULTS.mercadopagoWebhookSecret;
  const body = JSON.stringify({
    id,
    live_mode: false,
    type: 'payment',
    date_created: mpDate(now),
    user_id: MERCADOPAGO_COLLECTOR_ID,
    api_version: 'v1',
    action,
    data: { id: paymentId },
  });
  ctx.emitWebhook({
    provider: 'mercadopago',
    type: action,
    eventId: String(id),
    url: notificationUrlFor(ctx, notificationUrl, paymentId),
    headers: {
      'content-type': 'application/json',
      'x-request-id': requestId,
      'x-signature': `ts=${ts},v1=${mercadoPagoSignature(secret, paymentId, requestId, ts)}`,
    },
    body,
  });
}
