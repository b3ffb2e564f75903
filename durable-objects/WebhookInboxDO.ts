import { OutboxObject } from './OutboxObject';

/**
 * One object per provider for notifications that name no transaction we know (no metadata, another
 * tenant's id, a payment made outside edgepay): kept once per event id and projected to webhook_inbox
 * as `unmatched`, where reconciliation picks them up. Matched events are recorded by their PaymentDO.
 */
const SCHEMA = ['CREATE TABLE seen (event_id TEXT PRIMARY KEY, received_at INTEGER NOT NULL)'] as const;

/** Any provider notification we could not route (a PspEvent, a CheckoutNotification); kept whole as the payload. */
export type UnmatchedNotification = {
  provider: string;
  eventId: string;
  type: string;
  transactionId?: string | null;
  tenantId?: string | null;
};

export class WebhookInboxDO extends OutboxObject {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env, 'WebhookInboxDO', SCHEMA);
  }

  async recordUnmatched(event: UnmatchedNotification): Promise<'recorded' | 'duplicate'> {
    const now = Date.now();
    const result = this.ctx.storage.transactionSync(() => {
      const fresh = this.ctx.storage.sql
        .exec('INSERT INTO seen (event_id, received_at) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING event_id', event.eventId, now)
        .toArray();
      if (fresh.length === 0) return 'duplicate' as const;
      this.outbox.append(
        {
          type: 'webhook.received',
          ...(event.tenantId ? { tenantId: event.tenantId } : {}),
          payload: {
            provider: event.provider,
            webhookId: event.eventId,
            eventType: event.type,
            transactionId: event.transactionId ?? null,
            status: 'unmatched',
            payload: event,
          },
        },
        now,
      );
      return 'recorded' as const;
    });
    await this.rearm();
    return result;
  }
}
