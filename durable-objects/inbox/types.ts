import { z } from 'zod';

/**
 * WebhookInboxDO's contract, and the `webhook.received` payload that it and PaymentDO emit (the outbox
 * consumer parses with the same schema).
 */

/** Size and SHA-256 of the raw body as received: what is kept of it (a body can be up to MAX_BODY_BYTES). */
export type BodySummary = { bytes: number; sha256: string };

/** Any provider notification nobody acts on (a PspEvent, a CheckoutNotification). */
export type UnmatchedNotification = {
  provider: string;
  eventId: string;
  type: string;
  transactionId?: string | null;
  tenantId?: string | null;
  reference?: string | null;
  paymentReference?: string | null;
};

export type InboxRecordResult = 'recorded' | 'duplicate';

/** The webhook_inbox columns bound the id (255) and the event type (128). */
export const MAX_WEBHOOK_ID = 255;
export const MAX_EVENT_TYPE = 128;

/** `webhook.received`: one provider notification and what became of it, for webhook_inbox. */
export const WebhookReceived = z.object({
  provider: z.string().min(1),
  webhookId: z.string().min(1).max(MAX_WEBHOOK_ID),
  eventType: z.string().min(1).max(MAX_EVENT_TYPE),
  transactionId: z.string().nullable(),
  status: z.string().min(1),
  payload: z.unknown(),
});
export type WebhookReceived = z.infer<typeof WebhookReceived>;
