import { calculateFees, processingCost, publicFees, resolveVenueTier } from '../src/domain/fees';
import { decideIdempotency, type IdempotencyRecord, responseRetentionMs } from '../src/domain/idempotency';
import { refundLedgerLines, saleLedgerLines } from '../src/domain/ledger';
import { type PaymentEvent, type PaymentState, type RefundContext, toApiStatus, transition } from '../src/domain/payment-state';
import { planRefund } from '../src/domain/refunds';
import { calculateTax, type TaxResult } from '../src/domain/tax';
import { parseConfig } from '../src/env';
import { AppError, type FieldError, toErrorBody } from '../src/lib/errors';
import { eventStub, venueStub } from '../src/lib/stubs';
import { pspAdapter } from '../src/psp/registry';
import type { PspChargeOutcome, PspEvent, PspId } from '../src/psp/types';
import type { EventProfile } from '../src/schemas/catalog';
import type { ProcessPaymentBody } from '../src/schemas/payments';
import { OutboxObject } from './OutboxObject';
import { purchaseLimitsStep, runPrecharge } from './precharge';

/**
 * One object per transaction, named by the keyed hash of (tenant, user, Idempotency-Key): every
 * duplicate of a request meets here. The idempotency decision is taken before the first await, so
 * concurrent duplicates see "in progress"; PROCESSING and the deterministic PSP key are recorded before
 * the PSP is called, so a retry after a crash or timeout repeats the same PSP operation, never a new one.
 */
const SCHEMA = [
  `CREATE TABLE payment (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     transaction_id TEXT NOT NULL, tenant_id TEXT NOT NULL, user_id TEXT NOT NULL,
     venue_id TEXT NOT NULL, event_id TEXT NOT NULL, idempotency_key TEXT NOT NULL,
     state TEXT NOT NULL, currency TEXT NOT NULL, amount INTEGER NOT NULL,
     fees TEXT NOT NULL, tax TEXT NOT NULL, tickets TEXT NOT NULL,
     payment_method_id TEXT NOT NULL, provider TEXT NOT NULL, connected_account TEXT,
     psp_reference TEXT, charge_reference TEXT, failure_code TEXT,
     attempt INTEGER NOT NULL, refunded_amount INTEGER NOT NULL DEFAULT 0,
     version INTEGER NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
   )`,
  `CREATE TABLE idempotency (
     scope TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, state TEXT NOT NULL,
     status INTEGER, body TEXT, expires_at INTEGER NOT NULL
   )`,
  `CREATE TABLE refunds (
     refund_id TEXT PRIMARY KEY, idempotency_key TEXT, amount INTEGER NOT NULL, reason TEXT,
     status TEXT NOT NULL CHECK (status IN ('processing', 'pending', 'completed', 'failed')),
     psp_reference TEXT UNIQUE, source TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
   )`,
  // PSP notifications seen (dedup by provider event id) and those waiting for a predecessor (parked).
  `CREATE TABLE psp_events (
     event_id TEXT PRIMARY KEY, payload TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('applied', 'parked', 'stale', 'ignored')),
     received_at INTEGER NOT NULL, settled_at INTEGER
   )`,
] as const;

/** A payment untouched this long in PENDING or PROCESSING is reconciled (API: stale PENDING > 15 min). */
export const RECONCILE_STALE_MS = 15 * 60_000;

/** How long an in-progress request holds its key before a retry may take over (the PSP call is bounded by PSP_TIMEOUT_MS). */
const LEASE_MS = 90_000;

export type ProcessInput = {
  transactionId: string;
  tenantId: string;
  userId: string;
  idempotencyKey: string;
  fingerprint: string;
  request: ProcessPaymentBody;
  requestId: string;
  path: string;
  context: { accessToken?: string; ip?: string; userAgent?: string };
};

export type ObjectResponse = { status: number; body: string; replayed: boolean };

export type RefundInput = {
  tenantId: string;
  userId: string;
  isAdmin: boolean;
  idempotencyKey: string;
  fingerprint: string;
  amount?: number;
  reason?: string;
  requestId: string;
  path: string;
};

type RefundRow = {
  refund_id: string;
  idempotency_key: string | null;
  amount: number;
  reason: string | null;
  status: 'processing' | 'pending' | 'completed' | 'failed';
  psp_reference: string | null;
  source: string;
  created_at: number;
  updated_at: number;
};

