import { isPaid } from '../src/domain/checkout';
import { parseConfig } from '../src/env';
import { createLogger, parseLogLevel } from '../src/lib/logger';
import { payLinkFor, reminderTimes } from '../src/notifications/schedule';
import type { DeliveryStatus, NotificationChannel } from '../src/notifications/types';
import { OutboxObject } from './OutboxObject';
import type {
  AttachCheckoutCommand,
  AttachResult,
  CheckoutPlan,
  DeliveryOutcome,
  DeliveryPlan,
  RecordRecoveryCommand,
  RecordRecoveryResult,
  RecoveryCheckoutUpdate,
  RecoveryDeliveryView,
  RecoveryEventResult,
  RecoveryPaymentAttempt,
  RecoveryProjection,
  RecoveryRecord,
  RecoveryReminderView,
  RecoveryStripeEvent,
  RecoveryTransactionRow,
  RecoveryTransactionView,
  ReminderDuePayload,
} from './recovery-types';

/**
 * One object per payment to recover (seed 002), named by (organization = tenant, transaction id). It keeps
 * the failed payment, the seed's Stripe fields (payment intent, checkout session, customer, payment link,
 * customer email and phone), the recovery status, the payment attempts Stripe reported, and the reminder
 * schedule with each notification delivery. Every change is projected to Postgres through the outbox
 * (`recovery.updated`, `recovery.notification`); a due reminder is the outbox event `recovery.reminder_due`,
 * which the outbox consumer turns into messages on the `deliveries` queue.
 *
 * Recovery status: pending (recorded; or reopened) → link_sent (a reminder carrying a link was accepted by the
 * email or SMS provider) → completed (paid: checkout.session.completed, or the recovery checkout session
 * succeeded) | expired (the only link, a Checkout Session, expired unpaid and there is no payment link).
 * Completed is final; an expired transaction is reopened (pending, fresh schedule) by a new session or link.
 * Completing or expiring cancels the reminders still scheduled and the deliveries still queued.
 */
const SCHEMA = [
  'CREATE TABLE txn (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL)',
  'CREATE TABLE seen_events (event_id TEXT PRIMARY KEY, received_at INTEGER NOT NULL)',
  `CREATE TABLE attempts (
     attempt_id TEXT PRIMARY KEY, payment_intent_id TEXT, status TEXT NOT NULL, amount INTEGER, currency TEXT,
     failure_code TEXT, failure_message TEXT, source TEXT NOT NULL, occurred_at INTEGER NOT NULL
   )`,
  `CREATE TABLE reminders (
     seq INTEGER PRIMARY KEY, due_at INTEGER NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('scheduled', 'due', 'cancelled')), updated_at INTEGER NOT NULL
   )`,
  `CREATE TABLE deliveries (
     delivery_id TEXT NOT NULL, channel TEXT NOT NULL CHECK (channel IN ('email', 'sms')), reminder_seq INTEGER NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('queued', 'retrying', 'sent', 'failed', 'skipped', 'cancelled')),
     lease_until INTEGER, attempts INTEGER NOT NULL DEFAULT 0, provider_message_id TEXT, last_error TEXT, sent_at INTEGER,
     version INTEGER NOT NULL DEFAULT 1, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
     PRIMARY KEY (delivery_id, channel)
   )`,
] as const;

const DELIVERY_LEASE_MS = 60_000;

type AttemptRow = {
  attempt_id: string;
  payment_intent_id: string | null;
  status: RecoveryPaymentAttempt['status'];
  amount: number | null;
  currency: string | null;
  failure_code: string | null;
  failure_message: string | null;
  source: string;
  occurred_at: number;
};
type DeliveryRow = {
  delivery_id: string;
  channel: NotificationChannel;
  reminder_seq: number;
  status: DeliveryStatus;
  lease_until: number | null;
  attempts: number;
  provider_message_id: string | null;
  last_error: string | null;
  sent_at: number | null;
  version: number;
  created_at: number;
  updated_at: number;
};

