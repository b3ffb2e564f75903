import type Stripe from 'stripe';
import type { ConnectCapability, ConnectEvent, PayoutInput, PayoutView, TransferInput, TransferView } from '../adapter';
import type { PspFailure, PspResult } from '../types';
import { checkoutErrorToFailure, fromStripeAmount, readStripe, toStripeAmount, toStripeCurrency } from './transformers';
import type { StripeEventLike } from './webhook';
import { DisputeObject, PaymentIntentObject, StripePayout, StripeTransfer } from './wire';

/**
 * Stripe Connect money out: payouts of a connected account's balance to its bank (POST /v1/payouts as that
 * account), transfers from the platform to a connected account or back (an account debit is made as the
 * connected account, to the platform), and the metadata of a PaymentIntent for events that carry only its id;
 * then their notifications (a payout's outcome, a dispute) in the common model. Like ticket payments: one SDK
 * call per operation with the caller's deterministic Idempotency-Key, and the caller retries what is retryable
 * (network, timeout, 409, 429, 5xx); a Stripe 4xx is final.
 */
export class StripeConnect implements ConnectCapability {
  constructor(private readonly stripe: Stripe) {}

  async createPayout(input: PayoutInput): Promise<PspResult<PayoutView>> {
    const amount = toStripeAmount(input.amount, input.currency);
    if (!amount.ok) return amount;
    try {
      const payout = await this.stripe.payouts.create(
        {
          amount: amount.value,
          currency: toStripeCurrency(input.currency),
          method: input.method,
          metadata: input.metadata,
          ...(input.description ? { description: input.description } : {}),
        },
        { idempotencyKey: input.idempotencyKey, stripeAccount: input.account },
      );
      const read = readStripe(StripePayout, payout, 'payout');
      if (!read.ok) return read;
      const view = payoutView(read.value);
      return view ? { ok: true, value: view } : inexact('payout amount', read.value.amount, read.value.currency);
    } catch (err) {
      return { ok: false, failure: checkoutErrorToFailure(err) };
    }
  }

  async createTransfer(input: TransferInput): Promise<PspResult<TransferView>> {
    const amount = toStripeAmount(input.amount, input.currency);
    if (!amount.ok) return amount;
    try {
      const transfer = await this.stripe.transfers.create(
        {
          amount: amount.value,
          currency: toStripeCurrency(input.currency),
          destination: input.destination,
          metadata: input.metadata,
          ...(input.transferGroup ? { transfer_group: input.transferGroup } : {}),
          ...(input.sourceTransaction ? { source_transaction: input.sourceTransaction } : {}),
        },
        // An account debit is requested by the connected account it debits.
        { idempotencyKey: input.idempotencyKey, ...(input.fromAccount ? { stripeAccount: input.fromAccount } : {}) },
      );
      const read = readStripe(StripeTransfer, transfer, 'transfer');
      if (!read.ok) return read;
      const t = read.value;
      const minor = fromStripeAmount(t.amount, t.currency);
      if (minor === null) return inexact('transfer amount', t.amount, t.currency);
      return {
        ok: true,
        value: {
          id: t.id,
          amount: minor,
          currency: t.currency.toUpperCase(),
          destination: idOf(t.destination) ?? input.destination,
          transferGroup: t.transfer_group ?? null,
        },
      };
    } catch (err) {
      return { ok: false, failure: checkoutErrorToFailure(err) };
    }
  }

  async paymentMetadata(paymentIntentId: string, account?: string): Promise<PspResult<Record<string, string>>> {
    try {
      const intent = await this.stripe.paymentIntents.retrieve(paymentIntentId, {}, account ? { stripeAccount: account } : undefined);
      const read = readStripe(PaymentIntentObject, intent, 'PaymentIntent');
      return read.ok ? { ok: true, value: read.value.metadata ?? {} } : read;
    } catch (err) {
      return { ok: false, failure: checkoutErrorToFailure(err) };
    }
  }
}

// ---- notifications ------------------------------------------------------------------------------

/** The payout outcomes we act on; payout.created / payout.updated say nothing final. */
export const STRIPE_PAYOUT_EVENTS = ['payout.paid', 'payout.failed', 'payout.canceled'] as const;
/** Every dispute event Stripe sends: opened, changed (evidence, status), decided, and its funds moving. */
export const STRIPE_DISPUTE_EVENTS = [
  'charge.dispute.created',
  'charge.dispute.updated',
  'charge.dispute.closed',
  'charge.dispute.funds_withdrawn',
  'charge.dispute.funds_reinstated',
] as const;

const MAX_FAILURE_MESSAGE = 500;
const DECIDED = new Set(['won', 'lost']);

/** A verified event → a payout outcome or a dispute change; null for other types and for shapes or statuses we do not map. */
export function stripeConnectEvent(event: StripeEventLike): ConnectEvent | null {
  const object = event.data.object;
  const base = { eventId: event.id, type: event.type, occurredAt: event.created * 1000, account: event.account ?? null };
  if ((STRIPE_PAYOUT_EVENTS as readonly string[]).includes(event.type) && object.object === 'payout') {
    // A status Stripe adds later is not guessed at: the event is left to be ignored.
    const parsed = StripePayout.safeParse(object);
    if (!parsed.success) return null;
    const payout = payoutView(parsed.data);
    return payout ? { ...base, kind: 'payout', payout, metadata: parsed.data.metadata ?? {} } : null;
  }
  if ((STRIPE_DISPUTE_EVENTS as readonly string[]).includes(event.type) && object.object === 'dispute') {
    const parsed = DisputeObject.safeParse(object);
    if (!parsed.success) return null;
    const dispute = parsed.data;
    const amount = fromStripeAmount(dispute.amount, dispute.currency);
    const chargeId = idOf(dispute.charge);
    if (amount === null || !chargeId) return null;
    return {
      ...base,
      kind: 'dispute',
      disputeId: dispute.id,
      paymentIntentId: idOf(dispute.payment_intent),
      chargeId,
      amount,
      currency: dispute.currency.toUpperCase(),
      status: dispute.status,
      reason: dispute.reason,
      closed: DECIDED.has(dispute.status),
    };
  }
  return null;
}

/** A payout in the common model; null when its amount is not an exact amount of its currency. */
function payoutView(payout: StripePayout): PayoutView | null {
  const amount = fromStripeAmount(payout.amount, payout.currency);
  if (amount === null) return null;
  return {
    id: payout.id,
    status: payout.status,
    amount,
    currency: payout.currency.toUpperCase(),
    arrivalDate: typeof payout.arrival_date === 'number' ? payout.arrival_date * 1000 : null,
    failureCode: payout.failure_code ?? null,
    failureMessage: payout.failure_message?.slice(0, MAX_FAILURE_MESSAGE) ?? null,
  };
}

function idOf(value: string | { id: string } | null | undefined): string | null {
  if (typeof value === 'string') return value || null;
  return value?.id || null;
}

function inexact(what: string, value: number, currency: string): { ok: false; failure: PspFailure } {
  return {
    ok: false,
    failure: {
      kind: 'unavailable',
      retryable: false,
      code: 'unexpected_response',
      message: `Stripe answered ${what} ${value} that is not an exact ${currency.toUpperCase()} amount`,
    },
  };
}
