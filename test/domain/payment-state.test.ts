import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PaymentEvent, PaymentState, RefundContext } from '../../src/domain/payment-state';
import {
  API_STATUSES,
  allowedEvents,
  isInFlight,
  isTerminal,
  PAYMENT_EVENTS,
  PAYMENT_STATES,
  toApiStatus,
  transition,
} from '../../src/domain/payment-state';

function run(events: Array<[PaymentEvent, RefundContext?]>, from: PaymentState = 'PENDING'): PaymentState {
  let state = from;
  for (const [event, ctx] of events) {
    const next = transition(state, event, ctx);
    if (!next.ok) throw new Error(next.error.message);
    state = next.value;
  }
  return state;
}

describe('transition — happy paths', () => {
  it('PENDING → PROCESSING → PAID', () => {
    expect(run([['payment.processing'], ['payment.succeeded']])).toBe('PAID');
  });

  it('3-D Secure keeps the payment PROCESSING', () => {
    expect(run([['payment.processing'], ['payment.requires_action'], ['payment.processing'], ['payment.succeeded']])).toBe('PAID');
  });

  it('a failed attempt can be retried with a new payment method', () => {
    expect(run([['payment.processing'], ['payment.failed'], ['payment.retry'], ['payment.succeeded']])).toBe('PAID');
  });

  it('full refund: PAID → REFUNDING → REFUNDED', () => {
    expect(run([['refund.initiated'], ['refund.succeeded', { refunded: 'full' }]], 'PAID')).toBe('REFUNDED');
  });

  it('partial refunds: PARTIALLY_REFUNDED, then the rest → REFUNDED', () => {
    const partial = run([['refund.initiated'], ['refund.succeeded', { refunded: 'partial' }]], 'PAID');
    expect(partial).toBe('PARTIALLY_REFUNDED');
    expect(run([['refund.initiated'], ['refund.succeeded', { refunded: 'full' }]], partial)).toBe('REFUNDED');
  });

  it('a failed refund returns to where it came from', () => {
    expect(transition('REFUNDING', 'refund.failed', { refunded: 'none' })).toEqual({ ok: true, value: 'PAID' });
    expect(transition('REFUNDING', 'refund.failed', { refunded: 'partial' })).toEqual({ ok: true, value: 'PARTIALLY_REFUNDED' });
  });

  it('stays REFUNDING while other refunds are in flight', () => {
    expect(transition('REFUNDING', 'refund.initiated')).toEqual({ ok: true, value: 'REFUNDING' });
    expect(transition('REFUNDING', 'refund.succeeded', { refunded: 'partial', refundsInFlight: true })).toEqual({
      ok: true,
      value: 'REFUNDING',
    });
    expect(transition('REFUNDING', 'refund.failed', { refunded: 'none', refundsInFlight: true })).toEqual({ ok: true, value: 'REFUNDING' });
  });

  it.each([
    ['PENDING', 'payment.cancelled', 'CANCELLED'],
    ['PENDING', 'payment.expired', 'EXPIRED'],
    ['PENDING', 'payment.failed', 'PAYMENT_FAILED'],
    ['PROCESSING', 'payment.cancelled', 'CANCELLED'],
    ['PROCESSING', 'payment.expired', 'EXPIRED'],
    ['PAYMENT_FAILED', 'payment.expired', 'EXPIRED'],
    ['PAYMENT_FAILED', 'payment.cancelled', 'CANCELLED'],
  ] as Array<[PaymentState, PaymentEvent, PaymentState]>)('%s + %s → %s', (from, event, to) => {
    expect(transition(from, event)).toEqual({ ok: true, value: to });
  });
});