export class RecoveryTransactionDO extends OutboxObject {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env, 'RecoveryTransactionDO', SCHEMA);
  }

  private get logger() {
    return createLogger(parseLogLevel(this.env.LOG_LEVEL), { object: 'RecoveryTransactionDO' });
  }

  private load(): RecoveryRecord | null {
    const row = this.ctx.storage.sql.exec<{ data: string }>('SELECT data FROM txn WHERE id = 1').toArray()[0];
    return row ? (JSON.parse(row.data) as RecoveryRecord) : null;
  }

  private loadFor(tenantId: string): RecoveryRecord | null {
    const record = this.load();
    return record && record.tenantId === tenantId ? record : null;
  }

  private save(record: RecoveryRecord): void {
    this.ctx.storage.sql.exec(
      'INSERT INTO txn (id, data) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data',
      JSON.stringify(record),
    );
  }

  private attempts(): RecoveryPaymentAttempt[] {
    return this.ctx.storage.sql
      .exec<AttemptRow>('SELECT * FROM attempts ORDER BY occurred_at, attempt_id')
      .toArray()
      .map((a) => ({
        attemptId: a.attempt_id,
        paymentIntentId: a.payment_intent_id,
        status: a.status,
        amount: a.amount,
        currency: a.currency,
        failureCode: a.failure_code,
        failureMessage: a.failure_message,
        source: a.source,
        occurredAt: a.occurred_at,
      }));
  }

  private deliveryRows(where = '1 = 1', ...args: (string | number)[]): DeliveryRow[] {
    return this.ctx.storage.sql
      .exec<DeliveryRow>(`SELECT * FROM deliveries WHERE ${where} ORDER BY reminder_seq, channel`, ...args)
      .toArray();
  }

  private deliveryView(record: RecoveryRecord, d: DeliveryRow): RecoveryDeliveryView {
    return {
      deliveryId: d.delivery_id,
      transactionId: record.transactionId,
      tenantId: record.tenantId,
      reminderSeq: d.reminder_seq,
      channel: d.channel,
      status: d.status,
      attempts: d.attempts,
      providerMessageId: d.provider_message_id,
      lastError: d.last_error,
      sentAt: d.sent_at,
      version: d.version,
      createdAt: d.created_at,
      updatedAt: d.updated_at,
    };
  }

  private row(record: RecoveryRecord): RecoveryTransactionRow {
    const { requestHash: _h, checkoutGeneration: _g, checkoutVersion: _v, ...row } = record;
    return row;
  }

  private view(record: RecoveryRecord): RecoveryTransactionView {
    const reminders = this.ctx.storage.sql
      .exec<{ seq: number; due_at: number; status: RecoveryReminderView['status'] }>(
        'SELECT seq, due_at, status FROM reminders ORDER BY seq',
      )
      .toArray()
      .map((r) => ({ seq: r.seq, dueAt: r.due_at, status: r.status }));
    return {
      ...this.row(record),
      paymentAttempts: this.attempts(),
      reminders,
      deliveries: this.deliveryRows().map((d) => this.deliveryView(record, d)),
    };
  }

  /** Saves the record as a new version and appends its projection; call inside transactionSync. */
  private commit(record: RecoveryRecord, now: number): RecoveryRecord {
    const next = { ...record, updatedAt: now, version: record.version + 1 };
    this.save(next);
    const payload: RecoveryProjection = { transaction: this.row(next), paymentAttempts: this.attempts() };
    this.outbox.append({ type: 'recovery.updated', tenantId: next.tenantId, payload }, now);
    return next;
  }

  private emitDelivery(record: RecoveryRecord, deliveryId: string, channel: NotificationChannel, now: number): void {
    const d = this.deliveryRows('delivery_id = ? AND channel = ?', deliveryId, channel)[0];
    if (d)
      this.outbox.append(
        { type: 'recovery.notification', tenantId: record.tenantId, payload: { delivery: this.deliveryView(record, d) } },
        now,
      );
  }

  // ---- record and read ----------------------------------------------------------------------------

  async record(cmd: RecordRecoveryCommand): Promise<RecordRecoveryResult> {
    const existing = this.load();
    if (existing) {
      if (existing.tenantId !== cmd.tenantId || existing.requestHash !== cmd.requestHash) return { kind: 'conflict' };
      return { kind: 'replayed', view: this.view(existing) };
    }
    const now = Date.now();
    const record: RecoveryRecord = {
      transactionId: cmd.transactionId,
      tenantId: cmd.tenantId,
      amount: cmd.amount,
      currency: cmd.currency,
      description: cmd.description,
      failureReason: cmd.failureReason,
      customerEmail: cmd.customerEmail,
      customerPhone: cmd.customerPhone,
      recoveryStatus: 'pending',
      stripePaymentIntentId: null,
      stripeCheckoutSessionId: null,
      stripeCustomerId: null,
      checkoutSessionRef: null,
      checkoutUrl: null,
      checkoutExpiresAt: null,
      checkoutStatus: null,
      paymentLinkId: null,
      paymentLinkUrl: null,
      amountPaid: 0,
      completedAt: null,
      createdAt: now,
      updatedAt: now,
      version: 0,
      requestHash: cmd.requestHash,
      checkoutGeneration: 0,
      checkoutVersion: 0,
    };
    let saved = record;
    this.ctx.storage.transactionSync(() => {
      saved = this.commit(record, now);
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
    if (record.recoveryStatus === 'completed') return { kind: 'completed' };
    const open = record.checkoutStatus === 'open' || record.checkoutStatus === 'processing';
    if (record.checkoutSessionRef && open && (record.checkoutExpiresAt ?? 0) > Date.now() + 60_000) {
      return { kind: 'existing', view: this.view(record) };
    }
    return { kind: 'create', generation: record.checkoutGeneration + 1, view: this.view(record) };
  }

  async attachCheckoutSession(tenantId: string, cmd: AttachCheckoutCommand): Promise<AttachResult> {
    const record = this.loadFor(tenantId);
    if (!record) return { kind: 'not_found' };
    if (record.checkoutSessionRef === cmd.sessionRef || cmd.generation < record.checkoutGeneration) {
      return { kind: 'existing', view: this.view(record) };
    }
    if (record.recoveryStatus === 'completed') return { kind: 'completed' };
    const now = Date.now();
    let saved = record;
    this.ctx.storage.transactionSync(() => {
      const reopened = record.recoveryStatus === 'expired';
      const next: RecoveryRecord = {
        ...record,
        checkoutSessionRef: cmd.sessionRef,
        stripeCheckoutSessionId: cmd.providerSessionId,
        checkoutUrl: cmd.url,
        checkoutExpiresAt: cmd.expiresAt,
        checkoutStatus: cmd.status,
        checkoutGeneration: cmd.generation,
        checkoutVersion: 0,
        recoveryStatus: reopened ? 'pending' : record.recoveryStatus,
      };
      this.startReminders(record, reopened, now);
      saved = this.commit(next, now);
    });
    await this.rearm();
    return { kind: 'attached', view: this.view(saved) };
  }

  /** The transaction's reusable payment link; the first one stored wins, so concurrent creations agree. */
  async attachPaymentLink(tenantId: string, link: { id: string; url: string }): Promise<AttachResult> {
    const record = this.loadFor(tenantId);
    if (!record) return { kind: 'not_found' };
    if (record.paymentLinkId) return { kind: 'existing', view: this.view(record) };
    if (record.recoveryStatus === 'completed') return { kind: 'completed' };
    const now = Date.now();
    let saved = record;
    this.ctx.storage.transactionSync(() => {
      const reopened = record.recoveryStatus === 'expired';
      this.startReminders(record, reopened, now);
      saved = this.commit(
        { ...record, paymentLinkId: link.id, paymentLinkUrl: link.url, recoveryStatus: reopened ? 'pending' : record.recoveryStatus },
        now,
      );
    });
    await this.rearm();
    return { kind: 'attached', view: this.view(saved) };
  }

  /** The first link starts the schedule (config RECOVERY_REMINDER_SCHEDULE, first at once); reopening starts a fresh one. */
  private startReminders(record: RecoveryRecord, reopened: boolean, now: number): void {
    const started = this.ctx.storage.sql
      .exec<{ n: number; last: number | null }>('SELECT COUNT(*) AS n, MAX(seq) AS last FROM reminders')
      .one();
    if (started.n > 0 && !reopened) return;
    const offsets = parseConfig(this.env as Parameters<typeof parseConfig>[0]).notifications.reminderScheduleSeconds;
    let seq = started.last ?? 0;
    for (const dueAt of reminderTimes(now, offsets)) {
      seq += 1;
      this.ctx.storage.sql.exec("INSERT INTO reminders (seq, due_at, status, updated_at) VALUES (?, ?, 'scheduled', ?)", seq, dueAt, now);
    }
    this.logger.info('recovery.reminders_scheduled', { transactionId: record.transactionId, count: seq - (started.last ?? 0) });
  }

  // ---- payment ------------------------------------------------------------------------------------

  /** A projection of one of this transaction's checkout sessions (outbox `checkout.updated`, purpose 'recovery'). */
  async observeCheckout(tenantId: string, u: RecoveryCheckoutUpdate): Promise<RecoveryEventResult> {
    const record = this.loadFor(tenantId);
    if (!record) return 'unknown_transaction';
    const current = record.checkoutSessionRef === u.sessionRef;
    if (current && u.version <= record.checkoutVersion) return 'unchanged';
    const now = Date.now();
    let changed = false;
    this.ctx.storage.transactionSync(() => {
      let next = record;
      if (current) next = { ...next, checkoutStatus: u.status, checkoutVersion: u.version };
      if (isPaid(u.status)) {
        const completed = this.complete(next, {
          amount: u.amountPaid,
          currency: u.currency,
          paymentIntentId: u.paymentReference,
          sessionId: u.providerSessionId,
          source: 'checkout.updated',
          attemptId: `checkout:${u.sessionRef}`,
          occurredAt: now,
        });
        if (completed) next = completed;
      } else if (
        current &&
        (u.status === 'expired' || u.status === 'canceled') &&
        !next.paymentLinkId &&
        next.recoveryStatus !== 'completed'
      ) {
        next = { ...next, recoveryStatus: 'expired' };
        this.cancelPending(next, now);
      }
      if (next !== record) {
        this.commit(next, now);
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
    const fresh = this.ctx.storage.sql
      .exec(
        'INSERT INTO seen_events (event_id, received_at) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING event_id',
        e.eventId,
        Date.now(),
      )
      .toArray();
    if (fresh.length === 0) return 'duplicate';
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      let next: RecoveryRecord = { ...record, stripeCustomerId: e.customerId ?? record.stripeCustomerId };
      if (e.kind === 'session') {
        const paid = e.paymentStatus === 'paid' || e.paymentStatus === 'no_payment_required';
        if (paid && e.amountTotal !== null && e.currency) {
          next =
            this.complete(next, {
              amount: e.amountTotal,
              currency: e.currency,
              paymentIntentId: e.paymentIntentId,
              sessionId: e.sessionId,
              source: e.type,
              attemptId: e.eventId,
              occurredAt: e.occurredAt,
            }) ?? next;
        } else {
          this.recordAttempt({
            attemptId: e.eventId,
            paymentIntentId: e.paymentIntentId,
            status: 'processing',
            amount: e.amountTotal,
            currency: e.currency,
            failureCode: null,
            failureMessage: null,
            source: e.type,
            occurredAt: e.occurredAt,
          });
          next = { ...next, stripePaymentIntentId: e.paymentIntentId ?? next.stripePaymentIntentId };
        }
      } else {
        this.recordAttempt({
          attemptId: e.eventId,
          paymentIntentId: e.paymentIntentId,
          status: e.status,
          amount: e.amount,
          currency: e.currency,
          failureCode: e.failureCode,
          failureMessage: e.failureMessage,
          source: e.type,
          occurredAt: e.occurredAt,
        });
        // A success names the payment; a failure only when nothing better is known yet.
        if (e.status === 'succeeded' || !next.stripePaymentIntentId) next = { ...next, stripePaymentIntentId: e.paymentIntentId };
      }
      this.commit(next, now);
    });
    await this.rearm();
    return 'applied';
  }

  /** Once per event; a success already recorded for the same PaymentIntent (its event, or the session's) is not recorded again. */
  private recordAttempt(a: RecoveryPaymentAttempt): void {
    if (a.status === 'succeeded' && a.paymentIntentId) {
      const known = this.ctx.storage.sql
        .exec("SELECT 1 FROM attempts WHERE payment_intent_id = ? AND status = 'succeeded'", a.paymentIntentId)
        .toArray();
      if (known.length > 0) return;
    }
    this.ctx.storage.sql.exec(
      `INSERT INTO attempts (attempt_id, payment_intent_id, status, amount, currency, failure_code, failure_message, source, occurred_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (attempt_id) DO NOTHING`,
      a.attemptId,
      a.paymentIntentId,
      a.status,
      a.amount,
      a.currency,
      a.failureCode,
      a.failureMessage,
      a.source,
      a.occurredAt,
    );
  }

  /**
   * Marks the transaction completed (once) when the money paid covers it in its currency; records the payment
   * as an attempt either way. Returns the new record, or null when nothing completes (already, or a mismatch).
   */
  private complete(
    record: RecoveryRecord,
    paid: {
      amount: number;
      currency: string;
      paymentIntentId: string | null;
      sessionId: string;
      source: string;
      attemptId: string;
      occurredAt: number;
    },
  ): RecoveryRecord | null {
    const covers = paid.currency.toUpperCase() === record.currency && paid.amount >= record.amount;
    this.recordAttempt({
      attemptId: paid.attemptId,
      paymentIntentId: paid.paymentIntentId,
      status: 'succeeded',
      amount: paid.amount,
      currency: paid.currency.toUpperCase(),
      failureCode: covers ? null : 'amount_mismatch',
      failureMessage: covers ? null : `paid ${paid.amount} ${paid.currency.toUpperCase()} for ${record.amount} ${record.currency}`,
      source: paid.source,
      occurredAt: paid.occurredAt,
    });
    if (record.recoveryStatus === 'completed') return null;
    if (!covers) {
      this.logger.warn('recovery.payment_mismatch', { transactionId: record.transactionId, source: paid.source });
      return null;
    }
    const now = Date.now();
    const next: RecoveryRecord = {
      ...record,
      recoveryStatus: 'completed',
      amountPaid: paid.amount,
      completedAt: now,
      stripePaymentIntentId: paid.paymentIntentId ?? record.stripePaymentIntentId,
      stripeCheckoutSessionId: paid.sessionId,
    };
    this.cancelPending(next, now);
    this.logger.info('recovery.completed', { transactionId: record.transactionId, source: paid.source });
    return next;
  }

  /** Paid or expired: reminders still scheduled and deliveries still waiting are cancelled (and projected). */
  private cancelPending(record: RecoveryRecord, now: number): void {
    this.ctx.storage.sql.exec("UPDATE reminders SET status = 'cancelled', updated_at = ? WHERE status = 'scheduled'", now);
    for (const d of this.deliveryRows("status IN ('queued', 'retrying')")) {
      this.ctx.storage.sql.exec(
        "UPDATE deliveries SET status = 'cancelled', lease_until = NULL, version = version + 1, updated_at = ? WHERE delivery_id = ? AND channel = ?",
        now,
        d.delivery_id,
        d.channel,
      );
      this.emitDelivery(record, d.delivery_id, d.channel, now);
    }
  }

  // ---- deliveries ---------------------------------------------------------------------------------

  /** Called by the deliveries consumer before it sends: what to send now, or why not. Takes a short lease. */
  async prepareDelivery(tenantId: string, deliveryId: string, channel: NotificationChannel): Promise<DeliveryPlan> {
    const record = this.loadFor(tenantId);
    const d = record ? this.deliveryRows('delivery_id = ? AND channel = ?', deliveryId, channel)[0] : undefined;
    if (!record || !d) return { kind: 'skip', reason: 'unknown' };
    if (d.status === 'sent') return { kind: 'skip', reason: 'already_sent' };
    if (d.status === 'cancelled' || d.status === 'skipped' || d.status === 'failed') return { kind: 'skip', reason: d.status };
    const now = Date.now();
    if (record.recoveryStatus === 'completed' || record.recoveryStatus === 'expired') {
      await this.settle(record, d, 'cancelled', now, null);
      return { kind: 'skip', reason: record.recoveryStatus };
    }
    const payUrl = payLinkFor(record, now);
    const recipient = channel === 'email' ? record.customerEmail : record.customerPhone;
    if (!payUrl || !recipient) {
      await this.settle(record, d, 'skipped', now, payUrl ? 'no recipient' : 'no usable link');
      return { kind: 'skip', reason: payUrl ? 'no_recipient' : 'no_link' };
    }
    if (d.lease_until !== null && d.lease_until > now) return { kind: 'busy' };
    this.ctx.storage.sql.exec(
      'UPDATE deliveries SET lease_until = ? WHERE delivery_id = ? AND channel = ?',
      now + DELIVERY_LEASE_MS,
      deliveryId,
      channel,
    );
    return {
      kind: 'send',
      channel,
      recipient,
      content: { amount: record.amount, currency: record.currency, description: record.description, payUrl, reminderSeq: d.reminder_seq },
    };
  }

  private async settle(record: RecoveryRecord, d: DeliveryRow, status: DeliveryStatus, now: number, error: string | null): Promise<void> {
    this.ctx.storage.transactionSync(() => {
      this.ctx.storage.sql.exec(
        `UPDATE deliveries SET status = ?, lease_until = NULL, last_error = COALESCE(?, last_error), version = version + 1, updated_at = ?
         WHERE delivery_id = ? AND channel = ?`,
        status,
        error,
        now,
        d.delivery_id,
        d.channel,
      );
      this.emitDelivery(record, d.delivery_id, d.channel, now);
    });
    await this.rearm();
  }

  /** The provider's answer for one delivery attempt: sent (first success moves pending → link_sent), or a failure. */
  async recordDelivery(
    tenantId: string,
    deliveryId: string,
    channel: NotificationChannel,
    outcome: DeliveryOutcome,
  ): Promise<'recorded' | 'unknown'> {
    const record = this.loadFor(tenantId);
    const d = record ? this.deliveryRows('delivery_id = ? AND channel = ?', deliveryId, channel)[0] : undefined;
    if (!record || !d) return 'unknown';
    if (d.status === 'sent') return 'recorded';
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      if (outcome.ok) {
        this.ctx.storage.sql.exec(
          `UPDATE deliveries SET status = 'sent', attempts = attempts + 1, provider_message_id = ?, sent_at = ?, lease_until = NULL,
             last_error = NULL, version = version + 1, updated_at = ? WHERE delivery_id = ? AND channel = ?`,
          outcome.providerMessageId,
          now,
          now,
          deliveryId,
          channel,
        );
        if (record.recoveryStatus === 'pending') this.commit({ ...record, recoveryStatus: 'link_sent' }, now);
      } else {
        this.ctx.storage.sql.exec(
          `UPDATE deliveries SET status = ?, attempts = attempts + 1, last_error = ?, lease_until = NULL, version = version + 1, updated_at = ?
           WHERE delivery_id = ? AND channel = ?`,
          outcome.permanent ? 'failed' : 'retrying',
          outcome.error.slice(0, 300),
          now,
          deliveryId,
          channel,
        );
      }
      this.emitDelivery(record, deliveryId, channel, now);
    });
    await this.rearm();
    return 'recorded';
  }

  // ---- deadlines: due reminders ---------------------------------------------------------------------

  protected override nextDeadline(): number | null {
    const row = this.ctx.storage.sql
      .exec<{ due: number | null }>("SELECT MIN(due_at) AS due FROM reminders WHERE status = 'scheduled'")
      .toArray()[0];
    return row?.due ?? null;
  }

  protected override async onDeadline(now: number): Promise<void> {
    const due = this.ctx.storage.sql
      .exec<{ seq: number }>("SELECT seq FROM reminders WHERE status = 'scheduled' AND due_at <= ? ORDER BY seq", now)
      .toArray();
    for (const { seq } of due) {
      const record = this.load();
      if (!record) return;
      this.ctx.storage.transactionSync(() => {
        if (record.recoveryStatus === 'completed' || record.recoveryStatus === 'expired') {
          this.ctx.storage.sql.exec("UPDATE reminders SET status = 'cancelled', updated_at = ? WHERE seq = ?", now, seq);
          return;
        }
        this.ctx.storage.sql.exec("UPDATE reminders SET status = 'due', updated_at = ? WHERE seq = ?", now, seq);
        const deliveryId = `${record.transactionId}:${seq}`;
        const channels: NotificationChannel[] = [];
        if (record.customerEmail) channels.push('email');
        if (record.customerPhone) channels.push('sms');
        for (const channel of channels) {
          this.ctx.storage.sql.exec(
            `INSERT INTO deliveries (delivery_id, channel, reminder_seq, status, created_at, updated_at)
             VALUES (?, ?, ?, 'queued', ?, ?) ON CONFLICT DO NOTHING`,
            deliveryId,
            channel,
            seq,
            now,
            now,
          );
        }
        const deliveries = this.deliveryRows('delivery_id = ?', deliveryId).map((d) => this.deliveryView(record, d));
        const payload: ReminderDuePayload = {
          transactionId: record.transactionId,
          tenantId: record.tenantId,
          reminderSeq: seq,
          deliveries,
        };
        this.outbox.append({ type: 'recovery.reminder_due', tenantId: record.tenantId, payload }, now);
      });
    }
  }
}