const PAYMENT_EVENT_OF: Record<PspChargeOutcome['status'], PaymentEvent> = {
  succeeded: 'payment.succeeded',
  processing: 'payment.processing',
  requires_action: 'payment.requires_action',
  declined: 'payment.failed',
  canceled: 'payment.cancelled',
};

/** Causal order of a payment's life: an event ranked above the state waits for its predecessor; one ranked at or below it is stale. */
const STATE_RANK: Record<PaymentState, number> = {
  PENDING: 0,
  PROCESSING: 1,
  PAID: 2,
  PAYMENT_FAILED: 2,
  CANCELLED: 2,
  EXPIRED: 2,
  REFUNDING: 3,
  PARTIALLY_REFUNDED: 3,
  REFUNDED: 4,
};
const EVENT_RANK: Record<PaymentEvent, number> = {
  'payment.processing': 1,
  'payment.requires_action': 1,
  'payment.retry': 1,
  'payment.succeeded': 2,
  'payment.failed': 2,
  'payment.cancelled': 2,
  'payment.expired': 2,
  'refund.initiated': 3,
  'refund.succeeded': 3,
  'refund.failed': 3,
};

type Row = {
  transaction_id: string;
  tenant_id: string;
  user_id: string;
  venue_id: string;
  event_id: string;
  idempotency_key: string;
  state: PaymentState;
  currency: string;
  amount: number;
  fees: string;
  tax: string;
  tickets: string;
  payment_method_id: string;
  provider: PspId;
  connected_account: string | null;
  psp_reference: string | null;
  charge_reference: string | null;
  failure_code: string | null;
  attempt: number;
  refunded_amount: number;
  version: number;
  created_at: number;
  updated_at: number;
};

type Fees = ReturnType<typeof calculateFees>;
type Response = { status: number; body: unknown };

export type PaymentSnapshot = {
  transactionId: string;
  tenantId: string;
  userId: string;
  venueId: string;
  eventId: string;
  idempotencyKey: string;
  state: PaymentState;
  status: string;
  amount: number;
  currency: string;
  fees: Fees;
  provider: string;
  pspReference: string | null;
  paymentMethodId: string;
  refundedAmount: number;
  version: number;
  createdAt: string;
  updatedAt: string;
};

function addressKey(address: ProcessPaymentBody['customerAddress']): string | null {
  if (!address) return null;
  return [address.street ?? '', address.city, address.state, address.zip ?? '']
    .map((p) => p.trim().toLowerCase().replace(/\s+/g, ' '))
    .join('|');
}

