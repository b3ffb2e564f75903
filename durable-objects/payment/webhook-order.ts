import {
  decideExternalRefundEvent,
  decideOwnRefundEvent,
  decidePaymentEvent,
  type EventDecision,
  PAYMENT_EVENT_OF,
} from '../../src/domain/payment-events';
import type { PspEvent } from '../../src/psp/types';
import { insertExternalRefund, settleRefund } from './refunds';
import type { PaymentRow } from './schema';
import type { PaymentStore } from './store';

export type NotificationOutcome = 'applied' | 'parked' | 'stale' | 'ignored';

const OUTCOME: Record<EventDecision['kind'], NotificationOutcome> = { apply: 'applied', park: 'parked', stale: 'stale', ignore: 'ignored' };

/**
 * Applies PSP notifications in causal order: one that fits the current state is applied, one that
 * belongs before it is stale, one that belongs after it is parked in psp_events until its predecessor
 * has been applied.
 */
export class WebhookOrder {
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly store: PaymentStore,
    /** Runs inside the transaction in which a notification makes the payment PAID. */
    private readonly onPaid: (previous: PaymentRow, now: number) => void,
  ) {}

  /** Dedups by event id, applies or parks the event, records it, and drains what it unblocked; one transaction. */
  receive(event: PspEvent, now: number): NotificationOutcome | 'duplicate' {
    return this.storage.transactionSync(() => {
      const seen = this.storage.sql.exec('SELECT 1 FROM psp_events WHERE event_id = ?', event.eventId).toArray();
      if (seen.length) return 'duplicate' as const;
      const outcome = this.tryApply(event, now);
      this.storage.sql.exec(
        'INSERT INTO psp_events (event_id, payload, status, received_at, settled_at) VALUES (?, ?, ?, ?, ?)',
        event.eventId,
        JSON.stringify(event),
        outcome,
        now,
        outcome === 'parked' ? null : now,
      );
      this.store.recordNotification(event, outcome, now);
      if (outcome === 'applied') this.drainParked(now);
      return outcome;
    });
  }

  /** Inside a transaction: re-tries parked events, oldest first, until none more applies. */
  drainParked(now: number): void {
    for (let progress = true; progress; ) {
      progress = false;
      const parked = this.storage.sql
        .exec<{ event_id: string; payload: string }>(
          "SELECT event_id, payload FROM psp_events WHERE status = 'parked' ORDER BY received_at",
        )
        .toArray();
      for (const p of parked) {
        const event = JSON.parse(p.payload) as PspEvent;
        const outcome = this.tryApply(event, now);
        if (outcome === 'parked') continue;
        this.storage.sql.exec('UPDATE psp_events SET status = ?, settled_at = ? WHERE event_id = ?', outcome, now, p.event_id);
        this.store.recordNotification(event, outcome, now);
        progress = progress || outcome === 'applied';
      }
    }
  }

  /** Moves a refund to its PSP outcome; parked notifications it unblocks are retried in the same transaction. */
  settleRefund(refundId: string, outcome: 'succeeded' | 'pending' | 'failed', pspReference: string | null, now: number) {
    return settleRefund(this.storage, this.store, (t) => this.drainParked(t), refundId, outcome, pspReference, now);
  }

  /** Inside a transaction: applies what fits (domain/payment-events.ts decides), says what does not. */
  private tryApply(event: PspEvent, now: number): NotificationOutcome {
    const row = this.store.current();
    if (event.kind === 'other') return 'ignored';
    if (event.kind === 'payment') {
      const pspEvent = PAYMENT_EVENT_OF[event.outcome.status];
      const decision = decidePaymentEvent(row.state, pspEvent);
      if (decision.kind !== 'apply') return OUTCOME[decision.kind];
      const facts = event.outcome.status === 'succeeded' ? event.outcome.chargeReference : null;
      this.storage.sql.exec(
        'UPDATE payment SET state = ?, psp_reference = COALESCE(psp_reference, ?), charge_reference = COALESCE(?, charge_reference), version = version + 1, updated_at = ? WHERE id = 1',
        decision.next,
        event.reference,
        facts,
        now,
      );
      this.store.emit(pspEvent, now);
      if (decision.next === 'PAID' && row.state !== 'PAID') this.onPaid(row, now);
      return 'applied';
    }
    // Refund notification: ours (by refund id or PSP reference) or one made elsewhere.
    const ours = (event.refundId ? this.store.refundRow(event.refundId) : undefined) ?? this.store.refundByReference(event.reference);
    if (ours) {
      if (decideOwnRefundEvent(ours.status, event.status) === 'stale') return 'stale';
      this.settleRefund(ours.refund_id, event.status, event.reference, now);
      return 'applied';
    }
    const decision = decideExternalRefundEvent(row.state, event.status);
    if (decision.kind !== 'apply') return OUTCOME[decision.kind];
    const refundId = crypto.randomUUID();
    insertExternalRefund(this.storage.sql, { refundId, amount: event.amount, pspReference: event.reference, source: event.provider }, now);
    this.store.setState(decision.next, now);
    this.store.emitRefund('refund.created', refundId, now);
    this.settleRefund(refundId, event.status, event.reference, now);
    return 'applied';
  }
}
