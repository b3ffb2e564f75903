import {
  applyObservation,
  type CheckoutObservation,
  type CheckoutState,
  checkoutPaymentLedger,
  checkoutRefundLedger,
  isPaid,
  isPayable,
  refundableAmount,
} from '../src/domain/checkout';
import type { LedgerLine } from '../src/domain/ledger';
import { parseConfig } from '../src/env';
import { createLogger, parseLogLevel } from '../src/lib/logger';
import type {
  CheckoutAdapter,
  CheckoutNotification,
  CheckoutProvider,
  CheckoutRef,
  CheckoutRefundResult,
  CheckoutSnapshot,
  CheckoutStatus,
  JsonValue,
} from '../src/psp/checkout';
import { checkoutAdapter } from '../src/psp/checkout-registry';
import type { PspFailure } from '../src/psp/types';
import { OutboxObject } from './OutboxObject';

/**
 * One object per hosted checkout session (any provider; QPay invoices and NoTap's parallel sessions
 * included), named by our session id. It owns the provider call that creates the session (single-flight,
 * with a provider idempotency key derived from the session id, so a retry is the same operation), the
 * session's status as notifications and read-backs move it (domain/checkout.ts), its refunds, its expiry
 * (alarm: confirm with the provider, then expire it there) and the outbox that projects it to Postgres.
 */
const SCHEMA = [
  'CREATE TABLE session (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL)',
  'CREATE TABLE seen_events (event_id TEXT PRIMARY KEY, received_at INTEGER NOT NULL)',
  `CREATE TABLE refunds (
     refund_id TEXT PRIMARY KEY, request_hash TEXT NOT NULL, amount INTEGER NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('requested', 'pending', 'succeeded', 'failed')),
     provider_refund_id TEXT UNIQUE, next_check_at INTEGER, checks INTEGER NOT NULL DEFAULT 0,
     version INTEGER NOT NULL DEFAULT 1, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
   )`,
] as const;

export type CheckoutPurpose = 'checkout' | 'qpay_invoice' | 'verification' | 'recovery';

export type CreateCheckoutCommand = {
  sessionId: string;
  tenantId: string;
  provider: CheckoutProvider;
  purpose: CheckoutPurpose;
  amount: number;
  currency: string;
  merchantAccount: string;
  merchantId: string | null;
  description: string;
  metadata: Record<string, string>;
  successUrl: string;
  cancelUrl: string;
  customerEmail?: string;
  /** Our own lifetime (NoTap: 300 s); null → the provider's default expiry (asked for 24 h). */
  ttlSeconds: number | null;
  /** Public base URL of this deployment, for per-request notification URLs. */
  publicBaseUrl: string;
  /** SHA-256 of the canonical request, to tell a replay from a different request under the same key. */
  requestHash: string;
};

export type CheckoutRefundView = {
  refundId: string;
  amount: number;
  status: 'pending' | 'succeeded' | 'failed';
  providerRefundId: string | null;
  createdAt: number;
  updatedAt: number;
};

export type CheckoutSessionView = {
  sessionId: string;
  tenantId: string;
  provider: CheckoutProvider;
  purpose: CheckoutPurpose;
  providerSessionId: string;
  checkoutUrl: string;
  status: CheckoutStatus;
  amount: number;
  currency: string;
  amountPaid: number;
  amountRefunded: number;
  paymentReference: string | null;
  merchantAccount: string;
  merchantId: string | null;
  metadata: Record<string, string>;
  details: Record<string, JsonValue>;
  successUrl: string;
  cancelUrl: string;
  expiresAt: number | null;
  paidAt: number | null;
  createdAt: number;
  updatedAt: number;
  version: number;
  refunds: CheckoutRefundView[];
};

export type CreateCheckoutResult =
  | { kind: 'created' | 'replayed'; view: CheckoutSessionView }
  | { kind: 'conflict' }
  | { kind: 'not_configured' }
  | { kind: 'failed'; failure: PspFailure };

export type RefundCheckoutCommand = { tenantId: string; refundId: string; amount: number | null; requestHash: string };
export type RefundCheckoutResult =
  | { kind: 'refunded' | 'replayed'; refund: CheckoutRefundView; view: CheckoutSessionView }
  | { kind: 'not_found' | 'conflict' | 'not_configured' }
  | { kind: 'not_refundable'; status: CheckoutStatus }
  | { kind: 'exceeds'; refundable: number }
  | { kind: 'failed'; provider: CheckoutProvider; failure: PspFailure };

