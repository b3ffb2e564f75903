import { publicEscrow } from '../../durable-objects/listing/schema';
import type { ListingView } from '../../durable-objects/listing/types';
import { type WaitUntil, withDb } from '../db/client';
import { listActiveListings, royaltiesByEvent } from '../db/repos/marketplace';
import { fingerprint } from '../domain/idempotency';
import {
  DEFAULT_PLATFORM_RESALE_FEE_BPS,
  DEFAULT_ROYALTY_BPS,
  isHighMarkup,
  resalePriceBounds,
  SUSPICION_WINDOW_MS,
  suspiciousListingFlags,
} from '../domain/resale';
import { roundHalfUp } from '../domain/rounding';
import type { Bindings, Config, Principal } from '../env';
import { AppError, NotFoundError, ValidationError } from '../lib/errors';
import { eventStub, listingStub, riskStub, sellerStub, ticketStub, venueStub } from '../lib/stubs';
import type { CreateListingBody, PurchaseBody } from '../schemas/marketplace';
import { managesVenue } from './catalog';
import { answered, type PaymentAnswer } from './payments';

type ListingFields = Pick<
  ListingView,
  'id' | 'ticketId' | 'sellerId' | 'eventId' | 'venueId' | 'price' | 'originalPrice' | 'currency' | 'status' | 'createdAt'
>;

const publicListing = (l: ListingFields) => ({
  id: l.id,
  ticketId: l.ticketId,
  sellerId: l.sellerId,
  eventId: l.eventId,
  venueId: l.venueId,
  price: l.price,
  originalPrice: l.originalPrice,
  currency: l.currency,
  status: l.status,
  createdAt: l.createdAt,
});

/**
 * POST /marketplace/listings: the holder of a valid ticket of an event that has not started lists it at a
 * price inside the venue's window (default 50 %–250 % of face value). The ticket is put on sale in its
 * TicketDO first (one listing per ticket, whatever the concurrency); a listing far above face value by a
 * seller, or from a device, that made several such listings within a day goes to the fraud review list.
 */
export async function createListing(env: Bindings, principal: Principal, body: CreateListingBody) {
  const { tenantId } = principal;
  const ticket = ticketStub(env, tenantId, body.ticketId);
  const view = await ticket.view(tenantId);
  if (!view || view.ownerId !== principal.sub) throw new NotFoundError('Ticket not found');
  if (body.venueId && body.venueId !== view.venueId) throw new ValidationError([{ field: 'venueId', message: "not the ticket's venue" }]);
  const [event, venue] = await Promise.all([
    eventStub(env, tenantId, view.eventId).profile(),
    venueStub(env, tenantId, view.venueId).profile(),
  ]);
  const startsAt = event ? Date.parse(event.startsAt) : 0;
  if (startsAt <= Date.now()) throw new AppError('TICKET_NOT_TRANSFERABLE', 'The event has started');
  const bounds = resalePriceBounds(view.faceValue, venue?.resale ?? {});
  if (body.price < bounds.min || body.price > bounds.max) {
    throw new ValidationError([{ field: 'price', message: `price must be between ${bounds.min} and ${bounds.max}` }]);
  }
  const listingId = `lst_${crypto.randomUUID().replaceAll('-', '')}`;
  const flags = isHighMarkup(body.price, view.faceValue)
    ? await listingFlags(env, tenantId, principal.sub, listingId, body.deviceFingerprint)
    : [];
  const listed = await ticket.list({ tenantId, sellerId: principal.sub, listingId });
  if (!listed.ok) {
    if (listed.reason === 'not_found') throw new NotFoundError('Ticket not found');
    throw new AppError('TICKET_NOT_TRANSFERABLE', listed.message);
  }
  let listing: ListingView;
  try {
    listing = await listingStub(env, tenantId, listingId).create({
      listingId,
      tenantId,
      ticketId: view.id,
      eventId: view.eventId,
      venueId: view.venueId,
      sellerId: principal.sub,
      price: body.price,
      originalPrice: view.faceValue,
      currency: view.currency,
      costBasis: listed.costBasis,
      eventStartsAt: startsAt,
      royaltyBps: venue?.royaltyBps ?? DEFAULT_ROYALTY_BPS,
      platformFeeBps: venue?.platformResaleFeeBps ?? DEFAULT_PLATFORM_RESALE_FEE_BPS,
      flags,
    });
  } catch (err) {
    await ticket.unlist(listingId);
    throw err;
  }
  return {
    success: true as const,
    listing: publicListing(listing),
    priceInfo: { valid: true as const, originalPrice: view.faceValue, maxAllowedPrice: bounds.max, minAllowedPrice: bounds.min },
  };
}

/** Counts the listing against its seller and device (their RiskDOs) and says why it is suspicious, if it is. */
async function listingFlags(env: Bindings, tenantId: string, sellerId: string, listingId: string, device?: string): Promise<string[]> {
  const [seller, fromDevice] = await Promise.all([
    riskStub(env, tenantId, 'user', sellerId).noteHighMarkupListing(listingId, SUSPICION_WINDOW_MS),
    device ? riskStub(env, tenantId, 'device', device).noteHighMarkupListing(listingId, SUSPICION_WINDOW_MS) : null,
  ]);
  return suspiciousListingFlags({
    sellerRecent: seller.recent,
    deviceRecent: fromDevice?.recent ?? null,
    knownScalper: seller.knownScalper || Boolean(fromDevice?.knownScalper),
  });
}

