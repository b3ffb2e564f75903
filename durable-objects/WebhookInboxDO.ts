import { adoptDedupTable, DedupInbox } from './dedup';
import {
  type BodySummary,
  type InboxRecordResult,
  MAX_EVENT_TYPE,
  MAX_WEBHOOK_ID,
  type UnmatchedNotification,
  type WebhookReceived,
} from './inbox/types';
import { OutboxObject } from './OutboxObject';

/**
 * One object per provider for authentic notifications that no owner acts on: those that name no
 * transaction or session we know (no metadata, another tenant's id, a payment made outside edgepay) are
 * kept as `unmatched`, where reconciliation picks them up; those we do not handle (an event type or status
 * we do not know, an object the provider does not know) are kept as `ignored`. Each is kept once per event
 * id and projected to webhook_inbox. Matched events are recorded by their owner's object.
 */
const SCHEMA = ['CREATE TABLE seen (event_id TEXT PRIMARY KEY, received_at INTEGER NOT NULL)', ...adoptDedupTable('seen')];

function bounded(value: string | null | undefined, max: number): string | null {
  return typeof value === 'string' ? value.slice(0, max) : null;
}

export class WebhookInboxDO extends OutboxObject {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env, 'WebhookInboxDO', SCHEMA);
  }

  async recordUnmatched(event: UnmatchedNotification, body?: BodySummary): Promise<InboxRecordResult> {
    return this.record(event, 'unmatched', null, body);
  }

  async recordIgnored(event: UnmatchedNotification, reason: string, body?: BodySummary): Promise<InboxRecordResult> {
    return this.record(event, 'ignored', reason, body);
  }

  /**
   * The outbox payload is a summary of bounded fields, never the notification's body: a queue message has a
   * size limit that a large (yet authentic) body would exceed.
   */
  private async record(
    event: UnmatchedNotification,
    status: 'unmatched' | 'ignored',
    reason: string | null,
    body: BodySummary | undefined,
  ): Promise<InboxRecordResult> {
    const now = Date.now();
    const eventId = event.eventId.slice(0, MAX_WEBHOOK_ID);
    const summary = {
      provider: event.provider,
      eventId,
      type: event.type.slice(0, MAX_EVENT_TYPE),
      transactionId: bounded(event.transactionId, MAX_WEBHOOK_ID),
      tenantId: bounded(event.tenantId, MAX_WEBHOOK_ID),
      reference: bounded(event.reference, MAX_WEBHOOK_ID),
      paymentReference: bounded(event.paymentReference, MAX_WEBHOOK_ID),
      outcome: status,
      ...(reason ? { reason: reason.slice(0, 64) } : {}),
      ...(body ? { bodyBytes: body.bytes, bodySha256: body.sha256 } : {}),
    };
    const result = this.ctx.storage.transactionSync(() => {
      if (!new DedupInbox(this.ctx.storage.sql).claim(eventId, now)) return 'duplicate' as const;
      const payload: WebhookReceived = {
        provider: summary.provider,
        webhookId: eventId,
        eventType: summary.type,
        transactionId: summary.transactionId,
        status,
        payload: summary,
      };
      this.outbox.append({ type: 'webhook.received', ...(summary.tenantId ? { tenantId: summary.tenantId } : {}), payload }, now);
      return 'recorded' as const;
    });
    await this.rearm();
    return result;
  }
}
