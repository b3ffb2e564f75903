import {
  advance,
  applyObservation,
  type CheckoutObservation,
  type CheckoutState,
  differs,
  isPaid,
  isPayable,
  refundableAmount,
  snapshotObservation,
  stateOf,
} from '../src/domain/checkout';
import { checkRetry, checksExhausted, isExpired, nextDeadline, sessionDue } from '../src/domain/checkout-deadlines';
import type { LedgerLine } from '../src/domain/ledger';
import type { CheckoutCapability, CheckoutNotification, CheckoutProvider, CheckoutRefundResult } from '../src/psp/checkout';
import { checkoutAdapter } from '../src/psp/registry';
import type { PspFailure } from '../src/psp/types';
import { createdRecord, creatingRecord, ourExpiry, providerCreates, sessionInput } from './checkout/create';
import { ledgerLines } from './checkout/ledger';
import { paymentObservation } from './checkout/notifications';
import { providerRef, toProjection, toRefundView, toView } from './checkout/projection';
import {
  deleteRefund,
  inFlightAmount,
  insertRequestedRefund,
  recordRefundNotification,
  recordRefundResult,
  refundCheckDue,
  scheduleRefundCheck,
  succeededAmount,
} from './checkout/refunds';
import { loadRefundRows, type RefundRow, SCHEMA, type SessionRecord, sessionRecord } from './checkout/schema';
import type {
  CheckoutRefundView,
  CheckoutSessionView,
  CreateCheckoutCommand,
  CreateCheckoutResult,
  NotificationResult,
  RefundCheckoutCommand,
  RefundCheckoutResult,
} from './checkout/types';
import { DedupInbox } from './dedup';
import { OutboxObject } from './OutboxObject';

/**
 * One object per hosted checkout session (any provider; QPay invoices and NoTap's parallel sessions
 * included), named by our session id. It owns the provider call that creates the session (single-flight,
 * with a provider idempotency key derived from the session id, so a retry is the same operation), the
 * session's status as notifications and read-backs move it (domain/checkout.ts), its refunds, its expiry
 * (alarm: confirm with the provider, then expire it there) and the outbox that projects it to Postgres.
 * Its storage, payloads and pure steps live in ./checkout/.
 */
