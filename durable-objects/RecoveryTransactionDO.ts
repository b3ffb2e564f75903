import { newRecord, reopens } from '../src/domain/recovery';
import type { NotificationChannel } from '../src/notifications/types';
import { DedupInbox } from './dedup';
import { OutboxObject } from './OutboxObject';
import type { RecoveryContext } from './recovery/context';
import { applyDeliveryOutcome, findDelivery, planDelivery, settleDelivery, takeLease } from './recovery/deliveries';
import { isKnownCheckout, planCheckout, withCheckoutSession, withPaymentLink } from './recovery/links';
import { commitRecord, emitDelivery, transactionView } from './recovery/projection';
import { dueReminders, fireReminder, nextReminderDue, startReminders } from './recovery/reminders';
import { loadRecord } from './recovery/rows';
import { RECOVERY_SCHEMA } from './recovery/schema';
import type {
  AttachCheckoutCommand,
  AttachResult,
  CheckoutPlan,
  DeliveryOutcome,
  DeliveryPlan,
  RecordRecoveryCommand,
  RecordRecoveryResult,
  RecoveryCheckoutUpdate,
  RecoveryEventResult,
  RecoveryRecord,
  RecoveryStripeEvent,
  RecoveryTransactionView,
} from './recovery/types';
import { applyCheckoutUpdate, applyStripeEvent } from './recovery/webhooks';

/**
 * One object per failed payment to recover, named by (organization = tenant, transaction id). It keeps the
 * failed payment, its Stripe fields (payment intent, checkout session, customer, payment link, customer email
 * and phone), the recovery status, the payment attempts Stripe reported, and the reminder schedule with each
 * notification delivery. Every change is projected to Postgres through the outbox (`recovery.updated`,
 * `recovery.notification`); a due reminder is the outbox event `recovery.reminder_due`, which the outbox
 * consumer turns into messages on the `deliveries` queue.
 *
 * Recovery status: pending (recorded; or reopened) → link_sent (a reminder carrying a link was accepted by the
 * email or SMS provider) → completed (paid: checkout.session.completed, or the recovery checkout session
 * succeeded) | expired (the only link, a Checkout Session, expired unpaid and there is no payment link).
 * Completed is final; an expired transaction is reopened (pending, fresh schedule) by a new session or link.
 * Completing or expiring cancels the reminders still scheduled and the deliveries still queued.
 *
 * The work is split by concern under ./recovery/: schema (tables), rows (reading and writing them), projection
 * (views and outbox payloads), status (transitions), links (checkout session and payment link), reminders,
 * deliveries, and webhooks (Stripe events and checkout projections).
 */