export type NotificationResult = 'applied' | 'unchanged' | 'duplicate' | 'unknown_session' | 'not_ready' | 'check_failed';

/** Outbox payload of `checkout.updated`: the projection row, the money moved by this change, and the refunds. */
export type CheckoutProjection = {
  session: Omit<CheckoutSessionView, 'refunds' | 'details'>;
  refunds: CheckoutRefundView[];
  ledger: LedgerLine[];
};

type Record_ = Omit<CheckoutSessionView, 'refunds'> & {
  phase: 'creating' | 'created';
  requestHash: string;
  checkAttempts: number;
  nextCheckAt: number | null;
};

/** The longest we let a session live when the caller leaves it to the provider (most providers cap at 24 h). */
const DEFAULT_TTL_MS = 24 * 3600_000;
/** After expiry, how long we keep trying to confirm with the provider before marking the session expired anyway. */
const EXPIRY_CHECK_BACKOFF_MS = [5_000, 30_000, 120_000];
const REFUND_CHECK_BACKOFF_MS = [5_000, 15_000, 60_000, 300_000];

type RefundRow = {
  refund_id: string;
  request_hash: string;
  amount: number;
  status: 'requested' | 'pending' | 'succeeded' | 'failed';
  provider_refund_id: string | null;
  next_check_at: number | null;
  checks: number;
  version: number;
  created_at: number;
  updated_at: number;
};