export class CheckoutSessionDO extends OutboxObject {
  private creating: Promise<CreateCheckoutResult> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env, 'CheckoutSessionDO', SCHEMA);
  }

  private adapter(provider: CheckoutProvider): CheckoutCapability | null {
    return checkoutAdapter(this.env, this.config, provider);
  }

  private load(): SessionRecord | null {
    return sessionRecord(this.ctx.storage.sql).load();
  }

  private save(record: SessionRecord): void {
    sessionRecord(this.ctx.storage.sql).save(record);
  }

  private refundRows(): RefundRow[] {
    return loadRefundRows(this.ctx.storage.sql);
  }

  private refundViews(): CheckoutRefundView[] {
    return this.refundRows().map(toRefundView);
  }

  private view(record: SessionRecord): CheckoutSessionView {
    return toView(record, this.refundViews());
  }

  // ---- create -------------------------------------------------------------------------------------

  async create(cmd: CreateCheckoutCommand): Promise<CreateCheckoutResult> {
    const existing = this.load();
    if (existing) {
      if (existing.tenantId !== cmd.tenantId || existing.requestHash !== cmd.requestHash) return { kind: 'conflict' };
      if (existing.phase === 'created') return { kind: 'replayed', view: this.view(existing) };
    }
    // Concurrent duplicates share the one provider call; awaiting fetch lets them in, so they wait here.
    this.creating ??= this.createAtProvider(cmd, existing).finally(() => {
      this.creating = null;
    });
    const result = await this.creating;
    return result.kind === 'created' && existing ? { ...result, kind: 'replayed' } : result;
  }

  private async createAtProvider(cmd: CreateCheckoutCommand, existing: SessionRecord | null): Promise<CreateCheckoutResult> {
    const adapter = this.adapter(cmd.provider);
    if (!adapter) return { kind: 'not_configured' };
    const now = Date.now();
    const expiresAt = ourExpiry(cmd, now);
    const record = existing ?? creatingRecord(cmd, now, expiresAt);
    // Recorded before the call: a crash mid-call leaves 'creating', and the retry repeats the same provider operation.
    if (!existing) this.save(record);
    const created = await providerCreates.run(() => adapter.createSession(sessionInput(cmd, expiresAt)));
    if (!created.ok) {
      // Nothing exists at the provider that anyone can pay (no URL was handed out): forget the attempt so the same key can try again.
      sessionRecord(this.ctx.storage.sql).delete();
      return { kind: 'failed', failure: created.failure };
    }
    const at = Date.now();
    const done = createdRecord(record, created.value, expiresAt, at);
    this.ctx.storage.transactionSync(() => {
      this.save(done);
      this.emit(done, [], at);
    });
    await this.rearm();
    return { kind: 'created', view: this.view(done) };
  }

  // ---- reads --------------------------------------------------------------------------------------

  /** The session as its tenant sees it; null when unknown, not yet created, or another tenant's. */
  get(tenantId: string): CheckoutSessionView | null {
    const record = this.load();
    return record && record.phase === 'created' && record.tenantId === tenantId ? this.view(record) : null;
  }

  /** Asks the provider for the current state first when the session may still change (QPay's GET semantics). */
  async refresh(tenantId: string): Promise<CheckoutSessionView | null> {
    const record = this.load();
    if (record?.phase !== 'created' || record.tenantId !== tenantId) return null;
    if (isPayable(record.status) || record.status === 'failed') await this.checkWithProvider(record);
    return this.get(tenantId);
  }

  /** Where the payer's browser goes after a redirect-style notification (Tilopay): the merchant's page for the outcome. */
  payerReturnUrl(): string | null {
    const record = this.load();
    if (record?.phase !== 'created') return null;
    return isPaid(record.status) || record.status === 'processing' ? record.successUrl : record.cancelUrl;
  }

  // ---- notifications ------------------------------------------------------------------------------

  /**
   * Whether a notification from `provider` can concern this session (it exists, with that provider): asked
   * before a notification that costs a provider call to verify, or that is unsigned, is taken further.
   */
  acceptsNotificationsFrom(provider: CheckoutProvider): boolean {
    return this.load()?.provider === provider;
  }

  async applyNotification(n: CheckoutNotification): Promise<NotificationResult> {
    const record = this.load();
    if (!record) return 'unknown_session';
    if (record.provider !== n.provider) return 'unknown_session';
    if (record.phase !== 'created') return 'not_ready';
    if (n.observed && !new DedupInbox(this.ctx.storage.sql).claim(n.eventId, Date.now())) return 'duplicate';
    const before = record.version;
    if (!n.observed) {
      // Only a trigger (unsigned or state-less): the provider is asked before anything is believed.
      if (!(await this.checkWithProvider(record))) return 'check_failed';
    } else if (n.observed.kind === 'payment') {
      await this.observe(paymentObservation(n.observed, n.paymentReference), n.type);
    } else {
      this.observeRefund(n.observed.refundReference, n.observed.refundId, n.observed.status, n.observed.amount);
    }
    await this.rearm();
    return (this.load()?.version ?? before) > before ? 'applied' : 'unchanged';
  }

  /** Applies an observation; a payer-approved session that the merchant must capture (PayPal) is captured here. */
  private async observe(obs: CheckoutObservation, cause: string, mayCapture = true): Promise<void> {
    const record = this.load();
    if (!record) return;
    this.commit(record, applyObservation(stateOf(record), obs), cause);
    const after = this.load();
    if (mayCapture && after && after.status === 'processing') {
      const adapter = this.adapter(after.provider);
      if (adapter?.capture) {
        const captured = await adapter.capture(providerRef(after));
        if (captured.ok) await this.observe(snapshotObservation(captured.value), 'capture', false);
        else this.scheduleCheck(after, captured.failure);
      }
    }
  }

  /** Read-back from the provider; true when it answered. */
  private async checkWithProvider(record: SessionRecord): Promise<boolean> {
    const adapter = this.adapter(record.provider);
    if (!adapter) return false;
    const snapshot = await adapter.retrieveSession(providerRef(record));
    // A provider without a server-side read-back (Adyen sessions): its notifications are the only source.
    if (!snapshot.ok && snapshot.failure.code === 'not_supported') return true;
    if (!snapshot.ok) {
      this.scheduleCheck(record, snapshot.failure);
      return false;
    }
    await this.observe(snapshotObservation(snapshot.value), 'read-back');
    return true;
  }

  private scheduleCheck(record: SessionRecord, failure: PspFailure): void {
    const retry = checkRetry(record, failure, Date.now());
    const current = this.load() ?? record;
    this.save({ ...current, ...retry });
    this.logger.warn('checkout.check_failed', {
      sessionId: record.sessionId,
      provider: record.provider,
      failure: failure.kind,
      status: failure.status,
      attempts: retry.checkAttempts,
    });
  }

  /** Writes a new state (if it differs) with its outbox event and the ledger lines for the money it moved. */
  private commit(record: SessionRecord, next: CheckoutState, cause: string): boolean {
    if (!differs(record, next)) return false;
    const now = Date.now();
    const ledger = ledgerLines(record, next);
    const updated = advance(record, next, now);
    this.ctx.storage.transactionSync(() => {
      this.save(updated);
      this.emit(updated, ledger, now);
    });
    this.logger.info('checkout.status', {
      sessionId: record.sessionId,
      provider: record.provider,
      from: record.status,
      to: updated.status,
      cause,
    });
    return true;
  }

  private emit(record: SessionRecord, ledger: LedgerLine[], now: number): void {
    const payload = toProjection(record, this.refundViews(), ledger);
    this.outbox.append({ type: 'checkout.updated', tenantId: record.tenantId, payload }, now);
  }

  // ---- refunds ------------------------------------------------------------------------------------

  async refund(cmd: RefundCheckoutCommand): Promise<RefundCheckoutResult> {
    const record = this.load();
    if (record?.phase !== 'created' || record.tenantId !== cmd.tenantId) return { kind: 'not_found' };
    const existing = this.refundRows().find((r) => r.refund_id === cmd.refundId);
    if (existing) {
      if (existing.request_hash !== cmd.requestHash) return { kind: 'conflict' };
      return { kind: 'replayed', refund: toRefundView(existing), view: this.view(this.load() ?? record) };
    }
    const adapter = this.adapter(record.provider);
    if (!adapter) return { kind: 'not_configured' };
    if (!isPaid(record.status)) return { kind: 'not_refundable', status: record.status };
    const refundable = refundableAmount(stateOf(record), inFlightAmount(this.refundRows()));
    const amount = cmd.amount ?? refundable;
    if (amount <= 0 || amount > refundable) return { kind: 'exceeds', refundable };
    // Recorded (and counted as in flight) before the call, so concurrent refunds cannot both take the last amount.
    insertRequestedRefund(this.ctx.storage.sql, cmd.refundId, cmd.requestHash, amount, Date.now());
    const result = await adapter.refund({
      ...providerRef(record),
      refundId: cmd.refundId,
      refundAmount: amount,
      idempotencyKey: `edgepay-${record.sessionId}-${cmd.refundId}`,
    });
    if (!result.ok) {
      // Not recorded as a refund: the client may retry with the same key, which repeats the same provider operation.
      deleteRefund(this.ctx.storage.sql, cmd.refundId);
      return { kind: 'failed', provider: record.provider, failure: result.failure };
    }
    this.settleRefund(cmd.refundId, result.value, adapter);
    await this.rearm();
    const row = this.refundRows().find((r) => r.refund_id === cmd.refundId);
    const latest = this.load() ?? record;
    return row ? { kind: 'refunded', refund: toRefundView(row), view: this.view(latest) } : { kind: 'not_found' };
  }

  /** Records the provider's answer for one of our refunds and moves the session's refunded amount. */
  private settleRefund(refundId: string, result: CheckoutRefundResult, adapter: CheckoutCapability | null): void {
    const pollable = result.status === 'pending' && Boolean(adapter?.retrieveRefund);
    recordRefundResult(this.ctx.storage.sql, refundId, result, pollable, Date.now());
    this.recomputeRefunded('refund');
  }

  /** A refund notification: ours (by provider id or our refund id) or one made elsewhere (dashboard), recorded too. */
  private observeRefund(providerRefundId: string, refundId: string | null, status: CheckoutRefundResult['status'], amount: number): void {
    const sql = this.ctx.storage.sql;
    if (!recordRefundNotification(sql, this.refundRows(), providerRefundId, refundId, status, amount, Date.now())) return;
    this.recomputeRefunded('refund notification');
  }

  /** The session's refunded amount is at least the sum of its succeeded refunds (cumulative read-backs may say more). */
  private recomputeRefunded(cause: string): void {
    const record = this.load();
    if (!record) return;
    const succeeded = succeededAmount(this.refundRows());
    if (!this.commit(record, applyObservation(stateOf(record), { status: record.status, amountRefunded: succeeded }), cause)) {
      // Refund rows changed without moving the amounts (a pending refund, a failure): still project them.
      const now = Date.now();
      const touched: SessionRecord = { ...record, updatedAt: now, version: record.version + 1 };
      this.ctx.storage.transactionSync(() => {
        this.save(touched);
        this.emit(touched, [], now);
      });
    }
  }

  // ---- deadlines ----------------------------------------------------------------------------------

  protected override nextDeadline(): number | null {
    const record = this.load();
    if (record?.phase !== 'created') return null;
    return nextDeadline(record, this.refundRows());
  }

  protected override async onDeadline(now: number): Promise<void> {
    const record = this.load();
    if (record?.phase !== 'created') return;
    const adapter = this.adapter(record.provider);
    if (sessionDue(record, now) && (isPayable(record.status) || record.status === 'failed')) {
      const answered = await this.checkWithProvider(record);
      const after = this.load();
      if (after && isExpired(after, now) && isPayable(after.status)) {
        if (answered || checksExhausted(after)) {
          // Unpaid at its deadline: make it unpayable at the provider (where it can), then expire it here.
          if (adapter) await adapter.cancelSession(providerRef(after));
          const latest = this.load();
          if (latest && isPayable(latest.status)) this.commit(latest, applyObservation(stateOf(latest), { status: 'expired' }), 'deadline');
        }
      }
    }
    for (const row of this.refundRows()) {
      if (!refundCheckDue(row, now)) continue;
      const latest = this.load();
      if (!latest || !adapter?.retrieveRefund) continue;
      const result = await adapter.retrieveRefund(providerRef(latest), row.provider_refund_id);
      if (result.ok && result.value.status !== 'pending') this.settleRefund(row.refund_id, result.value, adapter);
      else scheduleRefundCheck(this.ctx.storage.sql, row, now);
    }
  }
}