export class PaymentDO extends OutboxObject {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env, 'PaymentDO', SCHEMA);
  }

  private row(): Row | null {
    return this.ctx.storage.sql.exec<Row>('SELECT * FROM payment WHERE id = 1').toArray()[0] ?? null;
  }

  snapshot(): PaymentSnapshot | null {
    const row = this.row();
    return row ? toSnapshot(row) : null;
  }

  // ── idempotency ────────────────────────────────────────────────────────────

  private record(scope: string): (IdempotencyRecord & { body: string | null }) | null {
    const r = this.ctx.storage.sql
      .exec<{ fingerprint: string; state: 'in_progress' | 'completed'; status: number | null; body: string | null; expires_at: number }>(
        'SELECT fingerprint, state, status, body, expires_at FROM idempotency WHERE scope = ?',
        scope,
      )
      .toArray()[0];
    return r ? { fingerprint: r.fingerprint, state: r.state, status: r.status ?? undefined, expiresAt: r.expires_at, body: r.body } : null;
  }

  private writeRecord(
    scope: string,
    fingerprint: string,
    state: 'in_progress' | 'completed',
    expiresAt: number,
    response?: { status: number; body: string },
  ) {
    this.ctx.storage.sql.exec(
      `INSERT INTO idempotency (scope, fingerprint, state, status, body, expires_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (scope) DO UPDATE SET fingerprint = excluded.fingerprint, state = excluded.state, status = excluded.status, body = excluded.body, expires_at = excluded.expires_at`,
      scope,
      fingerprint,
      state,
      response?.status ?? null,
      response?.body ?? null,
      expiresAt,
    );
  }

  /** API.md "Idempotency": replay, 409 while running, 422 for another body; 2xx kept 24 h, 4xx 1 h, 5xx not kept. */
  private async idempotent(
    scope: string,
    input: { fingerprint: string; path: string; requestId: string },
    run: () => Promise<Response>,
  ): Promise<ObjectResponse> {
    const now = Date.now();
    const record = this.record(scope);
    const decision = decideIdempotency(record, input.fingerprint, now);
    if (decision === 'replay' && record?.status !== undefined && record.body !== null)
      return { status: record.status, body: record.body, replayed: true };
    if (decision === 'reused')
      return this.error(
        input,
        new AppError('IDEMPOTENCY_KEY_REUSED', 422, 'This Idempotency-Key was already used with a different request body'),
      );
    if (decision === 'in_progress')
      return this.error(input, new AppError('DUPLICATE_IN_PROGRESS', 409, 'A request with this Idempotency-Key is still being processed'));
    this.writeRecord(scope, input.fingerprint, 'in_progress', now + LEASE_MS);
    let response: Response;
    try {
      response = await run();
    } catch (err) {
      this.ctx.storage.sql.exec('DELETE FROM idempotency WHERE scope = ?', scope);
      throw err;
    }
    const body = JSON.stringify(response.body);
    const retention = responseRetentionMs(response.status);
    if (retention > 0) this.writeRecord(scope, input.fingerprint, 'completed', Date.now() + retention, { status: response.status, body });
    else this.ctx.storage.sql.exec('DELETE FROM idempotency WHERE scope = ?', scope);
    return { status: response.status, body, replayed: false };
  }

  private errorBody(input: { path: string; requestId: string }, err: AppError, extra: Record<string, unknown> = {}): Response {
    return { status: err.status, body: { ...toErrorBody(err, input.path, input.requestId, new Date()), ...extra } };
  }

  private error(input: { path: string; requestId: string }, err: AppError): ObjectResponse {
    const r = this.errorBody(input, err);
    return { status: r.status, body: JSON.stringify(r.body), replayed: false };
  }

  // ── process ────────────────────────────────────────────────────────────────

  process(input: ProcessInput): Promise<ObjectResponse> {
    return this.idempotent('process', input, () => this.executeProcess(input));
  }

  private async executeProcess(input: ProcessInput): Promise<Response> {
    const existing = this.row();
    if (existing && existing.tenant_id !== input.tenantId) throw new Error('transaction id collision across tenants');
    if (existing?.state === 'PROCESSING') return this.charge(input);
    if (existing && existing.state !== 'PAYMENT_FAILED' && existing.state !== 'PENDING')
      return { status: 200, body: successBody(existing) };

    const { request } = input;
    const [event, pricing] = await Promise.all([
      eventStub(this.env, input.tenantId, request.eventId).profile(),
      venueStub(this.env, input.tenantId, request.venueId).pricing(),
    ]);
    const venue = pricing.profile;
    const invalid = (errors: FieldError[]) => this.errorBody(input, new AppError('VALIDATION_ERROR', 422, 'Validation failed', { errors }));
    if (!event) return invalid([{ field: 'eventId', message: 'no such event' }]);
    if (!venue || event.venueId !== request.venueId)
      return invalid([{ field: 'venueId', message: 'the event does not take place at this venue' }]);
    const priceErrors = checkPrices(request, event);
    if (priceErrors.length) return invalid(priceErrors);

    const subtotal = request.tickets.reduce((sum, t) => sum + t.price * t.quantity, 0);
    const ticketCount = request.tickets.reduce((sum, t) => sum + t.quantity, 0);
    const tax = calculateTax({ amount: subtotal, venueAddress: venue.address, customerAddress: request.customerAddress });
    if (!tax.ok) return invalid([{ field: tax.error.field ?? 'venueId', message: tax.error.message }]);
    const fees = calculateFees({
      ticketPrice: subtotal,
      ticketCount,
      tier: resolveVenueTier(venue.tier ?? null, pricing.volume30d),
      tax: tax.value,
    });

    const precharge = await runPrecharge([purchaseLimitsStep(this.env)], {
      transactionId: input.transactionId,
      tenantId: input.tenantId,
      userId: input.userId,
      event,
      venue,
      ticketCount,
      paymentMethodId: request.paymentMethod.paymentMethodId,
      addressKey: addressKey(request.customerAddress),
      context: { ...input.context, deviceFingerprint: request.deviceFingerprint },
    });
    if (!precharge.ok) {
      const { refusal } = precharge;
      const errors = refusal.field ? [{ field: refusal.field, message: refusal.message }] : undefined;
      return this.errorBody(input, new AppError(refusal.code, refusal.status, refusal.message, { errors }));
    }

    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      const previous = this.row();
      const attempt = (previous?.attempt ?? 0) + 1;
      const state = previous ? this.next(previous.state, 'payment.retry') : this.next('PENDING', 'payment.processing');
      this.ctx.storage.sql.exec(
        `INSERT INTO payment (id, transaction_id, tenant_id, user_id, venue_id, event_id, idempotency_key, state, currency, amount, fees, tax, tickets,
           payment_method_id, provider, connected_account, attempt, version, created_at, updated_at)
         VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'stripe', ?, ?, 1, ?, ?)
         ON CONFLICT (id) DO UPDATE SET state = excluded.state, fees = excluded.fees, tax = excluded.tax, tickets = excluded.tickets, amount = excluded.amount,
           payment_method_id = excluded.payment_method_id, attempt = excluded.attempt, failure_code = NULL, version = payment.version + 1, updated_at = excluded.updated_at`,
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
        JSON.stringify(tax.value),
        JSON.stringify(request.tickets),
        request.paymentMethod.paymentMethodId,
        venue.stripeAccountId ?? null,
        attempt,
        now,
        now,
      );
      this.emit(previous ? 'payment.retrying' : 'payment.created', now);
    });
    await this.rearm();
    return this.charge(input);
  }

  /** Calls the PSP for the current attempt (same deterministic key on every retry) and applies the outcome. */
  private async charge(input: ProcessInput): Promise<Response> {
    const row = this.row() as Row;
    const config = parseConfig(this.env as Parameters<typeof parseConfig>[0]);
    const result = await pspAdapter(config, row.provider).charge({
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
        return this.errorBody(
          input,
          new AppError('PSP_UNAVAILABLE', 502, 'The payment provider did not answer; retry with the same Idempotency-Key', {
            retryable: true,
          }),
          { transactionId: input.transactionId },
        );
      }
      await this.settle('payment.failed', { failureCode: failure.code ?? failure.kind });
      if (failure.code === 'resource_missing') {
        return this.errorBody(
          input,
          new AppError('VALIDATION_ERROR', 422, 'Validation failed', {
            errors: [{ field: 'paymentMethod.paymentMethodId', message: 'unknown payment method' }],
          }),
        );
      }
      return this.errorBody(input, new AppError('PSP_UNAVAILABLE', 502, 'The payment provider refused the request'));
    }
    return this.applyOutcome(input, result.value);
  }

  private async applyOutcome(input: ProcessInput, outcome: PspChargeOutcome): Promise<Response> {
    switch (outcome.status) {
      case 'succeeded': {
        const row = await this.settle('payment.succeeded', { pspReference: outcome.reference, chargeReference: outcome.chargeReference });
        await eventStub(this.env, row.tenant_id, row.event_id).confirm(row.transaction_id);
        return { status: 200, body: successBody(row) };
      }
      case 'processing': {
        const row = await this.settle('payment.processing', { pspReference: outcome.reference });
        return { status: 202, body: successBody(row) };
      }
      case 'requires_action': {
        await this.settle('payment.requires_action', { pspReference: outcome.reference });
        return this.errorBody(input, new AppError('PAYMENT_REQUIRES_ACTION', 402, 'The customer must complete an authentication step'), {
          transactionId: input.transactionId,
          nextAction: outcome.nextAction,
        });
      }
      case 'declined':
      case 'canceled': {
        const declineCode = outcome.status === 'declined' ? outcome.declineCode : 'canceled';
        const row = await this.settle('payment.failed', { pspReference: outcome.reference, failureCode: declineCode });
        await eventStub(this.env, row.tenant_id, row.event_id).release(row.transaction_id);
        const message = outcome.status === 'declined' ? outcome.message : 'The payment was canceled';
        return this.errorBody(input, new AppError('PAYMENT_FAILED', 402, message), { transactionId: input.transactionId, declineCode });
      }
    }
  }

  // ── state ──────────────────────────────────────────────────────────────────

  private next(state: PaymentState, event: PaymentEvent): PaymentState {
    const result = transition(state, event);
    if (!result.ok) throw new AppError('INVALID_STATE_TRANSITION', 409, result.error.message);
    return result.value;
  }

  /**
   * Applies a PSP outcome: state, references and the outbox event in one transaction. An outcome that
   * no longer fits (a webhook got there first) leaves the state as it is.
   */
  private async settle(
    event: PaymentEvent,
    facts: { pspReference?: string | null; chargeReference?: string | null; failureCode?: string },
  ): Promise<Row> {
    const now = Date.now();
    const row = this.ctx.storage.transactionSync(() => {
      const current = this.row() as Row;
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
      if (next.value !== current.state || event === 'payment.succeeded' || event === 'payment.failed') this.emit(event, now);
      this.drainParked(now);
      return this.row() as Row;
    });
    await this.rearm();
    return row;
  }

  // ── refunds ────────────────────────────────────────────────────────────────

  refund(input: RefundInput): Promise<ObjectResponse> {
    return this.idempotent(`refund:${input.userId}:${input.idempotencyKey}`, input, () => this.executeRefund(input));
  }

  private async executeRefund(input: RefundInput): Promise<Response> {
    const now = Date.now();
    const row = this.row();
    if (!row || row.tenant_id !== input.tenantId || (!input.isAdmin && row.user_id !== input.userId)) {
      return this.errorBody(input, new AppError('NOT_FOUND', 404, 'Transaction not found'));
    }
    // A retry of a refund whose PSP call did not answer repeats the same refund (same id, same PSP key).
    let refund = this.ctx.storage.sql
      .exec<RefundRow>(
        "SELECT * FROM refunds WHERE idempotency_key = ? AND status = 'processing'",
        `${input.userId}:${input.idempotencyKey}`,
      )
      .toArray()[0];
    if (!refund) {
      const plan = planRefund({ captured: row.amount, alreadyRefunded: this.refundedOrInFlight(), requested: input.amount });
      if (!plan.ok) {
        const err = plan.error;
        return err.code === 'REFUND_EXCEEDS_ORIGINAL'
          ? this.errorBody(input, new AppError('REFUND_EXCEEDS_ORIGINAL', 400, err.message))
          : this.errorBody(
              input,
              new AppError('VALIDATION_ERROR', 422, 'Validation failed', { errors: [{ field: 'amount', message: err.message }] }),
            );
      }
      const started = transition(row.state, 'refund.initiated');
      if (!started.ok)
        return this.errorBody(
          input,
          new AppError('INVALID_STATE_TRANSITION', 409, `A ${toApiStatus(row.state)} payment cannot be refunded`),
        );
      const refundId = crypto.randomUUID();
      this.ctx.storage.transactionSync(() => {
        this.ctx.storage.sql.exec(
          "INSERT INTO refunds (refund_id, idempotency_key, amount, reason, status, source, created_at, updated_at) VALUES (?, ?, ?, ?, 'processing', 'api', ?, ?)",
          refundId,
          `${input.userId}:${input.idempotencyKey}`,
          plan.value.amount,
          input.reason ?? null,
          now,
          now,
        );
        this.setState(started.value, now);
        this.emitRefund('refund.created', refundId, now);
      });
      await this.rearm();
      refund = this.refundRow(refundId) as RefundRow;
    }
    const config = parseConfig(this.env as Parameters<typeof parseConfig>[0]);
    const result = await pspAdapter(config, row.provider).refund({
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
        return this.errorBody(
          input,
          new AppError('PSP_UNAVAILABLE', 502, 'The payment provider did not answer; retry with the same Idempotency-Key', {
            retryable: true,
          }),
        );
      }
      this.settleRefund(refund.refund_id, 'failed', null, Date.now());
      await this.rearm();
      return this.errorBody(input, new AppError('PSP_UNAVAILABLE', 502, 'The payment provider refused the refund'));
    }
    const settled = this.settleRefund(refund.refund_id, result.value.status, result.value.reference, Date.now());
    await this.rearm();
    if (settled.status === 'failed')
      return this.errorBody(input, new AppError('PAYMENT_FAILED', 402, 'The refund failed'), { refundId: settled.refund_id });
    return { status: 200, body: { success: true, refund: { id: settled.refund_id, amount: settled.amount, status: settled.status } } };
  }

  private refundRow(refundId: string): RefundRow | undefined {
    return this.ctx.storage.sql.exec<RefundRow>('SELECT * FROM refunds WHERE refund_id = ?', refundId).toArray()[0];
  }

  /** Refunds that count against the captured amount: completed and those still with the PSP. */
  private refundedOrInFlight(): number {
    const r = this.ctx.storage.sql.exec<{ n: number | null }>("SELECT SUM(amount) AS n FROM refunds WHERE status != 'failed'").toArray()[0];
    return r?.n ?? 0;
  }

  private refundContext(): RefundContext {
    const row = this.row() as Row;
    const completed =
      this.ctx.storage.sql.exec<{ n: number | null }>("SELECT SUM(amount) AS n FROM refunds WHERE status = 'completed'").toArray()[0]?.n ??
      0;
    const inFlight =
      this.ctx.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM refunds WHERE status IN ('processing', 'pending')").toArray()[0]
        ?.n ?? 0;
    return { refunded: completed === 0 ? 'none' : completed >= row.amount ? 'full' : 'partial', refundsInFlight: inFlight > 0 };
  }

  /**
   * Moves a refund to its PSP outcome (once: a settled refund stays settled), updates the payment's
   * state and refunded amount, and appends refund.succeeded (with its ledger lines) or refund.failed.
   */
  private settleRefund(refundId: string, outcome: 'succeeded' | 'pending' | 'failed', pspReference: string | null, now: number): RefundRow {
    return this.ctx.storage.transactionSync(() => {
      const refund = this.refundRow(refundId) as RefundRow;
      if (refund.status === 'completed' || refund.status === 'failed') return refund;
      const status = outcome === 'succeeded' ? 'completed' : outcome;
      const alreadyRefunded = (this.row() as Row).refunded_amount;
      this.ctx.storage.sql.exec(
        'UPDATE refunds SET status = ?, psp_reference = COALESCE(?, psp_reference), updated_at = ? WHERE refund_id = ?',
        status,
        pspReference,
        now,
        refundId,
      );
      if (status === 'pending') return this.refundRow(refundId) as RefundRow;
      if (status === 'completed')
        this.ctx.storage.sql.exec('UPDATE payment SET refunded_amount = refunded_amount + ? WHERE id = 1', refund.amount);
      const event: PaymentEvent = status === 'completed' ? 'refund.succeeded' : 'refund.failed';
      const next = transition((this.row() as Row).state, event, this.refundContext());
      if (next.ok) this.setState(next.value, now);
      this.emitRefund(status === 'completed' ? 'refund.succeeded' : 'refund.failed', refundId, now, alreadyRefunded);
      this.drainParked(now);
      return this.refundRow(refundId) as RefundRow;
    });
  }

  private setState(state: PaymentState, now: number): void {
    this.ctx.storage.sql.exec('UPDATE payment SET state = ?, version = version + 1, updated_at = ? WHERE id = 1', state, now);
  }

  private emitRefund(type: string, refundId: string, now: number, alreadyRefunded?: number): void {
    const row = this.row() as Row;
    const refund = this.refundRow(refundId) as RefundRow;
    const payload: Record<string, unknown> = {
      refund: {
        refundId,
        transactionId: row.transaction_id,
        tenantId: row.tenant_id,
        amount: refund.amount,
        reason: refund.reason,
        status: refund.status,
        pspReference: refund.psp_reference,
        idempotencyKey: refund.idempotency_key?.split(':').pop() ?? null,
        createdAt: new Date(refund.created_at).toISOString(),
        updatedAt: new Date(refund.updated_at).toISOString(),
      },
      payment: toSnapshot(row),
    };
    if (type === 'refund.succeeded') {
      payload.ledger = refundLedgerLines({
        userId: row.user_id,
        venueId: row.venue_id,
        fees: JSON.parse(row.fees) as Fees,
        tax: JSON.parse(row.tax) as TaxResult,
        amount: refund.amount,
        alreadyRefunded: alreadyRefunded ?? 0,
      });
    }
    this.outbox.append({ type, tenantId: row.tenant_id, payload }, now);
  }

  // ── reconciliation ─────────────────────────────────────────────────────────

  /**
   * Called by the 5-minute cron for payments that look stuck, serialized with live traffic because it
   * runs here. Re-arms the alarm (undelivered outbox rows), expires a payment that never started,
   * asks the PSP where a PROCESSING payment stands and converges, gives up on a charge whose PSP call
   * never answered (a late success still arrives as a webhook and is applied), then retries parked events.
   */
  async reconcile(staleAfterMs = RECONCILE_STALE_MS): Promise<{ action: 'none' | 'expired' | 'converged' | 'abandoned' | 'unchanged' }> {
    await this.rearm();
    const row = this.row();
    const now = Date.now();
    if (!row || now - row.updated_at < staleAfterMs) return { action: 'none' };
    if (row.state === 'PENDING') {
      await this.settle('payment.expired', {});
      return { action: 'expired' };
    }
    if (row.state !== 'PROCESSING') return { action: 'unchanged' };
    if (!row.psp_reference) {
      const failed = await this.settle('payment.failed', { failureCode: 'psp_no_answer' });
      await eventStub(this.env, failed.tenant_id, failed.event_id).release(failed.transaction_id);
      return { action: 'abandoned' };
    }
    const config = parseConfig(this.env as Parameters<typeof parseConfig>[0]);
    const result = await pspAdapter(config, row.provider).retrieveCharge(row.psp_reference, row.connected_account ?? undefined);
    if (!result.ok) return { action: 'unchanged' };
    const outcome = result.value;
    if (outcome.status === 'requires_action' || outcome.status === 'processing') return { action: 'unchanged' };
    const event = PAYMENT_EVENT_OF[outcome.status];
    const settled = await this.settle(event, {
      pspReference: outcome.reference,
      chargeReference: outcome.status === 'succeeded' ? outcome.chargeReference : null,
      failureCode: outcome.status === 'declined' ? outcome.declineCode : undefined,
    });
    const events = eventStub(this.env, settled.tenant_id, settled.event_id);
    if (settled.state === 'PAID') await events.confirm(settled.transaction_id);
    if (settled.state === 'PAYMENT_FAILED') await events.release(settled.transaction_id);
    return { action: 'converged' };
  }

  // ── PSP notifications ──────────────────────────────────────────────────────

  /**
   * A webhook's event, verified and mapped by the Worker. Deduplicated by event id. An event that fits
   * the current state is applied; one that belongs before the current state is stale and changes
   * nothing (state never regresses); one that belongs after it is parked and applied once its
   * predecessor has been (e.g. a refund notified before the payment's success).
   */
  async applyPspEvent(
    event: PspEvent,
  ): Promise<{ status: 'applied' | 'parked' | 'stale' | 'ignored' | 'duplicate' | 'unknown_transaction' }> {
    const row = this.row();
    if (!row || (event.tenantId !== null && event.tenantId !== row.tenant_id)) return { status: 'unknown_transaction' };
    const now = Date.now();
    const status = this.ctx.storage.transactionSync(() => {
      const seen = this.ctx.storage.sql.exec('SELECT 1 FROM psp_events WHERE event_id = ?', event.eventId).toArray();
      if (seen.length) return 'duplicate' as const;
      const outcome = this.tryApply(event, now);
      this.ctx.storage.sql.exec(
        'INSERT INTO psp_events (event_id, payload, status, received_at, settled_at) VALUES (?, ?, ?, ?, ?)',
        event.eventId,
        JSON.stringify(event),
        outcome,
        now,
        outcome === 'parked' ? null : now,
      );
      this.recordNotification(event, outcome, now);
      if (outcome === 'applied') this.drainParked(now);
      return outcome;
    });
    await this.rearm();
    return { status };
  }

  /** Inside a transaction: applies what fits, says what does not. */
  private tryApply(event: PspEvent, now: number): 'applied' | 'parked' | 'stale' | 'ignored' {
    const row = this.row() as Row;
    if (event.kind === 'other') return 'ignored';
    if (event.kind === 'payment') {
      const pspEvent = PAYMENT_EVENT_OF[event.outcome.status];
      let state = row.state;
      // The same PaymentIntent can still succeed after a decline (the customer retried on it).
      if (pspEvent === 'payment.succeeded' && state === 'PAYMENT_FAILED') state = this.next(state, 'payment.retry');
      const next = transition(state, pspEvent);
      if (!next.ok || (next.value === row.state && pspEvent !== 'payment.requires_action' && pspEvent !== 'payment.processing')) {
        return EVENT_RANK[pspEvent] > STATE_RANK[row.state] ? 'parked' : 'stale';
      }
      if (next.value === row.state) return 'stale';
      const facts = event.outcome.status === 'succeeded' ? event.outcome.chargeReference : null;
      this.ctx.storage.sql.exec(
        'UPDATE payment SET state = ?, psp_reference = COALESCE(psp_reference, ?), charge_reference = COALESCE(?, charge_reference), version = version + 1, updated_at = ? WHERE id = 1',
        next.value,
        event.reference,
        facts,
        now,
      );
      this.emit(pspEvent, now);
      return 'applied';
    }
    // Refund notification: ours (by refund id or PSP reference) or one made elsewhere.
    const ours =
      (event.refundId ? this.refundRow(event.refundId) : undefined) ??
      this.ctx.storage.sql.exec<RefundRow>('SELECT * FROM refunds WHERE psp_reference = ?', event.reference).toArray()[0];
    if (ours) {
      if (ours.status === 'completed' || ours.status === 'failed') return 'stale';
      if (event.status === 'pending') return 'stale';
      this.settleRefund(ours.refund_id, event.status, event.reference, now);
      return 'applied';
    }
    const started = transition(row.state, 'refund.initiated');
    if (!started.ok) return STATE_RANK[row.state] < EVENT_RANK['refund.initiated'] ? 'parked' : 'stale';
    if (event.status === 'failed') return 'ignored';
    const refundId = crypto.randomUUID();
    this.ctx.storage.sql.exec(
      "INSERT INTO refunds (refund_id, idempotency_key, amount, reason, status, psp_reference, source, created_at, updated_at) VALUES (?, NULL, ?, NULL, 'processing', ?, ?, ?, ?)",
      refundId,
      event.amount,
      event.reference,
      event.provider,
      now,
      now,
    );
    this.setState(started.value, now);
    this.emitRefund('refund.created', refundId, now);
    this.settleRefund(refundId, event.status, event.reference, now);
    return 'applied';
  }

  /** Inside a transaction: the notification and what became of it, for webhook_inbox. */
  private recordNotification(event: PspEvent, outcome: string, now: number): void {
    const row = this.row() as Row;
    this.outbox.append(
      {
        type: 'webhook.received',
        tenantId: row.tenant_id,
        payload: {
          provider: event.provider,
          webhookId: event.eventId,
          eventType: event.type,
          transactionId: row.transaction_id,
          status: outcome,
          payload: event,
        },
      },
      now,
    );
  }

  /** Inside a transaction: re-tries parked events, oldest first, until none more applies. */
  private drainParked(now: number): void {
    for (let progress = true; progress; ) {
      progress = false;
      const parked = this.ctx.storage.sql
        .exec<{ event_id: string; payload: string }>(
          "SELECT event_id, payload FROM psp_events WHERE status = 'parked' ORDER BY received_at",
        )
        .toArray();
      for (const p of parked) {
        const event = JSON.parse(p.payload) as PspEvent;
        const outcome = this.tryApply(event, now);
        if (outcome === 'parked') continue;
        this.ctx.storage.sql.exec('UPDATE psp_events SET status = ?, settled_at = ? WHERE event_id = ?', outcome, now, p.event_id);
        this.recordNotification(event, outcome, now);
        progress = progress || outcome === 'applied';
      }
    }
  }

  /** Appends the event with a full snapshot (projections are versioned upserts of it). Inside a transaction. */
  private emit(type: string, now: number): void {
    const row = this.row() as Row;
    const snapshot = toSnapshot(row);
    const payload: Record<string, unknown> = { ...snapshot };
    if (type === 'payment.succeeded') {
      const fees = JSON.parse(row.fees) as Fees;
      const tax = JSON.parse(row.tax) as TaxResult;
      const cost = processingCost(fees.total);
      payload.processingCost = cost;
      payload.ledger = saleLedgerLines({
        userId: row.user_id,
        venueId: row.venue_id,
        provider: row.provider,
        fees,
        tax,
        processingCost: cost,
      });
    }
    this.outbox.append({ type, tenantId: row.tenant_id, payload }, now);
  }
}