/** DELETE /marketplace/listings/:id: the seller takes an active listing off sale; the ticket is valid again. */
export async function cancelListing(env: Bindings, principal: Principal, listingId: string) {
  const result = await listingStub(env, principal.tenantId, listingId).cancel(principal.tenantId, principal.sub);
  if (!result.ok) {
    if (result.code === 'NOT_FOUND') throw new NotFoundError('Listing not found');
    throw new AppError('LISTING_UNAVAILABLE', 'The listing is being bought or was sold');
  }
  await ticketStub(env, principal.tenantId, result.listing.ticketId).unlist(listingId);
  return { success: true as const, listing: publicListing(result.listing) };
}

/** A listing, with its latest escrow for the seller, that escrow's buyer and admins. */
export async function getListing(env: Bindings, principal: Principal, listingId: string) {
  const found = await listingStub(env, principal.tenantId, listingId).view(principal.tenantId);
  if (!found) throw new NotFoundError('Listing not found');
  const { listing, escrow } = found;
  const party = principal.role === 'admin' || principal.sub === listing.sellerId || principal.sub === escrow?.buyerId;
  return { listing: publicListing(listing), escrow: escrow && party ? publicEscrow(escrow) : null };
}

/** Active listings of an event from Postgres (they follow the listings' objects through their outboxes). */
export async function listListings(
  config: Config,
  ctx: WaitUntil,
  principal: Principal,
  query: { eventId: string; limit: number; cursor?: string },
) {
  const [price, id] = query.cursor?.split('.') ?? [];
  const after = price && id ? { price: Number(price), id } : undefined;
  const rows = await withDb(config, ctx, (db) => listActiveListings(db, principal.tenantId, query.eventId, query.limit, after));
  const page = rows.slice(0, query.limit);
  const last = rows.length > query.limit ? page.at(-1) : undefined;
  return {
    listings: page.map((r) => publicListing({ ...r, status: r.status as ListingView['status'], createdAt: r.createdAt.toISOString() })),
    nextCursor: last ? `${last.price}.${last.id}` : null,
  };
}

/** POST /marketplace/purchase: the listing's object decides who wins and idempotency (replay, 409, 422). */
export async function purchaseListing(
  env: Bindings,
  principal: Principal,
  idempotencyKey: string,
  body: PurchaseBody,
  path: string,
): Promise<PaymentAnswer> {
  const result = await listingStub(env, principal.tenantId, body.listingId).purchase({
    tenantId: principal.tenantId,
    buyerId: principal.sub,
    idempotencyKey,
    fingerprint: await fingerprint(body),
    paymentMethodId: body.paymentMethodId,
    path,
  });
  return answered(result);
}

/** A date is its UTC day: the start's midnight, the end's next midnight. */
function rangeOf(startDate: string, endDate: string): { start: Date; end: Date } {
  const start = new Date(startDate.length === 10 ? `${startDate}T00:00:00Z` : startDate);
  const end = endDate.length === 10 ? new Date(Date.parse(`${endDate}T00:00:00Z`) + 86_400_000) : new Date(endDate);
  if (end <= start) throw new ValidationError([{ field: 'endDate', message: 'must be after startDate' }]);
  return { start, end };
}

/** The venue's resale royalties by event (its managers and admins), from Postgres `royalty_distributions`. */
export async function royaltyReport(
  config: Config,
  ctx: WaitUntil,
  principal: Principal,
  venueId: string,
  query: { startDate: string; endDate: string },
) {
  if (!managesVenue(principal, venueId)) throw new NotFoundError('Venue not found');
  const { start, end } = rangeOf(query.startDate, query.endDate);
  const rows = await withDb(config, ctx, (db) => royaltiesByEvent(db, principal.tenantId, venueId, start, end));
  const byEvent = rows.map((r) => ({
    eventId: r.eventId,
    eventName: r.eventName,
    royalties: Number(r.royalties),
    transactions: Number(r.transactions),
  }));
  const totalRoyalties = byEvent.reduce((sum, e) => sum + e.royalties, 0);
  const transactionCount = byEvent.reduce((sum, e) => sum + e.transactions, 0);
  return {
    totalRoyalties,
    transactionCount,
    averageRoyalty: transactionCount ? roundHalfUp(totalRoyalties, transactionCount) : 0,
    byEvent,
  };
}

/** The caller as a seller: the connected account their resale proceeds are transferred to, and what is held for them. */
export async function sellerAccount(env: Bindings, principal: Principal, stripeAccountId?: string) {
  const seller = sellerStub(env, principal.tenantId, principal.sub);
  if (stripeAccountId) await seller.setPayoutAccount(stripeAccountId);
  const [account, held] = await Promise.all([seller.payoutAccount(), seller.heldProceeds()]);
  return { stripeAccountId: account, heldProceeds: held };
}
