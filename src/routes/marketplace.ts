import { createRoute } from '@hono/zod-openapi';
import { createRouter } from '../lib/router';
import { requireAuth } from '../middleware/auth';
import { requireIdempotencyKey } from '../middleware/idempotency-key';
import { userRateLimit } from '../middleware/rate-limit';
import { VenueIdParam } from '../schemas/catalog';
import { BEARER_AUTH, ErrorBodySchema, errorResponses } from '../schemas/common';
import {
  CreateListingBody,
  CreateListingResponse,
  ListingDetail,
  ListingIdParam,
  ListingList,
  ListingListQuery,
  PurchaseBody,
  PurchaseResponse,
  RoyaltyQuery,
  RoyaltyReport,
  SellerAccount,
  SellerAccountBody,
} from '../schemas/marketplace';
import { IdempotencyKeyHeader } from '../schemas/payments';
import {
  cancelListing,
  createListing,
  getListing,
  listListings,
  purchaseListing,
  royaltyReport,
  sellerAccount,
} from '../services/marketplace';

const json = <T>(schema: T) => ({ content: { 'application/json': { schema } } });

const create = createRoute({
  method: 'post',
  path: '/api/v1/marketplace/listings',
  tags: ['Marketplace'],
  summary: 'List a ticket for resale (its holder; a valid ticket of an event that has not started)',
  description:
    "price within the venue's window (default 50 %–250 % of face value), else 422 on price; a ticket already listed, void, or whose " +
    'NFT is still being minted → 409 TICKET_NOT_TRANSFERABLE. A listing at twice face value or more, by a seller or from a device that ' +
    'made three such listings within a day (or named on the known-scalper list), joins the fraud review list.',
  security: BEARER_AUTH,
  middleware: [requireAuth(), userRateLimit()],
  request: { body: { required: true, ...json(CreateListingBody) } },
  responses: { 201: { description: 'Listed', ...json(CreateListingResponse) }, ...errorResponses(401, 404, 409, 413, 422, 429) },
});

const list = createRoute({
  method: 'get',
  path: '/api/v1/marketplace/listings',
  tags: ['Marketplace'],
  summary: "An event's active listings, cheapest first",
  security: BEARER_AUTH,
  middleware: [requireAuth(), userRateLimit()],
  request: { query: ListingListQuery },
  responses: { 200: { description: 'Listings', ...json(ListingList) }, ...errorResponses(401, 422, 429, 503) },
});

const detail = createRoute({
  method: 'get',
  path: '/api/v1/marketplace/listings/{listingId}',
  tags: ['Marketplace'],
  summary: 'A listing, with its escrow for the seller, the buyer and admins',
  security: BEARER_AUTH,
  middleware: [requireAuth(), userRateLimit()],
  request: { params: ListingIdParam },
  responses: { 200: { description: 'The listing', ...json(ListingDetail) }, ...errorResponses(401, 404, 422, 429) },
});

const cancel = createRoute({
  method: 'delete',
  path: '/api/v1/marketplace/listings/{listingId}',
  tags: ['Marketplace'],
  summary: 'Withdraw a listing (its seller); one being bought or sold → 409 LISTING_UNAVAILABLE',
  security: BEARER_AUTH,
  middleware: [requireAuth(), userRateLimit()],
  request: { params: ListingIdParam },
  responses: {
    200: { description: 'Withdrawn', ...json(CreateListingResponse.pick({ success: true, listing: true })) },
    ...errorResponses(401, 404, 409, 422, 429),
  },
});

