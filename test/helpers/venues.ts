import { expect } from 'vitest';
import { call, json } from './app';
import { bearer, signToken } from './tokens';

export type VenueShopOptions = {
  /** Hours after the event's end until its sales are available (the venue's settlementDelayHours). */
  delayHours?: number;
  startsAt?: Date;
  endsAt?: Date;
  /** The venue's Stripe connected account (payouts go from it). */
  stripeAccountId?: string;
  reserveBps?: number;
  /** Price of the one ticket type. */
  price?: number;
  /** The event's chain (its tickets are minted there). */
  blockchain?: 'polygon' | 'solana';
};

/** A tenant with one venue (`hall`) and one event (`gig`, ticket type `ga`), and its admin, users and purchases. */
export async function venueShop(options: VenueShopOptions = {}) {
  const tenant = `venue-${crypto.randomUUID()}`;
  const admin = { ...bearer(await signToken({ tenant_id: tenant, sub: 'boss', role: 'admin' })), 'content-type': 'application/json' };
  const price = options.price ?? 5000;
  const venue = await call('/api/v1/venues/hall', {
    method: 'PUT',
    headers: admin,
    body: JSON.stringify({
      name: 'Hall',
      address: { city: 'Knoxville', state: 'TN' },
      tier: 'starter',
      settlementDelayHours: options.delayHours ?? 48,
      ...(options.stripeAccountId ? { stripeAccountId: options.stripeAccountId } : {}),
      ...(options.reserveBps === undefined ? {} : { reserveBps: options.reserveBps }),
    }),
  });
  expect(venue.status).toBeLessThan(300);
  const startsAt = (options.startsAt ?? new Date(Date.now() + 30 * 86_400_000)).toISOString();
  const limits = { perUser: 100, perPaymentMethod: 1000, perAddress: 100, perOrder: 10 };
  const event = await call('/api/v1/events/gig', {
    method: 'PUT',
    headers: admin,
    body: JSON.stringify({
      venueId: 'hall',
      name: 'Gig',
      startsAt,
      ...(options.endsAt ? { endsAt: options.endsAt.toISOString() } : {}),
      ...(options.blockchain ? { blockchain: options.blockchain } : {}),
      ticketTypes: [{ id: 'ga', name: 'GA', price }],
      limits,
    }),
  });
  expect(event.status).toBeLessThan(300);
  const user = async (sub: string) => ({
    ...bearer(await signToken({ tenant_id: tenant, sub, role: 'user' })),
    'content-type': 'application/json',
  });
  const order = (quantity: number, paymentMethodId: string) => ({
    venueId: 'hall',
    eventId: 'gig',
    tickets: [{ ticketTypeId: 'ga', quantity, price }],
    paymentMethod: { type: 'card', paymentMethodId },
  });
  /** Two tickets by default; answers the response for the caller to check. */
  const purchase = async (sub: string, quantity = 2, paymentMethodId = 'pm_card_visa') => {
    const headers = await user(sub);
    const res = await call('/api/v1/payments/process', {
      method: 'POST',
      headers: { ...headers, 'Idempotency-Key': crypto.randomUUID() },
      body: JSON.stringify(order(quantity, paymentMethodId)),
    });
    return { res, headers };
  };
  const buy = async (sub: string, quantity = 2, paymentMethodId = 'pm_card_visa') => {
    const { res, headers } = await purchase(sub, quantity, paymentMethodId);
    expect(res.status).toBe(200);
    return { id: (await json<any>(res)).transaction.id as string, headers };
  };
  const balance = async (headers: Record<string, string> = admin) => json<any>(await call('/api/v1/venues/hall/balance', { headers }));
  const check = async () => json<any>(await call('/admin/venues/balance-check', { headers: admin }));
  return { tenant, admin, user, purchase, buy, balance, check };
}
