import { call, json } from './app';
import { bearer, signToken } from './tokens';

/** A tenant with a Knoxville venue and one event (GA 5000, generous limits), ready to sell. */
export async function shopFixture() {
  const tenant = `shop-${crypto.randomUUID()}`;
  const admin = { ...bearer(await signToken({ tenant_id: tenant, sub: 'boss', role: 'admin' })), 'content-type': 'application/json' };
  const venue = { name: 'Knoxville Civic', address: { city: 'Knoxville', state: 'TN' }, tier: 'starter' };
  await call('/api/v1/venues/knox', { method: 'PUT', headers: admin, body: JSON.stringify(venue) });
  const limits = { perUser: 100, perPaymentMethod: 1000, perAddress: 100, perOrder: 10 };
  const show = {
    venueId: 'knox',
    name: 'Show',
    startsAt: '2027-01-01T20:00:00Z',
    ticketTypes: [{ id: 'ga', name: 'GA', price: 5000 }],
    limits,
  };
  await call('/api/v1/events/show', { method: 'PUT', headers: admin, body: JSON.stringify(show) });
  const user = async (sub: string) => ({
    ...bearer(await signToken({ tenant_id: tenant, sub, role: 'user' })),
    'content-type': 'application/json',
  });
  const pay = async (headers: Record<string, string>, paymentMethodId = 'pm_card_visa', extra: Record<string, unknown> = {}) => {
    const res = await call('/api/v1/payments/process', {
      method: 'POST',
      headers: { ...headers, 'Idempotency-Key': crypto.randomUUID() },
      body: JSON.stringify({
        venueId: 'knox',
        eventId: 'show',
        tickets: [{ ticketTypeId: 'ga', quantity: 2, price: 5000 }],
        paymentMethod: { type: 'card', paymentMethodId },
        ...extra,
      }),
    });
    return { status: res.status, body: await json<any>(res) };
  };
  return { tenant, admin, user, pay };
}

export function refund(
  transactionId: string,
  headers: Record<string, string>,
  body: Record<string, unknown> = {},
  key = crypto.randomUUID(),
) {
  return call(`/api/v1/payments/transaction/${transactionId}/refund`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json', 'Idempotency-Key': key },
    body: JSON.stringify(body),
  });
}

export async function statusOf(transactionId: string, headers: Record<string, string>) {
  return (await json<any>(await call(`/api/v1/payments/transaction/${transactionId}`, { headers }))).transaction;
}
