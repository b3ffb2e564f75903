import { z } from '@hono/zod-openapi';
import { ESCROW_STATUSES, LISTING_STATUSES } from '../domain/escrow';
import { EntityId } from './catalog';

const ListingId = z.string().regex(/^lst_[0-9a-f]{32}$/, 'a listing id (lst_…)');

export const ListingIdParam = z.object({ listingId: ListingId });

export const CreateListingBody = z
  .object({
    ticketId: z.string().regex(/^tkt_[0-9a-f]{26}$/, 'a ticket id (tkt_…)'),
    price: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).openapi({ description: 'Minor units', example: 15000 }),
    venueId: EntityId.optional().openapi({ description: "The ticket's venue (checked when given)" }),
    deviceFingerprint: z
      .string()
      .min(1)
      .max(256)
      .optional()
      .openapi({ description: 'The seller device, for the suspicious-listing check' }),
  })
  .strict()
  .openapi('CreateListingBody');
export type CreateListingBody = z.infer<typeof CreateListingBody>;

export const Listing = z
  .object({
    id: z.string(),
    ticketId: z.string(),
    sellerId: z.string(),
    eventId: z.string(),
    venueId: z.string(),
    price: z.number().int(),
    originalPrice: z.number().int().openapi({ description: 'Face value' }),
    currency: z.string(),
    status: z.enum(LISTING_STATUSES),
    createdAt: z.string(),
  })
  .openapi('Listing');

export const CreateListingResponse = z
  .object({
    success: z.literal(true),
    listing: Listing,
    priceInfo: z.object({
      valid: z.literal(true),
      originalPrice: z.number().int(),
      maxAllowedPrice: z.number().int(),
      minAllowedPrice: z.number().int(),
    }),
  })
  .openapi('CreateListingResponse');

export const ListingListQuery = z.object({
  eventId: EntityId.openapi({ description: 'The event whose active listings to list' }),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z
    .string()
    .regex(/^\d{1,15}\.lst_[0-9a-f]{32}$/, 'the nextCursor of a previous page')
    .optional(),
});

export const ListingList = z.object({ listings: z.array(Listing), nextCursor: z.string().nullable() }).openapi('ListingList');

export const Escrow = z
  .object({
    id: z.string(),
    listingId: z.string(),
    ticketId: z.string(),
    amount: z.number().int(),
    sellerPayout: z.number().int(),
    venueRoyalty: z.number().int(),
    platformFee: z.number().int(),
    currency: z.string(),
    status: z.enum(ESCROW_STATUSES),
  })
  .openapi('Escrow');

export const ListingDetail = z
  .object({
    listing: Listing,
    escrow: Escrow.nullable().openapi({ description: 'The latest escrow (to its seller, its buyer and admins)' }),
  })
  .openapi('ListingDetail');

export const PurchaseBody = z
  .object({ listingId: ListingId, paymentMethodId: z.string().min(1).max(255) })
  .strict()
  .openapi('PurchaseBody');
export type PurchaseBody = z.infer<typeof PurchaseBody>;

export const PurchaseResponse = z.object({ success: z.literal(true), escrow: Escrow, message: z.string() }).openapi('PurchaseResponse');

const Day = z.iso.date().or(z.iso.datetime({ offset: true }));

export const RoyaltyQuery = z.object({
  startDate: Day.openapi({ description: 'Inclusive (a date is its UTC midnight)', example: '2026-01-01' }),
  endDate: Day.openapi({ description: 'Inclusive for a date (its whole day), exclusive for a date-time', example: '2026-12-31' }),
});

export const RoyaltyReport = z
  .object({
    totalRoyalties: z.number().int(),
    transactionCount: z.number().int(),
    averageRoyalty: z.number().int().openapi({ description: 'Rounded half up' }),
    byEvent: z.array(
      z.object({ eventId: z.string(), eventName: z.string().nullable(), royalties: z.number().int(), transactions: z.number().int() }),
    ),
  })
  .openapi('RoyaltyReport');

export const SellerAccountBody = z
  .object({ stripeAccountId: z.string().regex(/^acct_[A-Za-z0-9]{1,64}$/, 'a Stripe connected account id (acct_…)') })
  .strict()
  .openapi('SellerAccountBody');

export const SellerAccount = z
  .object({
    stripeAccountId: z.string().nullable(),
    heldProceeds: z
      .array(z.object({ currency: z.string(), amount: z.number().int() }))
      .openapi({ description: 'Resale proceeds kept for the seller while they had no connected account' }),
  })
  .openapi('SellerAccount');
