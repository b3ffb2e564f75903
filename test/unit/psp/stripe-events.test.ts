import { describe, expect, it } from 'vitest';
import { stripeConnectEvent } from '../../../src/psp/stripe/connect.ts';
import { STRIPE_WEBHOOK_EVENTS } from '../../../src/psp/stripe/events.ts';
import {
  recoveryRouteOf,
  type StripeEventLike,
  stripeCheckoutEventToNotifications,
  stripeEventToPspEvent,
} from '../../../src/psp/stripe/webhook.ts';

/**
 * The webhook endpoint is registered for STRIPE_WEBHOOK_EVENTS only, so the list must hold every type some
 * owner acts on (else a payment's outcome would never arrive) and nothing else (else Stripe posts events that
 * are only acknowledged). Each event below names all the owners at once, so whichever reads it is seen.
 */
const metadata = {
  transaction_id: '7f0c1b8e-4c7b-4d47-9a6e-0b3f6f1f2a10',
  tenant_id: 'tenant-a',
  edgepay_session_id: `cko${'ab'.repeat(16)}`,
  edgepay_recovery_transaction_id: '1d6f9a52-0c1e-4b3a-8a55-5f1b2c3d4e5f',
  edgepay_tenant_id: 'tenant-a',
};

const OBJECTS: Record<string, Record<string, unknown>> = {
  payment_intent: {
    object: 'payment_intent',
    id: 'pi_1',
    amount: 5000,
    amount_received: 5000,
    currency: 'usd',
    status: 'succeeded',
    latest_charge: 'ch_1',
    metadata,
  },
  charge: {
    object: 'charge',
    id: 'ch_1',
    amount: 5000,
    amount_refunded: 5000,
    refunded: true,
    currency: 'usd',
    status: 'succeeded',
    payment_intent: 'pi_1',
    metadata,
  },
  refund: { object: 'refund', id: 're_1', amount: 5000, status: 'succeeded', currency: 'usd', payment_intent: 'pi_1', metadata },
  'checkout.session': {
    object: 'checkout.session',
    id: 'cs_1',
    status: 'complete',
    payment_status: 'paid',
    amount_total: 5000,
    currency: 'usd',
    client_reference_id: metadata.edgepay_session_id,
    payment_intent: 'pi_1',
    metadata,
  },
  payout: { object: 'payout', id: 'po_1', amount: 5000, currency: 'usd', status: 'paid', arrival_date: 1_800_000_000, metadata },
  dispute: {
    object: 'dispute',
    id: 'du_1',
    amount: 5000,
    currency: 'usd',
    status: 'needs_response',
    reason: 'fraudulent',
    charge: 'ch_1',
    payment_intent: 'pi_1',
    metadata: {},
  },
};

/** Stripe's event types for these objects (each one the emulator posts among them), listed on their own. */
const TYPES = [
  'payment_intent.created',
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
  'payment_intent.canceled',
  'payment_intent.processing',
  'payment_intent.requires_action',
  'payment_intent.amount_capturable_updated',
  'payment_intent.partially_funded',
  'charge.refunded',
  'refund.created',
  'refund.updated',
  'refund.failed',
  'checkout.session.completed',
  'checkout.session.expired',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'charge.succeeded',
  'charge.failed',
  'charge.captured',
  'charge.updated',
  'charge.pending',
  'checkout.session.created',
  'payout.created',
  'payout.updated',
  'payout.paid',
  'payout.failed',
  'payout.canceled',
  'payout.reconciliation_completed',
  'charge.dispute.created',
  'charge.dispute.updated',
  'charge.dispute.closed',
  'charge.dispute.funds_withdrawn',
  'charge.dispute.funds_reinstated',
];

function eventOf(type: string): StripeEventLike {
  const kind = type.startsWith('checkout.session.')
    ? 'checkout.session'
    : type.startsWith('charge.dispute.')
      ? 'dispute'
      : (type.split('.')[0] as string);
  const object = structuredClone(OBJECTS[kind] as Record<string, unknown>);
  if (type === 'payment_intent.payment_failed') object.status = 'requires_payment_method';
  if (type === 'payment_intent.canceled') object.status = 'canceled';
  if (type === 'payment_intent.processing') object.status = 'processing';
  if (type === 'payment_intent.requires_action') object.status = 'requires_action';
  if (type === 'payment_intent.amount_capturable_updated') object.status = 'requires_capture';
  if (type === 'payment_intent.partially_funded') object.status = 'requires_payment_method';
  if (type === 'refund.failed') object.status = 'failed';
  if (type === 'payout.failed') object.status = 'failed';
  if (type === 'payout.canceled') object.status = 'canceled';
  if (type === 'payout.created' || type === 'payout.updated') object.status = 'pending';
  if (type === 'charge.dispute.closed') object.status = 'won';
  return { id: `evt_${type}`, type, created: 1_800_000_000, data: { object } };
}

function readers(type: string): string[] {
  const event = eventOf(type);
  return [
    stripeEventToPspEvent(event).kind !== 'other' ? 'ticket payment' : null,
    stripeCheckoutEventToNotifications(event).length > 0 ? 'checkout session' : null,
    recoveryRouteOf(event) ? 'recovery' : null,
    stripeConnectEvent(event) ? 'connect' : null,
  ].filter((r): r is string => r !== null);
}

describe('the Stripe endpoint subscription', () => {
  it.each([...STRIPE_WEBHOOK_EVENTS])('%s is read by some owner', (type) => {
    expect(readers(type)).not.toEqual([]);
  });

  it.each(TYPES.filter((t) => !(STRIPE_WEBHOOK_EVENTS as readonly string[]).includes(t)))('%s is read by no owner', (type) => {
    expect(readers(type)).toEqual([]);
  });

  it('names only known types, each once', () => {
    expect(STRIPE_WEBHOOK_EVENTS.filter((t) => !TYPES.includes(t))).toEqual([]);
    expect(new Set(STRIPE_WEBHOOK_EVENTS).size).toBe(STRIPE_WEBHOOK_EVENTS.length);
  });
});
