import { createHmac } from 'node:crypto';
import { SANDBOX_DEFAULTS, type SandboxContext } from '../types.ts';
import { adyenDate, type Obj } from './objects.ts';

/**
 * Adyen standard notifications: one JSON batch per event here, each item signed with
 * base64(HMAC-SHA256(hex-decoded key, pspReference:originalReference:merchantAccountCode:merchantReference:value:currency:eventCode:success)).
 * Sent to the account-level webhook URL `${appUrl}/v1/webhooks/adyen`.
 */
export function adyenHmacSignature(hexKey: string, item: Obj): string {
  const data = [
    item.pspReference ?? '',
    item.originalReference ?? '',
    item.merchantAccountCode ?? '',
    item.merchantReference ?? '',
    item.amount?.value ?? '',
    item.amount?.currency ?? '',
    item.eventCode ?? '',
    item.success ?? '',
  ].join(':');
  return createHmac('sha256', Buffer.from(hexKey, 'hex')).update(data, 'utf8').digest('base64');
}

export type AdyenEvent = {
  eventCode: 'AUTHORISATION' | 'REFUND';
  success: boolean;
  pspReference: string;
  originalReference?: string;
  merchantAccountCode: string;
  merchantReference: string;
  amount: { value: number; currency: string };
  reason: string;
  checkoutSessionId: string;
  operations?: string[];
};

export function emitAdyenNotification(ctx: SandboxContext, event: AdyenEvent): Obj {
  const key = ctx.secrets.adyenHmacKey ?? SANDBOX_DEFAULTS.adyenHmacKey;
  const item: Obj = {
    amount: event.amount,
    eventCode: event.eventCode,
    eventDate: adyenDate(ctx.now()),
    merchantAccountCode: event.merchantAccountCode,
    merchantReference: event.merchantReference,
    ...(event.originalReference ? { originalReference: event.originalReference } : {}),
    paymentMethod: 'visa',
    pspReference: event.pspReference,
    reason: event.reason,
    success: event.success ? 'true' : 'false',
    ...(event.operations ? { operations: event.operations } : {}),
  };
  item.additionalData = { checkoutSessionId: event.checkoutSessionId, hmacSignature: adyenHmacSignature(key, item) };
  const body = JSON.stringify({ live: 'false', notificationItems: [{ NotificationRequestItem: item }] });
  ctx.emitWebhook({
    provider: 'adyen',
    type: event.eventCode,
    eventId: `${event.eventCode}:${event.pspReference}:${item.success}`,
    url: `${ctx.appUrl}/v1/webhooks/adyen`,
    headers: { 'content-type': 'application/json', 'user-agent': 'Adyen HttpClient 1.0' },
    body,
  });
  return item;
}