export class RecoveryTransactionDO extends OutboxObject {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env, 'RecoveryTransactionDO', RECOVERY_SCHEMA);
  }

  private get rc(): RecoveryContext {
    return { sql: this.ctx.storage.sql, outbox: this.outbox, logger: this.logger };
  }

  private load(): RecoveryRecord | null {
    return loadRecord(this.ctx.storage.sql);
  }

  private loadFor(tenantId: string): RecoveryRecord | null {
    const record = this.load();
    return record && record.tenantId === tenantId ? record : null;
  }

  private view(record: RecoveryRecord): RecoveryTransactionView {
    return transactionView(this.ctx.storage.sql, record);
  }

  // ---- record and read ----------------------------------------------------------------------------

  async record(cmd: RecordRecoveryCommand): Promise<RecordRecoveryResult> {
    const existing = this.load();
    if (existing) {
      if (existing.tenantId !== cmd.tenantId || existing.requestHash !== cmd.requestHash) return { kind: 'conflict' };
      return { kind: 'replayed', view: this.view(existing) };
    }
    const now = Date.now();
    const record = newRecord(cmd, now);
    let saved = record;
    this.ctx.storage.transactionSync(() => {
      saved = commitRecord(this.rc, record, now);
    });
    await this.rearm();
    return { kind: 'created', view: this.view(saved) };
  }

  /** The transaction as its organization sees it; null when unknown or another organization's. */
  get(tenantId: string): RecoveryTransactionView | null {
    const record = this.loadFor(tenantId);
    return record ? this.view(record) : null;
  }

  // ---- links --------------------------------------------------------------------------------------

  /** One open Checkout Session per transaction: the one there is while it has time left, else the generation of a new one. */
  checkoutPlan(tenantId: string): CheckoutPlan {
    const record = this.loadFor(tenantId);
    if (!record) return { kind: 'not_found' };
    return planCheckout(record, this.view(record), Date.now());
  }

  async attachCheckoutSession(tenantId: string, cmd: AttachCheckoutCommand): Promise<AttachResult> {
    const record = this.loadFor(tenantId);
    if (!record) return { kind: 'not_found' };
    if (isKnownCheckout(record, cmd)) return { kind: 'existing', view: this.view(record) };
    if (record.recoveryStatus === 'completed') return { kind: 'completed' };
    return this.attach(record, withCheckoutSession(record, cmd));
  }

  /** The transaction's reusable payment link; the first one stored wins, so concurrent creations agree. */
  async attachPaymentLink(tenantId: string, link: { id: string; url: string }): Promise<AttachResult> {
    const record = this.loadFor(tenantId);
    if (!record) return { kind: 'not_found' };
    if (record.paymentLinkId) return { kind: 'existing', view: this.view(record) };
    if (record.recoveryStatus === 'completed') return { kind: 'completed' };
    return this.attach(record, withPaymentLink(record, link));
  }

  /** Stores a new link: the first one starts the reminder schedule, one that reopens the transaction a fresh schedule. */
  private async attach(record: RecoveryRecord, next: RecoveryRecord): Promise<AttachResult> {
    const now = Date.now();
    let saved = record;
    this.ctx.storage.transactionSync(() => {
      const scheduled = startReminders(this.ctx.storage.sql, this.config.notifications.reminderScheduleSeconds, reopens(record), now);
      if (scheduled !== null) this.logger.info('recovery.reminders_scheduled', { transactionId: record.transactionId, count: scheduled });
      saved = commitRecord(this.rc, next, now);
    });
    await this.rearm();
    return { kind: 'attached', view: this.view(saved) };
  }

  // ---- payment ------------------------------------------------------------------------------------

  /** A projection of one of this transaction's checkout sessions (outbox `checkout.updated`, purpose 'recovery'). */
  async observeCheckout(tenantId: string, u: RecoveryCheckoutUpdate): Promise<RecoveryEventResult> {
    const record = this.loadFor(tenantId);
    if (!record) return 'unknown_transaction';
    if (record.checkoutSessionRef === u.sessionRef && u.version <= record.checkoutVersion) return 'unchanged';
    const now = Date.now();
    let changed = false;
    this.ctx.storage.transactionSync(() => {
      const next = applyCheckoutUpdate(this.rc, record, u, now);
      if (next !== record) {
        commitRecord(this.rc, next, now);
        changed = true;
      }
    });
    await this.rearm();
    return changed ? 'applied' : 'unchanged';
  }

  /** checkout.session.completed / async_payment_succeeded, and payment_intent.succeeded / payment_failed, once per event id. */
  async applyStripeEvent(tenantId: string, e: RecoveryStripeEvent): Promise<RecoveryEventResult> {
    const record = this.loadFor(tenantId);
    if (!record) return 'unknown_transaction';
    if (!new DedupInbox(this.ctx.storage.sql).claim(e.eventId, Date.now())) return 'duplicate';
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      commitRecord(this.rc, applyStripeEvent(this.rc, record, e), now);
    });
    await this.rearm();
    return 'applied';
  }

  // ---- deliveries ---------------------------------------------------------------------------------

  /** Called by the deliveries consumer before it sends: what to send now, or why not. Takes a short lease. */
  async prepareDelivery(tenantId: string, deliveryId: string, channel: NotificationChannel): Promise<DeliveryPlan> {
    const record = this.loadFor(tenantId);
    const d = record ? findDelivery(this.ctx.storage.sql, deliveryId, channel) : undefined;
    if (!record || !d) return { kind: 'skip', reason: 'unknown' };
    const now = Date.now();
    const step = planDelivery(record, d, channel, now);
    if (step.kind === 'settle') {
      this.ctx.storage.transactionSync(() => {
        settleDelivery(this.ctx.storage.sql, d, step.status, now, step.error);
        emitDelivery(this.rc, record, d.delivery_id, d.channel, now);
      });
      await this.rearm();
    } else if (step.kind === 'lease') {
      takeLease(this.ctx.storage.sql, deliveryId, channel, now);
    }
    return step.plan;
  }

  /** The provider's answer for one delivery attempt: sent (first success moves pending → link_sent), or a failure. */
  async recordDelivery(
    tenantId: string,
    deliveryId: string,
    channel: NotificationChannel,
    outcome: DeliveryOutcome,
  ): Promise<'recorded' | 'unknown'> {
    const record = this.loadFor(tenantId);
    const d = record ? findDelivery(this.ctx.storage.sql, deliveryId, channel) : undefined;
    if (!record || !d) return 'unknown';
    if (d.status === 'sent') return 'recorded';
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      applyDeliveryOutcome(this.ctx.storage.sql, deliveryId, channel, outcome, now);
      if (outcome.ok && record.recoveryStatus === 'pending') commitRecord(this.rc, { ...record, recoveryStatus: 'link_sent' }, now);
      emitDelivery(this.rc, record, deliveryId, channel, now);
    });
    await this.rearm();
    return 'recorded';
  }

  // ---- deadlines: due reminders ---------------------------------------------------------------------

  protected override nextDeadline(): number | null {
    return nextReminderDue(this.ctx.storage.sql);
  }

  protected override async onDeadline(now: number): Promise<void> {
    for (const seq of dueReminders(this.ctx.storage.sql, now)) {
      const record = this.load();
      if (!record) return;
      this.ctx.storage.transactionSync(() => fireReminder(this.rc, record, seq, now));
    }
  }
}
