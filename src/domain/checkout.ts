import type { LedgerLine } from './ledger';

/** A checkout session's status, whatever its provider calls it (each adapter maps its own words to these). */
export const CHECKOUT_STATUSES = [
  'open',
  'processing',
  'succeeded',
  'failed',
  'expired',
  'canceled',
  'refunded',
  'partially_refunded',
] as const;
export type CheckoutStatus = (typeof CHECKOUT_STATUSES)[number];

/**
 * The state of a hosted checkout session as its owning object keeps it, and how a provider's
 * observation (notification or read-back) moves it. Observations arrive late, twice and out of order,
 * so the rules are monotonic: once money is captured nothing but refunds changes the status, refunded
 * amounts only grow and never pass the paid amount, and an ended unpaid session only moves if a payment
 * shows up after all (the payer paid just before expiry).
 */
export type CheckoutState = {
  status: CheckoutStatus;
  /** The amount asked for, minor units. */
  amount: number;
  amountPaid: number;
  amountRefunded: number;
  paymentReference: string | null;
};

export type CheckoutObservation = {
  status: CheckoutStatus;
  /** Captured amount when the provider reports it; null/absent: the amount asked for. */
  amountPaid?: number | null;
  amountRefunded?: number;
  paymentReference?: string | null;
};

const PAID: ReadonlySet<CheckoutStatus> = new Set(['succeeded', 'partially_refunded', 'refunded']);
const ENDED_UNPAID: ReadonlySet<CheckoutStatus> = new Set(['failed', 'expired', 'canceled']);

export function isPaid(status: CheckoutStatus): boolean {
  return PAID.has(status);
}

/** Open or processing: the payer may still pay. */
export function isPayable(status: CheckoutStatus): boolean {
  return status === 'open' || status === 'processing';
}

export function statusFromAmounts(amountPaid: number, amountRefunded: number): CheckoutStatus {
  if (amountRefunded <= 0) return 'succeeded';
  return amountRefunded >= amountPaid ? 'refunded' : 'partially_refunded';
}

export function applyObservation(state: CheckoutState, obs: CheckoutObservation): CheckoutState {
  const paymentReference = obs.paymentReference ?? state.paymentReference;
  if (isPaid(state.status) || isPaid(obs.status)) {
    const amountPaid = isPaid(state.status) ? state.amountPaid : (obs.amountPaid ?? state.amount);
    const amountRefunded = Math.min(amountPaid, Math.max(state.amountRefunded, obs.amountRefunded ?? 0));
    return { ...state, status: statusFromAmounts(amountPaid, amountRefunded), amountPaid, amountRefunded, paymentReference };
  }
  let status = state.status;
  if (obs.status === 'processing' && state.status === 'open') status = 'processing';
  else if (ENDED_UNPAID.has(obs.status) && isPayable(state.status)) status = obs.status;
  // A failed attempt may be retried by the payer on the same session (Stripe, MercadoPago): open again.
  else if (obs.status === 'open' && state.status === 'failed') status = 'open';
  return { ...state, status, paymentReference };
}

/** What a provider's read-back of a session reports. */
export type ProviderSnapshot = { status: CheckoutStatus; paymentReference: string | null; amountPaid: number; amountRefunded: number };

/** The status machine's part of a stored session. */
export function stateOf(record: CheckoutState): CheckoutState {
  return {
    status: record.status,
    amount: record.amount,
    amountPaid: record.amountPaid,
    amountRefunded: record.amountRefunded,
    paymentReference: record.paymentReference,
  };
}

/** A read-back as an observation: a captured amount of 0 means none reported. */
export function snapshotObservation(s: ProviderSnapshot): CheckoutObservation {
  return {
    status: s.status,
    amountPaid: s.amountPaid > 0 ? s.amountPaid : null,
    amountRefunded: s.amountRefunded,
    paymentReference: s.paymentReference,
  };
}

export function differs(record: CheckoutState, next: CheckoutState): boolean {
  return (
    next.status !== record.status ||
    next.amountPaid !== record.amountPaid ||
    next.amountRefunded !== record.amountRefunded ||
    next.paymentReference !== record.paymentReference
  );
}

/** The stored session's bookkeeping that moving to a new state touches. */
export type SessionBookkeeping = CheckoutState & {
  paidAt: number | null;
  checkAttempts: number;
  nextCheckAt: number | null;
  updatedAt: number;
  version: number;
};

/** The record in its next state: a new version, paid-at set on first payment, pending read-back retries cleared. */
export function advance<R extends SessionBookkeeping>(record: R, next: CheckoutState, now: number): R {
  return {
    ...record,
    ...next,
    paidAt: record.paidAt ?? (isPaid(next.status) ? now : null),
    checkAttempts: 0,
    nextCheckAt: null,
    updatedAt: now,
    version: record.version + 1,
  };
}

/** What may still be refunded, given refunds already in flight. */
export function refundableAmount(state: CheckoutState, pendingRefunds: number): number {
  if (!isPaid(state.status)) return 0;
  return Math.max(0, state.amountPaid - state.amountRefunded - pendingRefunds);
}

/**
 * Ledger lines for a captured checkout payment: the provider holds the money for the merchant
 * (debit the PSP's clearing account, credit the merchant's payable). A refund reverses part of it.
 */
export function checkoutPaymentLedger(provider: string, merchantAccount: string, amount: number): LedgerLine[] {
  return [
    { account: `psp:${provider}:clearing`, amount },
    { account: `merchant:${provider}:${merchantAccount}`, amount: -amount },
  ];
}

export function checkoutRefundLedger(provider: string, merchantAccount: string, amount: number): LedgerLine[] {
  return [
    { account: `merchant:${provider}:${merchantAccount}`, amount },
    { account: `psp:${provider}:clearing`, amount: -amount },
  ];
}
