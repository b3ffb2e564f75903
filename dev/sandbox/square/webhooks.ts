import { createHmac, randomUUID } from 'node:crypto';
import type { SandboxContext } from '../types.ts';
import { type Obj, SQUARE_MERCHANT_ID } from './objects.ts';

/** Square webhook notifications, signed with `x-square-hmacsha256-signature`. */
export const DEFAULT_SQUARE_SIGNATURE_KEY = 'sq_sig_key_test';

/** base64(HMAC-SHA256(key = signature key as UTF-8, message = notification URL + raw body)). */
export function squareSignature(signatureKey: string, notificationUrl: string, body: string): string {
  return createHmac('sha256', signatureKey)
    .update(notificationUrl + body, 'utf8')
    .digest('base64');
}

export function squareNotificationUrl(ctx: SandboxContext): string {
  return ctx.secrets.squareNotificationUrl ?? `${ctx.appUrl}/api/v1/webhooks/square`;
}

export function emitSquareEvent(ctx: SandboxContext, type: `${'payment' | 'refund'}.${'created' | 'updated'}`, object: Obj): Obj {
  const kind = type.startsWith('payment') ? 'payment' : 'refund';
  const createdAt = new Date(ctx.now()).toISOString();
  const event = {
    merchant_id: SQUARE_MERCHANT_ID,
    type,
    event_id: randomUUID(),
    created_at: createdAt,
    data: { type: kind, id: object.id, object: { [kind]: structuredClone(object) } },
  };
  const body = JSON.stringify(event);
  const url = squareNotificationUrl(ctx);
  ctx.emitWebhook({
    provider: 'square',
    type,
    eventId: event.event_id,
    url,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'Square Connect v2',
      'square-environment': 'Sandbox',
      'square-initial-delivery-timestamp': createdAt,
      'x-square-hmacsha256-signature': squareSignature(ctx.secrets.squareSignatureKey ?? DEFAULT_SQUARE_SIGNATURE_KEY, url, body),
    },
    body,
  });
  return event;
}
