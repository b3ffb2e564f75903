/**
 * The payment state machine as data. `transition` is total: any (state, event, context) — even
 * strings read back from storage — yields a Result, never a throw, so a late or duplicated PSP
 * webhook becomes an INVALID_STATE_TRANSITION the caller can log and acknowledge.
 *
 * Refund outcomes depend on facts the state alone cannot hold (was this the last cent? are other
 * refunds still with the PSP?), so `refund.succeeded` / `refund.failed` take a RefundContext
 * describing the refund totals *after* the event. The owner of the refund records (PaymentDO)
 * knows them; the machine stays small and REFUNDING needs no hidden "previous state".
 */
import type { DomainError, Result } from './result';
import { err, ok } from './result';

export const PAYMENT_STATES = [
  'PENDING',
  'PROCESSING',
  'PAID',
  'REFUNDING',
  'REFUNDED',
  'PARTIALLY_REFUNDED',
  'PAYMENT_FAILED',
  'CANCELLED',
  'EXPIRED',
] as const;
export type PaymentState = (typeof PAYMENT_STATES)[number];

export const PAYMENT_EVENTS = [
  'payment.processing',
  'payment.requires_action',
  'payment.succeeded',
  'payment.failed',
  'payment.retry',
  'payment.cancelled',
  'payment.expired',
  'refund.initiated',
  'refund.succeeded',
  'refund.failed',
] as const;
export type PaymentEvent = (typeof PAYMENT_EVENTS)[number];

export interface RefundContext {
  /** Succeeded refunds after this event, relative to the captured amount. */
  readonly refunded: 'none' | 'partial' | 'full';
  /** Whether other refunds are still awaiting the PSP after this event. */
  readonly refundsInFlight?: boolean;
}

export type TransitionError = DomainError<'INVALID_STATE_TRANSITION'>;

/** Marks a table cell whose target is decided by the RefundContext. */
const REFUND_OUTCOME = 'REFUND_OUTCOME';
type Target = PaymentState | typeof REFUND_OUTCOME;

/**
 * The whole machine. Absent cells are invalid. Notes on the choices:
 * - PROCESSING accepts `payment.processing` and `payment.requires_action` as self-loops: we enter
 *   PROCESSING before calling the PSP, and its own "processing" webhook then arrives afterwards.
 * - PAYMENT_FAILED is not final: `payment.retry` (a new payment method) goes back to PROCESSING;
 *   an abandoned failed payment can still be cancelled or expired by cleanup.
 * - REFUNDING accepts `refund.initiated` so several partial refunds may be in flight at once.
 * - PENDING → PAID is deliberately absent: PROCESSING is recorded before the PSP is awaited.
 */
export const PAYMENT_TRANSITIONS: Readonly<Record<PaymentState, Readonly<Partial<Record<PaymentEvent, Target>>>>> = {
  PENDING: {
    'payment.processing': 'PROCESSING',
    'payment.failed': 'PAYMENT_FAILED',
    'payment.cancelled': 'CANCELLED',
    'payment.expired': 'EXPIRED',
  },
  PROCESSING: {
    'payment.processing': 'PROCESSING',
    'payment.requires_action': 'PROCESSING',
    'payment.succeeded': 'PAID',
    'payment.failed': 'PAYMENT_FAILED',
    'payment.cancelled': 'CANCELLED',
    'payment.expired': 'EXPIRED',
  },
  PAYMENT_FAILED: {
    'payment.retry': 'PROCESSING',
    'payment.cancelled': 'CANCELLED',
    'payment.expired': 'EXPIRED',
  },
  PAID: { 'refund.initiated': 'REFUNDING' },
  REFUNDING: {
    'refund.initiated': 'REFUNDING',
    'refund.succeeded': REFUND_OUTCOME,
    'refund.failed': REFUND_OUTCOME,
  },
  PARTIALLY_REFUNDED: { 'refund.initiated': 'REFUNDING' },
  REFUNDED: {},
  CANCELLED: {},
  EXPIRED: {},
};