export class CheckoutSessionDO extends OutboxObject {
  private creating: Promise<CreateCheckoutResult> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env, 'CheckoutSessionDO', SCHEMA);
  }

  private get logger() {
    return createLogger(parseLogLevel(this.env.LOG_LEVEL), { object: 'CheckoutSessionDO' });
  }

  private get config() {
    return parseConfig(this.env as Parameters<typeof parseConfig>[0]);
  }

  private adapter(provider: CheckoutProvider): CheckoutAdapter | null {
    return checkoutAdapter(this.env as Parameters<typeof checkoutAdapter>[0], this.config, provider);
  }

  private load(): Record_ | null {
    const row = this.ctx.storage.sql.exec<{ data: string }>('SELECT data FROM session WHERE id = 1').toArray()[0];
    return row ? (JSON.parse(row.data) as Record_) : null;
  }

  private save(record: Record_): void {
    this.ctx.storage.sql.exec(
      'INSERT INTO session (id, data) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data',
      JSON.stringify(record),
    );
  }

  private refundRows(): RefundRow[] {
    return this.ctx.storage.sql.exec<RefundRow>('SELECT * FROM refunds ORDER BY created_at, refund_id').toArray();
  }

  private refundViews(): CheckoutRefundView[] {
    return this.refundRows().map(toRefundView);
  }

  private view(record: Record_): CheckoutSessionView {
    const { phase: _p, requestHash: _h, checkAttempts: _a, nextCheckAt: _n, ...view } = record;
    return { ...view, refunds: this.refundViews() };
  }

  private ref(record: Record_): CheckoutRef {
    return {
      sessionId: record.sessionId,
      reference: record.providerSessionId,
      merchantAccount: record.merchantAccount,
      amount: record.amount,
      currency: record.currency,
      paymentReference: record.paymentReference,
    };
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

  private async createAtProvider(cmd: CreateCheckoutCommand, existing: Record_ | null): Promise<CreateCheckoutResult> {
    const adapter = this.adapter(cmd.provider);
    if (!adapter) return { kind: 'not_configured' };
    const now = Date.now();
    const ourExpiry = now + (cmd.ttlSeconds !== null ? cmd.ttlSeconds * 1000 : DEFAULT_TTL_MS);
    const record: Record_ = existing ?? {
      sessionId: cmd.sessionId,
      tenantId: cmd.tenantId,
      provider: cmd.provider,
      purpose: cmd.purpose,
      providerSessionId: '',
      checkoutUrl: '',
      status: 'open',
      amount: cmd.amount,
      currency: cmd.currency,
      amountPaid: 0,
      amountRefunded: 0,
      paymentReference: null,
      merchantAccount: cmd.merchantAccount,
      merchantId: cmd.merchantId,
      metadata: cmd.metadata,
      details: {},
      successUrl: cmd.successUrl,
      cancelUrl: cmd.cancelUrl,
      expiresAt: ourExpiry,
      paidAt: null,
      createdAt: now,
      updatedAt: now,
      version: 0,
      phase: 'creating',
      requestHash: cmd.requestHash,
      checkAttempts: 0,
      nextCheckAt: null,
    };
    // Recorded before the call: a crash mid-call leaves 'creating', and the retry repeats the same provider operation.
    if (!existing) this.save(record);
    const created = await adapter.createSession({
      sessionId: cmd.sessionId,
      tenantId: cmd.tenantId,
      amount: cmd.amount,
      currency: cmd.currency,
      merchantAccount: cmd.merchantAccount,
      description: cmd.description,
      metadata: cmd.metadata,
      successUrl: cmd.successUrl,
      cancelUrl: cmd.cancelUrl,
      expiresAt: ourExpiry,
      notificationUrl: `${cmd.publicBaseUrl}/v1/webhooks/${cmd.provider}?session=${cmd.sessionId}`,
      idempotencyKey: `edgepay-${cmd.sessionId}`,
      ...(cmd.customerEmail ? { customerEmail: cmd.customerEmail } : {}),
    });
    if (!created.ok) {
      // Nothing exists at the provider that anyone can pay (no URL was handed out): forget the attempt so the same key can try again.
      this.ctx.storage.sql.exec('DELETE FROM session WHERE id = 1');
      return { kind: 'failed', failure: created.failure };
    }
    const at = Date.now();
    const expiresAt = created.value.expiresAt === null ? ourExpiry : Math.min(ourExpiry, created.value.expiresAt);
    const done: Record_ = {
      ...record,
      providerSessionId: created.value.reference,
      checkoutUrl: created.value.checkoutUrl,
      details: created.value.details,
      expiresAt,
      phase: 'created',
      updatedAt: at,
      version: 1,
    };
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
    if (n.observed) {
      const fresh = this.ctx.storage.sql
        .exec(
          'INSERT INTO seen_events (event_id, received_at) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING event_id',
          n.eventId,
          Date.now(),
        )
        .toArray();
      if (fresh.length === 0) return 'duplicate';
    }
    const before = record.version;
    if (!n.observed) {
      // Only a trigger (unsigned or state-less): the provider is asked before anything is believed.
      if (!(await this.checkWithProvider(record))) return 'check_failed';
    } else if (n.observed.kind === 'payment') {
      await this.observe(
        {
          status: n.observed.status,
          amountPaid: n.observed.amount,
          amountRefunded: n.observed.amountRefunded,
          paymentReference: n.paymentReference,
        },
        n.type,
      );
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
        const captured = await adapter.capture(this.ref(after));
        if (captured.ok) await this.observe(snapshotObservation(captured.value), 'capture', false);
        else this.scheduleCheck(after, captured.failure);
      }
    }
  }

  /** Read-back from the provider; true when it answered. */
  private async checkWithProvider(record: Record_): Promise<boolean> {
    const adapter = this.adapter(record.provider);
    if (!adapter) return false;
    const snapshot = await adapter.retrieveSession(this.ref(record));
    // A provider without a server-side read-back (Adyen sessions): its notifications are the only source.
    if (!snapshot.ok && snapshot.failure.code === 'not_supported') return true;
    if (!snapshot.ok) {
      this.scheduleCheck(record, snapshot.failure);
      return false;
    }
    await this.observe(snapshotObservation(snapshot.value), 'read-back');
    return true;
  }

  private scheduleCheck(record: Record_, failure: PspFailure): void {
    // A refusal (the provider does not know the session, our credentials are refused) will not change by
    // asking again: no retry is scheduled, and at its deadline the session expires without waiting for one.
    const attempts = failure.retryable ? record.checkAttempts + 1 : EXPIRY_CHECK_BACKOFF_MS.length;
    const delay = EXPIRY_CHECK_BACKOFF_MS[Math.min(attempts - 1, EXPIRY_CHECK_BACKOFF_MS.length - 1)] ?? 120_000;
    const current = this.load() ?? record;
    this.save({ ...current, checkAttempts: attempts, nextCheckAt: failure.retryable ? Date.now() + delay : null });
    this.logger.warn('checkout.check_failed', {
      sessionId: record.sessionId,
      provider: record.provider,
      failure: failure.kind,
      status: failure.status,
      attempts,
    });
  }

  /** Writes a new state (if it differs) with its outbox event and the ledger lines for the money it moved. */
  private commit(record: Record_, next: CheckoutState, cause: string): boolean {
    const changed =
      next.status !== record.status ||
      next.amountPaid !== record.amountPaid ||
      next.amountRefunded !== record.amountRefunded ||
      next.paymentReference !== record.paymentReference;
    if (!changed) return false;
    const now = Date.now();
    const ledger: LedgerLine[] = [];
    if (!isPaid(record.status) && isPaid(next.status))
      ledger.push(...checkoutPaymentLedger(record.provider, record.merchantAccount, next.amountPaid));
    const refundedDelta = next.amountRefunded - record.amountRefunded;
    if (refundedDelta > 0) ledger.push(...checkoutRefundLedger(record.provider, record.merchantAccount, refundedDelta));
    const updated: Record_ = {
      ...record,
      ...next,
      paidAt: record.paidAt ?? (isPaid(next.status) ? now : null),
      checkAttempts: 0,
      nextCheckAt: null,
      updatedAt: now,
      version: record.version + 1,
    };
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

  private emit(record: Record_, ledger: LedgerLine[], now: number): void {
    const { phase: _p, requestHash: _h, checkAttempts: _a, nextCheckAt: _n, details: _d, ...session } = record;
    const payload: CheckoutProjection = { session, refunds: this.refundViews(), ledger };
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
    const inFlight = this.refundRows()
      .filter((r) => r.status === 'requested' || r.status === 'pending')
      .reduce((s, r) => s + r.amount, 0);
    const refundable = refundableAmount(stateOf(record), inFlight);
    const amount = cmd.amount ?? refundable;
    if (amount <= 0 || amount > refundable) return { kind: 'exceeds', refundable };
    const now = Date.now();
    // Recorded (and counted as in flight) before the call, so concurrent refunds cannot both take the last amount.
    this.ctx.storage.sql.exec(
      "INSERT INTO refunds (refund_id, request_hash, amount, status, created_at, updated_at) VALUES (?, ?, ?, 'requested', ?, ?)",
      cmd.refundId,
      cmd.requestHash,
      amount,
      now,
      now,
    );
    const result = await adapter.refund({
      ...this.ref(record),
      refundId: cmd.refundId,
      refundAmount: amount,
      idempotencyKey: `edgepay-${record.sessionId}-${cmd.refundId}`,
    });
    if (!result.ok) {
      // Not recorded as a refund: the client may retry with the same key, which repeats the same provider operation.
      this.ctx.storage.sql.exec('DELETE FROM refunds WHERE refund_id = ?', cmd.refundId);
      return { kind: 'failed', provider: record.provider, failure: result.failure };
    }
    this.settleRefund(cmd.refundId, result.value, adapter);
    await this.rearm();
    const row = this.refundRows().find((r) => r.refund_id === cmd.refundId);
    const latest = this.load() ?? record;
    return row ? { kind: 'refunded', refund: toRefundView(row), view: this.view(latest) } : { kind: 'not_found' };
  }

  /** Records the provider's answer for one of our refunds and moves the session's refunded amount. */
  private settleRefund(refundId: string, result: CheckoutRefundResult, adapter: CheckoutAdapter | null): void {
    const now = Date.now();
    const pollable = result.status === 'pending' && Boolean(adapter?.retrieveRefund);
    this.ctx.storage.sql.exec(
      `UPDATE refunds SET status = ?, provider_refund_id = COALESCE(?, provider_refund_id), next_check_at = ?,
         version = version + 1, updated_at = ? WHERE refund_id = ?`,
      result.status,
      result.reference || null,
      pollable ? now + (REFUND_CHECK_BACKOFF_MS[0] ?? 5_000) : null,
      now,
      refundId,
    );
    this.recomputeRefunded('refund');
  }

  /** A refund notification: ours (by provider id or our refund id) or one made elsewhere (dashboard), recorded too. */
  private observeRefund(providerRefundId: string, refundId: string | null, status: CheckoutRefundResult['status'], amount: number): void {
    const rows = this.refundRows();
    const ours =
      rows.find((r) => r.provider_refund_id === providerRefundId) ?? (refundId ? rows.find((r) => r.refund_id === refundId) : undefined);
    const now = Date.now();
    if (ours) {
      if (ours.status === 'succeeded' || ours.status === 'failed') return; // final already
      this.ctx.storage.sql.exec(
        `UPDATE refunds SET status = ?, provider_refund_id = ?, next_check_at = NULL, version = version + 1, updated_at = ? WHERE refund_id = ?`,
        status,
        providerRefundId,
        now,
        ours.refund_id,
      );
    } else if (amount > 0) {
      this.ctx.storage.sql.exec(
        `INSERT INTO refunds (refund_id, request_hash, amount, status, provider_refund_id, created_at, updated_at)
         VALUES (?, '', ?, ?, ?, ?, ?) ON CONFLICT (refund_id) DO NOTHING`,
        `ext_${providerRefundId}`,
        amount,
        status,
        providerRefundId,
        now,
        now,
      );
    }
    this.recomputeRefunded('refund notification');
  }

  /** The session's refunded amount is at least the sum of its succeeded refunds (cumulative read-backs may say more). */
  private recomputeRefunded(cause: string): void {
    const record = this.load();
    if (!record) return;
    const succeeded = this.refundRows()
      .filter((r) => r.status === 'succeeded')
      .reduce((s, r) => s + r.amount, 0);
    if (!this.commit(record, applyObservation(stateOf(record), { status: record.status, amountRefunded: succeeded }), cause)) {
      // Refund rows changed without moving the amounts (a pending refund, a failure): still project them.
      const now = Date.now();
      const touched: Record_ = { ...record, updatedAt: now, version: record.version + 1 };
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
    const times: number[] = [];
    if (record.nextCheckAt !== null) times.push(record.nextCheckAt);
    else if (isPayable(record.status) && record.expiresAt !== null) times.push(record.expiresAt);
    for (const r of this.refundRows()) if (r.next_check_at !== null && r.status === 'pending') times.push(r.next_check_at);
    return times.length ? Math.min(...times) : null;
  }

  protected override async onDeadline(now: number): Promise<void> {
    const record = this.load();
    if (record?.phase !== 'created') return;
    const adapter = this.adapter(record.provider);
    const due =
      record.nextCheckAt !== null
        ? record.nextCheckAt <= now
        : isPayable(record.status) && record.expiresAt !== null && record.expiresAt <= now;
    if (due && (isPayable(record.status) || record.status === 'failed')) {
      const answered = await this.checkWithProvider(record);
      const after = this.load();
      const expired = after?.expiresAt !== null && after?.expiresAt !== undefined && after.expiresAt <= now;
      if (after && expired && isPayable(after.status)) {
        if (answered || after.checkAttempts >= EXPIRY_CHECK_BACKOFF_MS.length) {
          // Unpaid at its deadline: make it unpayable at the provider (where it can), then expire it here.
          if (adapter) await adapter.cancelSession(this.ref(after));
          const latest = this.load();
          if (latest && isPayable(latest.status)) this.commit(latest, applyObservation(stateOf(latest), { status: 'expired' }), 'deadline');
        }
      }
    }
    for (const row of this.refundRows()) {
      if (row.status !== 'pending' || row.next_check_at === null || row.next_check_at > now || !row.provider_refund_id) continue;
      const latest = this.load();
      if (!latest || !adapter?.retrieveRefund) continue;
      const result = await adapter.retrieveRefund(this.ref(latest), row.provider_refund_id);
      if (result.ok && result.value.status !== 'pending') this.settleRefund(row.refund_id, result.value, adapter);
      else {
        const checks = row.checks + 1;
        const delay = REFUND_CHECK_BACKOFF_MS[Math.min(checks, REFUND_CHECK_BACKOFF_MS.length - 1)] ?? 300_000;
        this.ctx.storage.sql.exec(
          'UPDATE refunds SET checks = ?, next_check_at = ? WHERE refund_id = ?',
          checks,
          now + delay,
          row.refund_id,
        );
      }
    }
  }
}

function stateOf(record: Record_): CheckoutState {
  return {
    status: record.status,
    amount: record.amount,
    amountPaid: record.amountPaid,
    amountRefunded: record.amountRefunded,
    paymentReference: record.paymentReference,
  };
}

function snapshotObservation(s: CheckoutSnapshot): CheckoutObservation {
  return {
    status: s.status,
    amountPaid: s.amountPaid > 0 ? s.amountPaid : null,
    amountRefunded: s.amountRefunded,
    paymentReference: s.paymentReference,
  };
}

function toRefundView(r: RefundRow): CheckoutRefundView {
  return {
    refundId: r.refund_id,
    amount: r.amount,
    status: r.status === 'requested' ? 'pending' : r.status,
    providerRefundId: r.provider_refund_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
