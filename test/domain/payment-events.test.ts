import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decideExternalRefundEvent,
  decideOwnRefundEvent,
  decidePaymentEvent,
  EVENT_RANK,
  type EventDecision,
  PAYMENT_EVENT_OF,
  STATE_RANK,
} from '../../src/domain/payment-events';
import { isTerminal, PAYMENT_EVENTS, PAYMENT_STATES, type PaymentEvent, type PaymentState } from '../../src/domain/payment-state';

const CHARGE_EVENTS = Object.values(PAYMENT_EVENT_OF);
const REFUND_STATUSES = ['succeeded', 'pending', 'failed'] as const;

/** Every pair: the domains are small, so the invariants are checked on all of them rather than a sample. */
const pairs = <A, B>(as: readonly A[], bs: readonly B[]): [A, B][] => as.flatMap((a) => bs.map((b): [A, B] => [a, b]));

/** Receives events one by one as the owner does: apply, park, and after each apply retry the parked ones until none applies. */
function receiveAll(start: PaymentState, events: readonly PaymentEvent[]): PaymentState {
  let state = start;
  let parked: PaymentEvent[] = [];
  for (const event of events) {
    const decision = decidePaymentEvent(state, event);
    if (decision.kind === 'park') parked.push(event);
    if (decision.kind !== 'apply') continue;
    state = decision.next;
    for (let progress = true; progress; ) {
      progress = false;
      const waiting = parked;
      parked = [];
      for (const p of waiting) {
        const d = decidePaymentEvent(state, p);
        if (d.kind === 'park') parked.push(p);
        else if (d.kind === 'apply') {
          state = d.next;
          progress = true;
        }
      }
    }
  }
  return state;
}

describe('PAYMENT_EVENT_OF', () => {
  it('maps each charge outcome to its payment event', () => {
    expect(PAYMENT_EVENT_OF).toEqual({
      succeeded: 'payment.succeeded',
      processing: 'payment.processing',
      requires_action: 'payment.requires_action',
      declined: 'payment.failed',
      canceled: 'payment.cancelled',
    });
  });
});

describe('decidePaymentEvent', () => {
  it.each<[PaymentState, PaymentEvent, EventDecision]>([
    ['PENDING', 'payment.processing', { kind: 'apply', next: 'PROCESSING' }],
    ['PENDING', 'payment.succeeded', { kind: 'park' }],
    ['PENDING', 'payment.requires_action', { kind: 'park' }],
    ['PROCESSING', 'payment.succeeded', { kind: 'apply', next: 'PAID' }],
    ['PROCESSING', 'payment.processing', { kind: 'stale' }],
    ['PROCESSING', 'payment.requires_action', { kind: 'stale' }],
    ['PROCESSING', 'payment.failed', { kind: 'apply', next: 'PAYMENT_FAILED' }],
    ['PAYMENT_FAILED', 'payment.succeeded', { kind: 'apply', next: 'PAID' }],
    ['PAYMENT_FAILED', 'payment.processing', { kind: 'stale' }],
    ['PAID', 'payment.succeeded', { kind: 'stale' }],
    ['PAID', 'payment.failed', { kind: 'stale' }],
    ['PAID', 'payment.processing', { kind: 'stale' }],
    ['REFUNDED', 'payment.succeeded', { kind: 'stale' }],
    ['CANCELLED', 'payment.succeeded', { kind: 'stale' }],
    ['REFUNDING', 'payment.cancelled', { kind: 'stale' }],
  ])('%s + %s → %o', (state, event, decision) => {
    expect(decidePaymentEvent(state, event)).toEqual(decision);
  });

  it('a terminal state is never moved, by any event', () => {
    for (const [state, event] of pairs(PAYMENT_STATES.filter(isTerminal), PAYMENT_EVENTS)) {
      expect(decidePaymentEvent(state, event).kind).not.toBe('apply');
    }
  });

  // payment.retry is ours (a new payment method), never a notification's: it may go back to PROCESSING.
  it('applying a charge notification never moves the payment back in its causal order, nor leaves it where it was', () => {
    for (const [state, event] of pairs(PAYMENT_STATES, CHARGE_EVENTS)) {
      const decision = decidePaymentEvent(state, event);
      if (decision.kind !== 'apply') continue;
      expect(STATE_RANK[decision.next]).toBeGreaterThanOrEqual(STATE_RANK[state]);
      expect(decision.next).not.toBe(state);
    }
  });

  it('what does not apply is parked only when it belongs after the current state, and nothing is ignored', () => {
    for (const [state, event] of pairs(PAYMENT_STATES, PAYMENT_EVENTS)) {
      const decision = decidePaymentEvent(state, event);
      if (decision.kind === 'park') expect(EVENT_RANK[event]).toBeGreaterThan(STATE_RANK[state]);
      if (decision.kind === 'stale') {
        const inFlightSignal = event === 'payment.processing' || event === 'payment.requires_action';
        expect(EVENT_RANK[event] <= STATE_RANK[state] || inFlightSignal).toBe(true);
      }
      expect(decision.kind).not.toBe('ignore');
    }
  });

  it('property: processing, requires_action and succeeded in any order, any number of times, end PAID', () => {
    const chain: PaymentEvent[] = ['payment.processing', 'payment.requires_action', 'payment.succeeded'];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...chain), { maxLength: 6 }),
        fc.shuffledSubarray(chain, { minLength: 3, maxLength: 3 }),
        (extra, order) => {
          expect(receiveAll('PENDING', [...order, ...extra])).toBe('PAID');
        },
      ),
    );
  });

  it('property: once a payment has ended (cancelled, expired, refunded), no charge notifications move it', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<PaymentState>('CANCELLED', 'EXPIRED', 'REFUNDED'),
        fc.array(fc.constantFrom(...CHARGE_EVENTS)),
        (state, events) => {
          expect(receiveAll(state, events)).toBe(state);
        },
      ),
    );
  });
});

