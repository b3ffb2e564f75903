import { and, eq, like, sql } from 'drizzle-orm';
import { type WaitUntil, withDb } from '../db/client';
import { ledgerEntries, venues } from '../db/schema';
import { fingerprint } from '../domain/idempotency';
import type { Bindings, Config, Principal } from '../env';
import { NotFoundError } from '../lib/errors';
import { venueStub } from '../lib/stubs';
import type { PayoutBody } from '../schemas/venues';
import { managesVenue } from './catalog';
import { answered, type PaymentAnswer } from './payments';

/** The venue's object, for its managers and the tenant's admins; anyone else gets the same 404 as an unknown venue. */
async function managedVenue(env: Bindings, principal: Principal, venueId: string) {
  if (!managesVenue(principal, venueId)) throw new NotFoundError('Venue not found');
  const stub = venueStub(env, principal.tenantId, venueId);
  if (!(await stub.profile())) throw new NotFoundError('Venue not found');
  return stub;
}

export async function venueBalance(env: Bindings, principal: Principal, venueId: string) {
  const b = await (await managedVenue(env, principal, venueId)).balances();
  return {
    balance: { available: b.available, pending: b.pending, reserved: b.reserved, currency: b.currency },
    payoutInfo: { available: b.available, reserved: b.reserved, payable: b.payable },
  };
}

/**
 * Every venue of the tenant: its object's pending and available balances against its ledger accounts in
 * Postgres (credit-normal, so a balance is the negated sum of its lines). The ledger follows the objects
 * through their outboxes, so a venue with moves still in flight can differ for a moment.
 */
export async function checkVenueBalances(env: Bindings, config: Config, ctx: WaitUntil, principal: Principal) {
  const { list, sums } = await withDb(config, ctx, async (db) => ({
    list: await db.select({ venueId: venues.venueId }).from(venues).where(eq(venues.tenantId, principal.tenantId)),
    sums: await db
      .select({ account: ledgerEntries.account, total: sql<string>`SUM(${ledgerEntries.amount})` })
      .from(ledgerEntries)
      .where(and(eq(ledgerEntries.tenantId, principal.tenantId), like(ledgerEntries.account, 'venue:%')))
      .groupBy(ledgerEntries.account),
  }));
  const ledger = new Map(sums.map((s) => [s.account, -Number(s.total)]));
  const results = await Promise.all(
    list.map(async ({ venueId }) => {
      const b = await venueStub(env, principal.tenantId, venueId).balances();
      const object = { pending: b.pending, available: b.available };
      const books = { pending: ledger.get(`venue:${venueId}:pending`) ?? 0, available: ledger.get(`venue:${venueId}:available`) ?? 0 };
      return { venueId, object, ledger: books, matches: object.pending === books.pending && object.available === books.available };
    }),
  );
  return { allMatch: results.every((r) => r.matches), venues: results };
}

/** POST …/payout: the VenueDO checks and opens it atomically and decides idempotency (replay, 409, 422). */
export async function requestPayout(
  env: Bindings,
  principal: Principal,
  venueId: string,
  idempotencyKey: string,
  body: PayoutBody,
  path: string,
): Promise<PaymentAnswer> {
  const stub = await managedVenue(env, principal, venueId);
  const result = await stub.requestPayout({
    tenantId: principal.tenantId,
    userId: principal.sub,
    idempotencyKey,
    fingerprint: await fingerprint({ venueId, ...body }),
    amount: body.amount,
    instant: body.instant,
    path,
  });
  return answered(result);
}

/** GET …/payouts: newest first; the cursor names the page's last payout (creation time and id). */
export async function listPayouts(env: Bindings, principal: Principal, venueId: string, limit: number, cursor?: string) {
  const stub = await managedVenue(env, principal, venueId);
  const [at, id] = cursor?.split('.') ?? [];
  const payouts = await stub.listPayouts(limit + 1, at && id ? { at: Number(at), id } : undefined);
  const page = payouts.slice(0, limit).map(({ tenantId: _t, version: _v, ...payout }) => payout);
  const last = payouts.length > limit ? page[page.length - 1] : undefined;
  return { payouts: page, nextCursor: last ? `${Date.parse(last.createdAt)}.${last.id}` : null };
}
