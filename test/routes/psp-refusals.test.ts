import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorBody } from '../../src/lib/errors';
import { call, json } from '../helpers/app';
import { configureSandbox, type SandboxRequest, sandbox } from '../helpers/sandbox';
import { bearer, signToken } from '../helpers/tokens';

/**
 * A provider refusing the request itself (HTTP 400) is the caller's to fix, and reads the same on a ticket
 * payment as on a checkout session: 422 PSP_REQUEST_REJECTED, never 502 (which says "retry").
 */
const tenant = `refusal-${crypto.randomUUID()}`;
let admin: Record<string, string>;
let buyer: Record<string, string>;
const event = `show-${crypto.randomUUID().slice(0, 8)}`;

const process = (key = crypto.randomUUID()) =>
  call('/api/v1/payments/process', {
    method: 'POST',
    headers: { ...buyer, 'content-type': 'application/json', 'Idempotency-Key': key },
    body: JSON.stringify({
      venueId: 'knox',
      eventId: event,
      tickets: [{ ticketTypeId: 'ga', quantity: 1, price: 5000 }],
      paymentMethod: { type: 'card', paymentMethodId: 'pm_card_visa' },
    }),
  });

beforeAll(async () => {
  admin = { ...bearer(await signToken({ tenant_id: tenant, sub: 'boss', role: 'admin' })), 'content-type': 'application/json' };
  buyer = bearer(await signToken({ tenant_id: tenant, sub: 'refused-buyer', role: 'user' }));
  const venue = { name: 'Knoxville Civic', address: { city: 'Knoxville', state: 'TN' }, tier: 'starter' };
  expect((await call('/api/v1/venues/knox', { method: 'PUT', headers: admin, body: JSON.stringify(venue) })).status).toBe(201);
  const show = { venueId: 'knox', name: 'Show', startsAt: '2027-01-01T20:00:00Z', ticketTypes: [{ id: 'ga', name: 'GA', price: 5000 }] };
  expect((await call(`/api/v1/events/${event}`, { method: 'PUT', headers: admin, body: JSON.stringify(show) })).status).toBe(201);
});

afterAll(() => configureSandbox({ providers: { stripe: { failRate: 0, match: null } } }));

describe('a PSP refusal of the request', () => {
  it('on a ticket payment: 422 PSP_REQUEST_REJECTED, the payment failed, one PSP call', async () => {
    await configureSandbox({ providers: { stripe: { failRate: 1, failStatus: 400, match: tenant } } });
    const res = await process();
    const body = await json<ErrorBody & { transactionId?: string }>(res);
    expect([res.status, body.code]).toEqual([422, 'PSP_REQUEST_REJECTED']);
    expect(body.errors?.[0]?.field).toBe('paymentMethod');
    expect(JSON.stringify(body)).not.toContain('sk_');
    await configureSandbox({ providers: { stripe: { failRate: 0, match: null } } });
    const calls = ((await sandbox('/__sandbox/requests')) as SandboxRequest[]).filter(
      (r) => r.provider === 'stripe' && r.path === '/v1/payment_intents' && r.body?.['metadata[tenant_id]'] === tenant,
    );
    expect(calls.map((c) => c.status)).toEqual([400]);
  });

  it('no answer is still 502 PSP_UNAVAILABLE (retry with the same key)', async () => {
    await configureSandbox({ providers: { stripe: { failRate: 1, failStatus: 500, match: tenant } } });
    const res = await process();
    expect([res.status, (await json<ErrorBody>(res)).code]).toEqual([502, 'PSP_UNAVAILABLE']);
    await configureSandbox({ providers: { stripe: { failRate: 0, match: null } } });
  });
});