describe('decideOwnRefundEvent', () => {
  it('a settled refund does not move again; pending tells nothing new; anything else settles it', () => {
    expect(decideOwnRefundEvent('completed', 'failed')).toBe('stale');
    expect(decideOwnRefundEvent('failed', 'succeeded')).toBe('stale');
    expect(decideOwnRefundEvent('processing', 'pending')).toBe('stale');
    expect(decideOwnRefundEvent('pending', 'pending')).toBe('stale');
    expect(decideOwnRefundEvent('processing', 'succeeded')).toBe('apply');
    expect(decideOwnRefundEvent('pending', 'failed')).toBe('apply');
  });
});

describe('decideExternalRefundEvent', () => {
  it.each<[PaymentState, 'succeeded' | 'pending' | 'failed', EventDecision]>([
    ['PAID', 'succeeded', { kind: 'apply', next: 'REFUNDING' }],
    ['PAID', 'pending', { kind: 'apply', next: 'REFUNDING' }],
    ['PARTIALLY_REFUNDED', 'succeeded', { kind: 'apply', next: 'REFUNDING' }],
    ['REFUNDING', 'succeeded', { kind: 'apply', next: 'REFUNDING' }],
    ['PAID', 'failed', { kind: 'ignore' }],
    ['PENDING', 'succeeded', { kind: 'park' }],
    ['PROCESSING', 'failed', { kind: 'park' }],
    ['REFUNDED', 'succeeded', { kind: 'stale' }],
  ])('%s + a %s refund made elsewhere → %o', (state, status, decision) => {
    expect(decideExternalRefundEvent(state, status)).toEqual(decision);
  });

  it('never applies to a payment that cannot be refunded now, and applies as REFUNDING', () => {
    for (const [state, status] of pairs(PAYMENT_STATES, REFUND_STATUSES)) {
      const decision = decideExternalRefundEvent(state, status);
      if (decision.kind === 'apply') {
        expect(['PAID', 'PARTIALLY_REFUNDED', 'REFUNDING']).toContain(state);
        expect(decision.next).toBe('REFUNDING');
      }
      if (isTerminal(state)) expect(decision.kind).toBe(STATE_RANK[state] < EVENT_RANK['refund.initiated'] ? 'park' : 'stale');
    }
  });
});
