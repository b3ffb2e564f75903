import { PAYMENT_EVENT_OF } from '../src/domain/payment-events';
import { type PaymentEvent, toApiStatus, transition } from '../src/domain/payment-state';
import { planRefund } from '../src/domain/refunds';
import { pspFailureRefusal } from '../src/lib/psp-errors';
import { ticketPayments } from '../src/psp/registry';
import type { PspChargeOutcome, PspEvent } from '../src/psp/types';
import { OutboxObject } from './OutboxObject';
import { riskAssessedPayload } from './payment/assessment';
import { applyDispute, type DisputeNotice } from './payment/disputes';
import { releaseHolds } from './payment/holds';
import { idempotent } from './payment/idempotency';
import { limitConfirmDueAt, runLimitConfirm, scheduleLimitConfirm } from './payment/limit-confirm';
import { priceAndReserve } from './payment/order';
import { insertApiRefund, processingRefund } from './payment/refunds';
import { pspDidNotAnswer, successBody } from './payment/replies';
import { PAYMENT_SCHEMA_STEPS, type PaymentRow, type RefundRow } from './payment/schema';
import { toSnapshot } from './payment/snapshot';
import { PaymentStore } from './payment/store';
import { runTicketTasks, scheduleTicketIssue, ticketTasksDueAt } from './payment/tickets';
import { nextState } from './payment/transitions';
import type { PaymentResult, PaymentSnapshot, ProcessInput, PspEventStatus, ReconcileAction, RefundInput, Reply } from './payment/types';
import { WebhookOrder } from './payment/webhook-order';

/** A payment untouched this long in PENDING or PROCESSING is reconciled (API: stale PENDING > 15 min). */
export const RECONCILE_STALE_MS = 15 * 60_000;

/**
 * One object per transaction, named by the keyed hash of (tenant, user, Idempotency-Key): every
 * duplicate of a request meets here. The idempotency decision is taken before the first await, so
 * concurrent duplicates see "in progress"; PROCESSING and the deterministic PSP key are recorded before
 * the PSP is called, so a retry after a crash or timeout repeats the same PSP operation, never a new one.
 */