describe('transition — rejected', () => {
  it.each([
    ['PENDING', 'payment.succeeded'],
    ['PENDING', 'refund.initiated'],
    ['PROCESSING', 'refund.initiated'],
    ['PAID', 'payment.succeeded'],
    ['PAID', 'payment.failed'],
    ['PAID', 'payment.cancelled'],
    ['PAID', 'refund.succeeded'],
    ['PAYMENT_FAILED', 'payment.succeeded'],
    ['REFUNDED', 'refund.initiated'],
    ['CANCELLED', 'payment.processing'],
    ['EXPIRED', 'payment.succeeded'],
  ] as Array<[PaymentState, PaymentEvent]>)('%s + %s is INVALID_STATE_TRANSITION', (state, event) => {
    const result = transition(state, event);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.code).toBe('INVALID_STATE_TRANSITION');
  });

  it.each([
    ['refund.succeeded', undefined],
    ['refund.succeeded', { refunded: 'none' }],
    ['refund.succeeded', { refunded: 'full', refundsInFlight: true }],
    ['refund.failed', { refunded: 'full' }],
    ['refund.failed', undefined],
  ] as Array<[PaymentEvent, RefundContext | undefined]>)('REFUNDING + %s with context %j is rejected', (event, ctx) => {
    expect(transition('REFUNDING', event, ctx).ok).toBe(false);
  });

  it('unknown states and events from storage are rejected, not thrown', () => {
    expect(transition('SETTLED' as PaymentState, 'payment.processing').ok).toBe(false);
    expect(transition('PENDING', 'payment.teleported' as PaymentEvent).ok).toBe(false);
  });
});

describe('terminal states and API status', () => {
  it('REFUNDED, CANCELLED and EXPIRED are terminal; PAID and PAYMENT_FAILED are not', () => {
    expect(PAYMENT_STATES.filter(isTerminal)).toEqual(['REFUNDED', 'CANCELLED', 'EXPIRED']);
    expect(allowedEvents('PAID')).toEqual(['refund.initiated']);
    expect(allowedEvents('PAYMENT_FAILED')).toEqual(['payment.retry', 'payment.cancelled', 'payment.expired']);
  });

  it('PROCESSING and REFUNDING are in flight', () => {
    expect(PAYMENT_STATES.filter(isInFlight)).toEqual(['PROCESSING', 'REFUNDING']);
  });

  it.each([
    ['PENDING', 'pending'],
    ['PROCESSING', 'processing'],
    ['PAID', 'completed'],
    ['REFUNDING', 'processing'],
    ['REFUNDED', 'refunded'],
    ['PARTIALLY_REFUNDED', 'partially_refunded'],
    ['PAYMENT_FAILED', 'failed'],
    ['CANCELLED', 'cancelled'],
    ['EXPIRED', 'expired'],
  ] as Array<[PaymentState, string]>)('%s is shown as %s', (state, status) => {
    expect(toApiStatus(state)).toBe(status);
  });

  it('every API status is used by some state', () => {
    expect(new Set(PAYMENT_STATES.map(toApiStatus))).toEqual(new Set(API_STATUSES));
  });
});

describe('properties', () => {
  const ctxArb: fc.Arbitrary<RefundContext | undefined> = fc.option(
    fc.record({ refunded: fc.constantFrom('none', 'partial', 'full'), refundsInFlight: fc.option(fc.boolean(), { nil: undefined }) }),
    { nil: undefined },
  ) as fc.Arbitrary<RefundContext | undefined>;
  const step = fc.tuple(fc.constantFrom(...PAYMENT_EVENTS), ctxArb);
  const stateArb = fc.constantFrom(...PAYMENT_STATES);

  it('every (state, event, context) gives a Result whose value is a known state', () => {
    fc.assert(
      fc.property(stateArb, step, (state, [event, ctx]) => {
        const result = transition(state, event, ctx);
        if (result.ok) expect(PAYMENT_STATES).toContain(result.value);
        else expect(result.error.code).toBe('INVALID_STATE_TRANSITION');
      }),
    );
  });

  it('terminal states accept no event', () => {
    fc.assert(
      fc.property(stateArb.filter(isTerminal), step, (state, [event, ctx]) => {
        expect(transition(state, event, ctx).ok).toBe(false);
      }),
    );
  });

  it('random event sequences stay within the known states, and REFUNDED is reached only through PAID', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        let state: PaymentState = 'PENDING';
        let wasPaid = false;
        for (const [event, ctx] of steps) {
          const next = transition(state, event, ctx);
          if (!next.ok) continue; // a rejected event leaves the state unchanged
          state = next.value;
          expect(PAYMENT_STATES).toContain(state);
          if (state === 'PAID') wasPaid = true;
          if (state === 'REFUNDED' || state === 'PARTIALLY_REFUNDED' || state === 'REFUNDING') expect(wasPaid).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('refund states are reachable at all (the sequence property is not vacuous)', () => {
    expect(run([['payment.processing'], ['payment.succeeded'], ['refund.initiated'], ['refund.succeeded', { refunded: 'full' }]])).toBe(
      'REFUNDED',
    );
  });
});
