import fc from 'fast-check';
import type { Hints, Operation } from './openapi-arbitraries.ts';

/**
 * One object of each kind in the fuzz tenant, so path parameters can name things that exist, and the
 * property values the services accept (Hints), so valid requests reach objects and PSPs. Shared by the Worker
 * test and the bench; `call` sends one JSON request as the given role and subject and returns the parsed body
 * of a 2xx answer (anything else throws).
 */
export type FixtureCall = (method: string, url: string, body: unknown, role: 'user' | 'merchant' | 'admin', sub: string) => Promise<any>;

export const HANDLE = 'fuzz.notap.sol';

export type Fixtures = {
  tenant: string;
  venueId: string;
  eventId: string;
  transactionId: string;
  checkoutSessionId: string;
  invoiceId: string;
  userUuid: string;
  verificationId: string;
  recoveryTransactionId: string;
  recoverySessionId: string;
};

export async function makeFixtures(tenant: string, call: FixtureCall): Promise<Fixtures> {
  const venueId = 'fz-venue';
  const eventId = 'fz-event';
  await call(
    'PUT',
    `/api/v1/venues/${venueId}`,
    { name: 'Fuzz Hall', address: { city: 'Knoxville', state: 'TN' }, tier: 'starter' },
    'admin',
    'fz-setup',
  );
  await call(
    'PUT',
    `/api/v1/events/${eventId}`,
    {
      venueId,
      name: 'Fuzz Night',
      startsAt: '2030-01-01T20:00:00Z',
      ticketTypes: [{ id: 'ga', name: 'GA', price: 5000 }],
      limits: { perUser: 1000, perPaymentMethod: 1000, perAddress: 1000, perOrder: 100 },
    },
    'admin',
    'fz-setup',
  );
  const paid = await call(
    'POST',
    '/api/v1/payments/process',
    {
      venueId,
      eventId,
      tickets: [{ ticketTypeId: 'ga', quantity: 2, price: 5000 }],
      paymentMethod: { type: 'card', paymentMethodId: 'pm_card_visa' },
    },
    'user',
    'fz-buyer',
  );
  const shop = ['merchant', 'fz-shop'] as const;
  const checkout = await call(
    'POST',
    '/v1/checkout-sessions',
    { amount: 4999, psp_config: { psp: 'stripe', psp_merchant_id: 'acct_fuzz', currency: 'USD' } },
    ...shop,
  );
  const invoice = await call('POST', '/api/create-payment-session', { amount: 10_000, description: 'fuzz' }, 'user', 'fz-buyer');
  const factor = await call('POST', `/v1/users/${HANDLE}/factors`, { factor: 'PIN', value: '48213579' }, ...shop);
  await call('POST', `/v1/users/${HANDLE}/factors`, { factor: 'PATTERN', value: [0, 4, 8, 5] }, ...shop);
  const verification = await call('POST', '/v1/verification/initiate', { user_uuid: HANDLE, transaction_amount: 49.99 }, ...shop);
  const recovery = await call(
    'POST',
    '/v1/transactions',
    { amount: 4999, currency: 'USD', description: 'Fuzz order', failureReason: 'card_declined', customerEmail: 'buyer@example.test' },
    ...shop,
  );
  const recoverySession = await call('POST', '/v1/payments/stripe/checkout-sessions', { transactionId: recovery.transactionId }, ...shop);
  return {
    tenant,
    venueId,
    eventId,
    transactionId: paid.transaction.id,
    checkoutSessionId: checkout.session_id,
    invoiceId: invoice.invoice_id,
    userUuid: factor.uuid,
    verificationId: verification.session_id,
    recoveryTransactionId: recovery.transactionId,
    recoverySessionId: recoverySession.sessionId,
  };
}

/** Existing ids for an operation's path parameter. */
export function existingIds(fx: Fixtures) {
  return (op: Operation, param: string): string[] => {
    if (param === 'venueId') return [fx.venueId];
    if (param === 'eventId') return [fx.eventId];
    if (param === 'transactionId') return op.path.startsWith('/v1/transactions') ? [fx.recoveryTransactionId] : [fx.transactionId];
    if (param === 'sessionId') return op.path.startsWith('/v1/verification') ? [fx.verificationId] : [fx.checkoutSessionId];
    if (param === 'session') return [fx.checkoutSessionId];
    if (param === 'invoiceId') return [fx.invoiceId];
    if (param === 'userUuid') return [fx.userUuid, HANDLE];
    if (param === 'id') return [fx.recoverySessionId];
    return [];
  };
}

/** Values the services accept, so that valid requests reach the objects and PSPs. */
export function fixtureHints(fx: Fixtures): Hints {
  return {
    venueId: fc.constant(fx.venueId),
    eventId: fc.constant(fx.eventId),
    ticketTypeId: fc.constant('ga'),
    price: fc.constant(5000),
    quantity: fc.integer({ min: 1, max: 2 }),
    paymentMethodId: fc.constantFrom('pm_card_visa', 'pm_card_mastercard', 'pm_card_chargeDeclined'),
    currency: fc.constantFrom('USD', 'EUR'),
    psp_merchant_id: fc.constant('acct_fuzz'),
    amount: fc.integer({ min: 1, max: 50 }).map((n) => n * 100),
    transactionId: fc.constant(fx.recoveryTransactionId),
    paymentId: fc.constant(fx.transactionId),
    tenantId: fc.constant(fx.tenant),
    user_uuid: fc.constant(HANDLE),
    value: fc.constantFrom<unknown>('48213579', [0, 4, 8, 5], '1234'),
    state: fc.constantFrom('TN', 'CA', 'NY'),
    city: fc.constant('Knoxville'),
    startsAt: fc.constant('2031-05-01T20:00:00Z'),
    customerEmail: fc.constant('buyer@example.test'),
    customerPhone: fc.constant('+15005550006'),
    ids: fc.constant([1]),
  };
}