export class PaymentDO extends OutboxObject {
  private readonly store: PaymentStore;
  private readonly webhooks: WebhookOrder;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env, 'PaymentDO', PAYMENT_SCHEMA_STEPS);
    this.store = new PaymentStore(ctx.storage, this.outbox);
    this.webhooks = new WebhookOrder(ctx.storage, this.store, (previous, now) => this.schedulePaidTasks(previous, now));
  }

  snapshot(): PaymentSnapshot | null {
    const row = this.store.row();
    return row ? toSnapshot(row) : null;
  }

  // ── process ────────────────────────────────────────────────────────────────

  process(input: ProcessInput): Promise<PaymentResult> {
    return idempotent(this.ctx.storage.sql, 'process', input, () => this.executeProcess(input));
  }

  private async executeProcess(input: ProcessInput): Promise<Reply> {
    const existing = this.store.row();
    if (existing && existing.tenant_id !== input.tenantId) throw new Error('transaction id collision across tenants');
    if (existing?.state === 'PROCESSING') return this.charge(input);
    if (existing && existing.state !== 'PAYMENT_FAILED' && existing.state !== 'PENDING')
      return { ok: true, status: 200, body: successBody(existing) };

    const { request } = input;
    const priced = await priceAndReserve(this.env, input);
    const assessed = priced.facts ? riskAssessedPayload(input, priced.facts, Date.now()) : null;
    if (!priced.ok) {
      if (assessed) {
        this.ctx.storage.transactionSync(() =>
          this.outbox.append({ type: 'risk.assessed', tenantId: input.tenantId, payload: assessed }, Date.now()),
        );
        await this.rearm();
      }
      return priced.reply;
    }
    const { order, facts } = priced;
    const { event, venue, tax, fees } = order;

    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      if (assessed) this.outbox.append({ type: 'risk.assessed', tenantId: input.tenantId, payload: assessed }, now);
      const previous = this.store.row();
      const attempt = (previous?.attempt ?? 0) + 1;
      const state = previous ? nextState(previous.state, 'payment.retry') : nextState('PENDING', 'payment.processing');
      this.ctx.storage.sql.exec(
        `INSERT INTO payment (id, transaction_id, tenant_id, user_id, venue_id, event_id, idempotency_key, state, currency, amount, fees, tax, tickets,
           payment_method_id, provider, connected_account, attempt, version, created_at, updated_at,
           admission_jti, device_fingerprint, payment_method_fingerprint)
         VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'stripe', ?, ?, 1, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET state = excluded.state, fees = excluded.fees, tax = excluded.tax, tickets = excluded.tickets, amount = excluded.amount,
           payment_method_id = excluded.payment_method_id, attempt = excluded.attempt, failure_code = NULL, version = payment.version + 1, updated_at = excluded.updated_at,
           admission_jti = excluded.admission_jti, device_fingerprint = excluded.device_fingerprint,
           payment_method_fingerprint = excluded.payment_method_fingerprint`,
        input.transactionId,
        input.tenantId,
        input.userId,
        venue.venueId,
        event.eventId,
        input.idempotencyKey,
        state,
        event.currency,
        fees.total,
        JSON.stringify(fees),
        JSON.stringify(tax),
        JSON.stringify(request.tickets),
        request.paymentMethod.paymentMethodId,
        venue.stripeAccountId ?? null,
        attempt,
        now,
        now,
        facts.admissionJti ?? null,
        request.deviceFingerprint ?? null,
        facts.cardFingerprint ?? null,
      );
      this.store.emit(previous ? 'payment.retrying' : 'payment.created', now);
    });
    // The alarm is armed once the charge has an outcome, so this row and the outcome's leave in one flush
    // instead of two. Committed rows are never stranded: every way out re-arms here, and an object that
    // restarts re-arms in its constructor.
    try {
      return await this.charge(input);
    } finally {
      await this.rearm();
    }
  }

  /** Calls the PSP for the current attempt (same deterministic key on every retry) and applies the outcome. */
  private async charge(input: ProcessInput): Promise<Reply> {
    const row = this.store.current();
    const result = await ticketPayments(this.env, this.config, row.provider).charge({
      transactionId: row.transaction_id,
      tenantId: row.tenant_id,
      amount: row.amount,
      currency: row.currency,
      paymentMethodId: row.payment_method_id,
      idempotencyKey: `${row.transaction_id}:charge:${row.attempt}`,
      connectedAccount: row.connected_account ?? undefined,
      description: `edgepay ${row.transaction_id}`,
      returnUrl: input.request.returnUrl,
      metadata: { event_id: row.event_id, venue_id: row.venue_id },
    });
    if (!result.ok) {
      const { failure } = result;
      if (failure.retryable) {
        // State stays PROCESSING: a client retry repeats the same PSP operation; reconciliation gives up
        // after 15 minutes, and a success that did happen still arrives as a webhook.
        return pspDidNotAnswer({ transactionId: input.transactionId });
      }
      await releaseHolds(this.env, await this.settle('payment.failed', { failureCode: failure.code ?? failure.kind }));
      if (failure.code === 'resource_missing') {
        return {
          ok: false,
          refusal: {
            code: 'VALIDATION_ERROR',
            message: 'Validation failed',
            errors: [{ field: 'paymentMethod.paymentMethodId', message: 'unknown payment method' }],
          },
        };
      }
      return { ok: false, refusal: pspFailureRefusal(row.provider, failure, 'paymentMethod') };
    }
    return this.applyOutcome(input, result.value);
  }

  private async applyOutcome(input: ProcessInput, outcome: PspChargeOutcome): Promise<Reply> {
    switch (outcome.status) {
      case 'succeeded': {
        // The reservation is confirmed from the alarm (limit-confirm.ts), off the reply's path.
        const row = await this.settle('payment.succeeded', { pspReference: outcome.reference, chargeReference: outcome.chargeReference });
        return { ok: true, status: 200, body: successBody(row) };
      }
      case 'processing': {
        const row = await this.settle('payment.processing', { pspReference: outcome.reference });
        return { ok: true, status: 202, body: successBody(row) };
      }
      case 'requires_action': {
        await this.settle('payment.requires_action', { pspReference: outcome.reference });
        return {
          ok: false,
          refusal: {
            code: 'PAYMENT_REQUIRES_ACTION',
            message: 'The customer must complete an authentication step',
            details: { transactionId: input.transactionId, nextAction: outcome.nextAction },
          },
        };
      }
      case 'declined':
      case 'canceled': {
        const declineCode = outcome.status === 'declined' ? outcome.declineCode : 'canceled';
        const row = await this.settle('payment.failed', { pspReference: outcome.reference, failureCode: declineCode });
        await releaseHolds(this.env, row);
        const message = outcome.status === 'declined' ? outcome.message : 'The payment was canceled';
        return {
          ok: false,
          refusal: { code: 'PAYMENT_FAILED', message, details: { transactionId: input.transactionId, declineCode } },
        };
      }
    }
  }

  // ── state ──────────────────────────────────────────────────────────────────

  /**
   * Applies a PSP outcome: state, references and the outbox event in one transaction. An outcome that
   * no longer fits (a webhook got there first) leaves the state as it is.
   */
  private async settle(
    event: PaymentEvent,
    facts: { pspReference?: string | null; chargeReference?: string | null; failureCode?: string },
  ): Promise<PaymentRow> {
    const now = Date.now();
    const row = this.ctx.storage.transactionSync(() => {
      const current = this.store.current();
      const next = transition(current.state, event);
      if (!next.ok) return current;
      this.ctx.storage.sql.exec(
        `UPDATE payment SET state = ?, psp_reference = COALESCE(?, psp_reference), charge_reference = COALESCE(?, charge_reference),
           failure_code = ?, version = version + 1, updated_at = ? WHERE id = 1`,
        next.value,
        facts.pspReference ?? null,
        facts.chargeReference ?? null,
        facts.failureCode ?? null,
        now,
      );
      if (next.value !== current.state || event === 'payment.succeeded' || event === 'payment.failed') this.store.emit(event, now);
      if (next.value === 'PAID' && current.state !== 'PAID') this.schedulePaidTasks(current, now);
      this.webhooks.drainParked(now);
      return this.store.current();
    });
    await this.rearm();
    return row;
  }

  /**
   * Inside the transaction that makes the payment PAID, whether the PSP's answer or its notification did:
   * the reservation's confirmation and the tickets' issuance, both run from the alarm.
   */
  private schedulePaidTasks(previous: PaymentRow, now: number): void {
    scheduleLimitConfirm(this.ctx.storage.sql, previous, now);
    scheduleTicketIssue(this.ctx.storage.sql, this.config, now);
  }

  // ── refunds ────────────────────────────────────────────────────────────────

  refund(input: RefundInput): Promise<PaymentResult> {
    return idempotent(this.ctx.storage.sql, `refund:${input.userId}:${input.idempotencyKey}`, input, () => this.executeRefund(input));
  }

  private async executeRefund(input: RefundInput): Promise<Reply> {
    const now = Date.now();
    const row = this.store.row();
    if (!row || row.tenant_id !== input.tenantId || (!input.isAdmin && row.user_id !== input.userId)) {
      return { ok: false, refusal: { code: 'NOT_FOUND', message: 'Transaction not found' } };
    }
    // A retry of a refund whose PSP call did not answer repeats the same refund (same id, same PSP key).
    let refund = processingRefund(this.ctx.storage.sql, `${input.userId}:${input.idempotencyKey}`);
    if (!refund) {
      const plan = planRefund({ captured: row.amount, alreadyRefunded: this.store.refundedOrInFlight(), requested: input.amount });
      if (!plan.ok) {
        const err = plan.error;
        return err.code === 'REFUND_EXCEEDS_ORIGINAL'
          ? { ok: false, refusal: { code: 'REFUND_EXCEEDS_ORIGINAL', message: err.message } }
          : {
              ok: false,
              refusal: {
                code: 'VALIDATION_ERROR',
                message: 'Validation failed',
                errors: [{ field: 'amount', message: err.message }],
              },
            };
      }
      const started = transition(row.state, 'refund.initiated');
      if (!started.ok)
        return {
          ok: false,
          refusal: { code: 'INVALID_STATE_TRANSITION', message: `A ${toApiStatus(row.state)} payment cannot be refunded` },
        };
      const refundId = crypto.randomUUID();
      this.ctx.storage.transactionSync(() => {
        insertApiRefund(
          this.ctx.storage.sql,
          { refundId, idempotencyKey: `${input.userId}:${input.idempotencyKey}`, amount: plan.value.amount, reason: input.reason ?? null },
          now,
        );
        this.store.setState(started.value, now);
        this.store.emitRefund('refund.created', refundId, now);
      });
      await this.rearm();
      refund = this.store.refundRow(refundId) as RefundRow;
    }
    const result = await ticketPayments(this.env, this.config, row.provider).refund({
      transactionId: row.transaction_id,
      refundId: refund.refund_id,
      reference: row.psp_reference as string,
      amount: refund.amount,
      currency: row.currency,
      reason: 'requested_by_customer',
      idempotencyKey: `${row.transaction_id}:refund:${refund.refund_id}`,
      connectedAccount: row.connected_account ?? undefined,
    });
    if (!result.ok) {
      if (result.failure.retryable) {
        return pspDidNotAnswer();
      }
      this.webhooks.settleRefund(refund.refund_id, 'failed', null, Date.now());
      await this.rearm();
      return { ok: false, refusal: pspFailureRefusal(row.provider, result.failure, 'amount') };
    }
    const settled = this.webhooks.settleRefund(refund.refund_id, result.value.status, result.value.reference, Date.now());
    await this.rearm();
    if (settled.status === 'failed')
      return {
        ok: false,
        refusal: { code: 'PAYMENT_FAILED', message: 'The refund failed', details: { refundId: settled.refund_id } },
      };
    return {
      ok: true,
      status: 200,
      body: { success: true, refund: { id: settled.refund_id, amount: settled.amount, status: settled.status } },
    };
  }

  // ── reconciliation ─────────────────────────────────────────────────────────

  /**
   * Called by the 5-minute cron for payments that look stuck, serialized with live traffic because it
   * runs here. Re-arms the alarm (undelivered outbox rows), expires a payment that never started,
   * asks the PSP where a PROCESSING payment stands and converges, gives up on a charge whose PSP call
   * never answered (a late success still arrives as a webhook and is applied), then retries parked events.
   */
  async reconcile(staleAfterMs = RECONCILE_STALE_MS): Promise<{ action: ReconcileAction }> {
    await this.rearm();
    const row = this.store.row();
    const now = Date.now();
    if (!row || now - row.updated_at < staleAfterMs) return { action: 'none' };
    if (row.state === 'PENDING') {
      await this.settle('payment.expired', {});
      return { action: 'expired' };
    }
    if (row.state !== 'PROCESSING') return { action: 'unchanged' };
    if (!row.psp_reference) {
      const failed = await this.settle('payment.failed', { failureCode: 'psp_no_answer' });
      await releaseHolds(this.env, failed);
      return { action: 'abandoned' };
    }
    const result = await ticketPayments(this.env, this.config, row.provider).retrieveCharge(
      row.psp_reference,
      row.connected_account ?? undefined,
    );
    if (!result.ok) return { action: 'unchanged' };
    const outcome = result.value;
    if (outcome.status === 'requires_action' || outcome.status === 'processing') return { action: 'unchanged' };
    const event = PAYMENT_EVENT_OF[outcome.status];
    const settled = await this.settle(event, {
      pspReference: outcome.reference,
      chargeReference: outcome.status === 'succeeded' ? outcome.chargeReference : null,
      failureCode: outcome.status === 'declined' ? outcome.declineCode : undefined,
    });
    // A PAID one has its reservation confirmed from the alarm (scheduled by settle).
    if (settled.state === 'PAYMENT_FAILED') await releaseHolds(this.env, settled);
    return { action: 'converged' };
  }

  protected override nextDeadline(): number | null {
    const due = [limitConfirmDueAt(this.ctx.storage.sql), ticketTasksDueAt(this.ctx.storage.sql)].filter((t): t is number => t !== null);
    return due.length ? Math.min(...due) : null;
  }

  protected override async onDeadline(now: number): Promise<void> {
    await runLimitConfirm(this.ctx.storage.sql, this.env, now);
    await runTicketTasks(this.ctx.storage.sql, this.env, this.config, now);
  }

  // ── PSP notifications ──────────────────────────────────────────────────────

  /**
   * A webhook's event, verified and mapped by the Worker. Deduplicated by event id. An event that fits
   * the current state is applied; one that belongs before the current state is stale and changes
   * nothing (state never regresses); one that belongs after it is parked and applied once its
   * predecessor has been (e.g. a refund notified before the payment's success).
   */
  /** A chargeback on this payment's charge (the provider's dispute events), once per event id. */
  async applyDispute(tenantId: string, notice: DisputeNotice): Promise<'applied' | 'duplicate' | 'unchanged' | 'unknown_transaction'> {
    const row = this.store.row();
    if (!row || row.tenant_id !== tenantId) return 'unknown_transaction';
    const result = this.ctx.storage.transactionSync(() => applyDispute(this.ctx.storage.sql, this.outbox, row, notice, Date.now()));
    await this.rearm();
    return result;
  }

  async applyPspEvent(event: PspEvent): Promise<{ status: PspEventStatus }> {
    const row = this.store.row();
    if (!row || (event.tenantId !== null && event.tenantId !== row.tenant_id)) return { status: 'unknown_transaction' };
    const now = Date.now();
    const status = this.webhooks.receive(event, now);
    await this.rearm();
    return { status };
  }
}