export function isPaymentState(value: unknown): value is PaymentState {
  return typeof value === 'string' && (PAYMENT_STATES as readonly string[]).includes(value);
}

export function isPaymentEvent(value: unknown): value is PaymentEvent {
  return typeof value === 'string' && (PAYMENT_EVENTS as readonly string[]).includes(value);
}

/** Events the state accepts (for error messages and admin tooling). */
export function allowedEvents(state: PaymentState): PaymentEvent[] {
  return PAYMENT_EVENTS.filter((e) => PAYMENT_TRANSITIONS[state][e] !== undefined);
}

/** Terminal = accepts no event at all: REFUNDED, CANCELLED, EXPIRED. PAID still accepts refunds. */
export function isTerminal(state: PaymentState): boolean {
  return allowedEvents(state).length === 0;
}

/** A PSP operation is outstanding: reconciliation polls these when they go stale. */
export function isInFlight(state: PaymentState): boolean {
  return state === 'PROCESSING' || state === 'REFUNDING';
}

function invalid(message: string): Result<never, TransitionError> {
  return err({ code: 'INVALID_STATE_TRANSITION', message });
}

function refundOutcome(event: PaymentEvent, ctx: RefundContext | undefined): Result<PaymentState, TransitionError> {
  const refunded: unknown = ctx?.refunded;
  if (refunded !== 'none' && refunded !== 'partial' && refunded !== 'full') {
    return invalid(`${event} needs a refund context ({ refunded: 'none' | 'partial' | 'full' })`);
  }
  if (event === 'refund.succeeded' && refunded === 'none') return invalid('refund.succeeded cannot leave nothing refunded');
  // A full refund leaves no room for another refund in flight, and a failed one cannot complete it.
  if (refunded === 'full' && (ctx?.refundsInFlight === true || event === 'refund.failed')) {
    return invalid(`${event} with refunded 'full' is inconsistent${ctx?.refundsInFlight ? ' with refunds in flight' : ''}`);
  }
  if (ctx?.refundsInFlight === true) return ok('REFUNDING');
  return ok(refunded === 'full' ? 'REFUNDED' : refunded === 'partial' ? 'PARTIALLY_REFUNDED' : 'PAID');
}

export function transition(state: PaymentState, event: PaymentEvent, ctx?: RefundContext): Result<PaymentState, TransitionError> {
  if (!isPaymentState(state)) return invalid(`unknown payment state: ${String(state)}`);
  if (!isPaymentEvent(event)) return invalid(`unknown payment event: ${String(event)}`);
  const target = PAYMENT_TRANSITIONS[state][event];
  if (target === undefined) return invalid(`${event} is not allowed in state ${state}`);
  return target === REFUND_OUTCOME ? refundOutcome(event, ctx) : ok(target);
}

export const API_STATUSES = [
  'pending',
  'processing',
  'completed',
  'failed',
  'refunded',
  'partially_refunded',
  'cancelled',
  'expired',
] as const;
export type ApiPaymentStatus = (typeof API_STATUSES)[number];

/**
 * Internal state → API status vocabulary. REFUNDING has no word of its own; it shows as
 * `processing` (an operation is with the PSP, and tickets should not be treated as settled) until
 * the refund resolves to refunded / partially_refunded / completed.
 */
const API_STATUS: Readonly<Record<PaymentState, ApiPaymentStatus>> = {
  PENDING: 'pending',
  PROCESSING: 'processing',
  PAID: 'completed',
  REFUNDING: 'processing',
  REFUNDED: 'refunded',
  PARTIALLY_REFUNDED: 'partially_refunded',
  PAYMENT_FAILED: 'failed',
  CANCELLED: 'cancelled',
  EXPIRED: 'expired',
};

export function toApiStatus(state: PaymentState): ApiPaymentStatus {
  return API_STATUS[state];
}
