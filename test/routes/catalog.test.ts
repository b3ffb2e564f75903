import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import worker from '../../src/index';
import type { ErrorBody } from '../../src/lib/errors';
import type { EventProfile, VenueProfile } from '../../src/schemas/catalog';
import { call, json } from '../helpers/app';
import { eventually, rows, sql } from '../helpers/db';
import { bearer, signToken } from '../helpers/tokens';

const tenant = () => `cat-${crypto.randomUUID()}`;
const admin = async (t: string) => bearer(await signToken({ role: 'admin', tenant_id: t, sub: `admin-${t}` }));
const manager = async (t: string, venues: string[]) =>
  bearer(await signToken({ role: 'venue_manager', tenant_id: t, sub: `mgr-${venues.join('-')}`, venues }));
const put = (path: string, headers: Record<string, string>, body: unknown) =>
  call(path, { method: 'PUT', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });

const knoxville = { name: 'Knoxville Civic', address: { street: '500 Howard Baker Jr Ave', city: 'Knoxville', state: 'TN', zip: '37915' } };
const concert = (venueId: string) => ({
  venueId,
  name: 'Concert',
  startsAt: '2027-05-01T20:00:00Z',
  ticketTypes: [
    { id: 'ga', name: 'General admission', price: 5000 },
    { id: 'vip', name: 'VIP', price: 15000 },
  ],
});

describe('venues', () => {
  it('an admin creates (201) and replaces (200) a venue; the version grows; GET returns it', async () => {
    const t = tenant();
    const created = await put('/api/v1/venues/v1', await admin(t), knoxville);
    expect(created.status).toBe(201);
    expect(await json<VenueProfile>(created)).toMatchObject({ venueId: 'v1', tenantId: t, version: 1, name: 'Knoxville Civic' });
    const replaced = await put('/api/v1/venues/v1', await admin(t), { ...knoxville, tier: 'pro', stripeAccountId: 'acct_123' });
    expect(replaced.status).toBe(200);
    expect((await json<VenueProfile>(replaced)).version).toBe(2);
    const read = await json<VenueProfile>(await call('/api/v1/venues/v1', { headers: bearer(await signToken({ tenant_id: t })) }));
    expect(read).toMatchObject({ tier: 'pro', stripeAccountId: 'acct_123', version: 2 });
  });

  it('is invisible to other tenants (404) and writable only by admins (403)', async () => {
    const t = tenant();
    await put('/api/v1/venues/v1', await admin(t), knoxville);
    const other = await call('/api/v1/venues/v1', { headers: await admin(tenant()) });
    expect([other.status, (await json<ErrorBody>(other)).code]).toEqual([404, 'NOT_FOUND']);
    const byManager = await put('/api/v1/venues/v1', await manager(t, ['v1']), knoxville);
    expect(byManager.status).toBe(403);
  });

  it('rejects invalid profiles with 422 and field paths, changing nothing', async () => {
    const t = tenant();
    const res = await put('/api/v1/venues/v1', await admin(t), {
      name: 'x',
      address: { state: 'TN' },
      stripeAccountId: 'nope',
      royaltyBps: 20_000,
    });
    expect(res.status).toBe(422);
    expect((await json<ErrorBody>(res)).errors?.map((e) => e.field).sort()).toEqual(['address.city', 'royaltyBps', 'stripeAccountId']);
    expect((await call('/api/v1/venues/v1', { headers: await admin(t) })).status).toBe(404);
  });

  it('are projected to Postgres, and an older version never overwrites a newer one', async () => {
    const t = tenant();
    await put('/api/v1/venues/v9', await admin(t), knoxville);
    const v2 = await json<VenueProfile>(await put('/api/v1/venues/v9', await admin(t), { ...knoxville, name: 'Renamed' }));
    const projected = await eventually(async () => {
      const [row] = await rows<{ version: number; name: string }>(
        sql`SELECT version, name FROM venues WHERE tenant_id = ${t} AND venue_id = 'v9'`,
      );
      return row?.version === 2 ? row : undefined;
    });
    expect(projected.name).toBe('Renamed');

    const stale = {
      v: 1,
      eventId: crypto.randomUUID(),
      type: 'venue.upserted',
      source: { object: 'VenueDO', id: 'x' },
      tenantId: t,
      occurredAt: new Date().toISOString(),
      payload: { ...v2, name: 'Stale', version: 1 },
    };
    const batch = createMessageBatch('outbox', [{ id: 'stale', timestamp: new Date(), attempts: 1, body: stale }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(['stale']);
    const [row] = await rows<{ version: number; name: string }>(
      sql`SELECT version, name FROM venues WHERE tenant_id = ${t} AND venue_id = 'v9'`,
    );
    expect(row).toEqual({ version: 2, name: 'Renamed' });
  });
});

describe('events', () => {
  it('an admin creates an event at an existing venue; limits and currency get their defaults', async () => {
    const t = tenant();
    await put('/api/v1/venues/v1', await admin(t), knoxville);
    const res = await put('/api/v1/events/e1', await admin(t), concert('v1'));
    expect(res.status).toBe(201);
    const body = await json<EventProfile>(res);
    expect(body).toMatchObject({
      eventId: 'e1',
      venueId: 'v1',
      currency: 'USD',
      limits: { perUser: 4, perPaymentMethod: 4, perAddress: 8, perOrder: 4 },
    });
    const read = await json<EventProfile>(await call('/api/v1/events/e1', { headers: bearer(await signToken({ tenant_id: t })) }));
    expect(read.ticketTypes.map((tt) => tt.price)).toEqual([5000, 15000]);
  });

  it('needs the venue to exist in the tenant', async () => {
    const t = tenant();
    const res = await put('/api/v1/events/e1', await admin(t), concert('missing'));
    expect(res.status).toBe(422);
    expect((await json<ErrorBody>(res)).errors).toEqual([{ field: 'venueId', message: 'no such venue in this tenant' }]);
  });

  it('venue managers may write events of their venues only, and cannot move another venue’s event', async () => {
    const t = tenant();
    await put('/api/v1/venues/v1', await admin(t), knoxville);
    await put('/api/v1/venues/v2', await admin(t), knoxville);
    expect((await put('/api/v1/events/e1', await manager(t, ['v1']), concert('v1'))).status).toBe(201);
    expect((await put('/api/v1/events/e2', await manager(t, ['v2']), concert('v1'))).status).toBe(403);
    expect((await put('/api/v1/events/e1', await manager(t, ['v2']), concert('v2'))).status).toBe(403);
    expect((await put('/api/v1/events/e3', bearer(await signToken({ tenant_id: t, role: 'user' })), concert('v1'))).status).toBe(403);
  });

  it('rejects duplicate ticket type ids, negative prices and bad dates with 422', async () => {
    const t = tenant();
    await put('/api/v1/venues/v1', await admin(t), knoxville);
    const body = {
      ...concert('v1'),
      startsAt: 'tomorrow',
      ticketTypes: [
        { id: 'a', name: 'A', price: -1 },
        { id: 'a', name: 'B', price: 10 },
      ],
    };
    const res = await put('/api/v1/events/e1', await admin(t), body);
    expect(res.status).toBe(422);
    const fields = (await json<ErrorBody>(res)).errors?.map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['startsAt', 'ticketTypes.0.price']));
  });
});