const purchase = createRoute({
  method: 'post',
  path: '/api/v1/marketplace/purchase',
  tags: ['Marketplace'],
  summary: 'Buy a listed ticket: the price is held in escrow until the ticket reaches the buyer (idempotent)',
  description:
    'Exactly one buyer wins a listing; the others get 409 LISTING_UNAVAILABLE and are not charged. The buyer is charged through Stripe ' +
    'with the listing as the transfer group; the escrow is funded, the ticket (and its NFT) moves to the buyer, then the escrow is released: ' +
    "the seller's proceeds, the venue's royalty and the platform's fee. A transfer that cannot complete refunds the buyer. Same " +
    'Idempotency-Key and body → the stored response with Idempotent-Replayed: true; while the first runs → 409; another body → 422.',
  security: BEARER_AUTH,
  middleware: [requireAuth(), requireIdempotencyKey()],
  request: { headers: IdempotencyKeyHeader, body: { required: true, ...json(PurchaseBody) } },
  responses: {
    200: { description: 'Paid and held in escrow', ...json(PurchaseResponse) },
    202: { description: 'Accepted by the PSP, outcome pending', ...json(PurchaseResponse) },
    402: { description: 'PAYMENT_FAILED (declineCode) or PAYMENT_REQUIRES_ACTION (nextAction)', ...json(ErrorBodySchema) },
    502: { description: 'PSP_UNAVAILABLE: retry with the same key', ...json(ErrorBodySchema) },
    ...errorResponses(400, 401, 404, 409, 413, 422),
  },
});

const royalties = createRoute({
  method: 'get',
  path: '/api/v1/marketplace/venues/{venueId}/royalties',
  tags: ['Marketplace'],
  summary: "The venue's resale royalties by event for a date range (its managers and admins)",
  security: BEARER_AUTH,
  middleware: [requireAuth(), userRateLimit()],
  request: { params: VenueIdParam, query: RoyaltyQuery },
  responses: { 200: { description: 'Royalties', ...json(RoyaltyReport) }, ...errorResponses(401, 404, 422, 429, 503) },
});

const putSellerAccount = createRoute({
  method: 'put',
  path: '/api/v1/marketplace/seller-account',
  tags: ['Marketplace'],
  summary: "The caller's Stripe connected account, where their resale proceeds are transferred",
  description: 'Without one, proceeds are held for the seller (heldProceeds) and not transferred.',
  security: BEARER_AUTH,
  middleware: [requireAuth(), userRateLimit()],
  request: { body: { required: true, ...json(SellerAccountBody) } },
  responses: { 200: { description: 'Saved', ...json(SellerAccount) }, ...errorResponses(401, 413, 422, 429) },
});

const getSellerAccount = createRoute({
  method: 'get',
  path: '/api/v1/marketplace/seller-account',
  tags: ['Marketplace'],
  summary: "The caller's connected account and the proceeds held for them",
  security: BEARER_AUTH,
  middleware: [requireAuth(), userRateLimit()],
  responses: { 200: { description: 'The seller account', ...json(SellerAccount) }, ...errorResponses(401, 429) },
});

export const marketplaceRoutes = createRouter()
  .openapi(putSellerAccount, async (c) => c.json(await sellerAccount(c.env, c.get('principal'), c.req.valid('json').stripeAccountId), 200))
  .openapi(getSellerAccount, async (c) => c.json(await sellerAccount(c.env, c.get('principal')), 200))
  .openapi(create, async (c) => c.json(await createListing(c.env, c.get('principal'), c.req.valid('json')), 201))
  .openapi(list, async (c) => c.json(await listListings(c.get('config'), c.executionCtx, c.get('principal'), c.req.valid('query')), 200))
  .openapi(detail, async (c) => c.json(await getListing(c.env, c.get('principal'), c.req.valid('param').listingId), 200))
  .openapi(cancel, async (c) => c.json(await cancelListing(c.env, c.get('principal'), c.req.valid('param').listingId), 200))
  .openapi(purchase, async (c) => {
    const result = await purchaseListing(c.env, c.get('principal'), c.get('idempotencyKey'), c.req.valid('json'), c.req.path);
    if (result.replayed) c.header('Idempotent-Replayed', 'true');
    return c.json(JSON.parse(result.body), result.status);
  })
  .openapi(royalties, async (c) =>
    c.json(
      await royaltyReport(c.get('config'), c.executionCtx, c.get('principal'), c.req.valid('param').venueId, c.req.valid('query')),
      200,
    ),
  );