function checkPrices(request: ProcessPaymentBody, event: EventProfile): FieldError[] {
  const errors: FieldError[] = [];
  request.tickets.forEach((ticket, i) => {
    const type = event.ticketTypes.find((t) => t.id === ticket.ticketTypeId);
    if (!type) errors.push({ field: `tickets.${i}.ticketTypeId`, message: 'no such ticket type for this event' });
    else if (type.price !== ticket.price)
      errors.push({ field: `tickets.${i}.price`, message: `must equal the catalog price ${type.price}` });
  });
  return errors;
}

function toSnapshot(row: Row): PaymentSnapshot {
  return {
    transactionId: row.transaction_id,
    tenantId: row.tenant_id,
    userId: row.user_id,
    venueId: row.venue_id,
    eventId: row.event_id,
    idempotencyKey: row.idempotency_key,
    state: row.state,
    status: toApiStatus(row.state),
    amount: row.amount,
    currency: row.currency,
    fees: JSON.parse(row.fees) as Fees,
    provider: row.provider,
    pspReference: row.psp_reference,
    paymentMethodId: row.payment_method_id,
    refundedAmount: row.refunded_amount,
    version: row.version,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

/** Seed §1's 200 body. nftStatus stays null until NFT minting ships. */
function successBody(row: Row) {
  return {
    success: true,
    transaction: {
      id: row.transaction_id,
      amount: row.amount,
      currency: row.currency,
      status: toApiStatus(row.state),
      stripePaymentIntentId: row.provider === 'stripe' ? row.psp_reference : null,
      metadata: {},
    },
    fees: publicFees(JSON.parse(row.fees) as Fees),
    nftStatus: null,
  };
}
