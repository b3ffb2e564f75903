import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  varchar,
} from 'drizzle-orm/pg-core';
import { ESCROW_STATUSES, LISTING_STATUSES } from '../domain/escrow';
import { PAYOUT_STATUSES, PAYOUT_TYPES } from '../domain/payout';
import { inList } from './schema';

/**
 * Money out: venue payouts, the resale marketplace (listings, escrows, the split of each sale) and sellers'
 * 1099-DA tax forms. Listings, escrows and payouts are projections of their objects (versioned upserts);
 * `royalty_distributions` rows are written once, when an escrow is released.
 */
const at = (name: string) => timestamp(name, { withTimezone: true }).notNull();
const maybeAt = (name: string) => timestamp(name, { withTimezone: true });
const money = (name: string) => bigint(name, { mode: 'number' });

export const venuePayouts = pgTable(
  'venue_payouts',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    venueId: text('venue_id').notNull(),
    /** What the venue's balance gave; `fee` (instant payouts) stays with the platform, `netAmount` reaches the bank. */
    amount: money('amount').notNull(),
    fee: money('fee').notNull(),
    netAmount: money('net_amount').notNull(),
    currency: varchar('currency', { length: 3 }).notNull(),
    type: varchar('type', { length: 16 }).notNull(),
    status: varchar('status', { length: 16 }).notNull(),
    stripePayoutId: text('stripe_payout_id'),
    failureCode: text('failure_code'),
    failureMessage: text('failure_message'),
    requestedBy: text('requested_by').notNull(),
    estimatedArrival: text('estimated_arrival').notNull(),
    version: integer('version').notNull(),
    createdAt: at('created_at'),
    paidAt: maybeAt('paid_at'),
    failedAt: maybeAt('failed_at'),
    updatedAt: at('updated_at'),
  },
  (t) => [
    index('venue_payouts_venue_idx').on(t.tenantId, t.venueId, t.createdAt),
    check('venue_payouts_type_ck', inList('type', PAYOUT_TYPES)),
    check('venue_payouts_status_ck', inList('status', PAYOUT_STATUSES)),
    check('venue_payouts_amounts_ck', sql`${t.amount} = ${t.fee} + ${t.netAmount} AND ${t.fee} >= 0`),
  ],
);

export const resaleListings = pgTable(
  'resale_listings',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    ticketId: text('ticket_id').notNull(),
    eventId: text('event_id').notNull(),
    venueId: text('venue_id').notNull(),
    sellerId: text('seller_id').notNull(),
    price: money('price').notNull(),
    originalPrice: money('original_price').notNull(),
    currency: varchar('currency', { length: 3 }).notNull(),
    status: varchar('status', { length: 16 }).notNull(),
    /** Flagged for fraud review when it was listed (the reasons are in `flags`). */
    suspicious: boolean('suspicious').notNull().default(false),
    flags: text('flags').array().notNull(),
    version: integer('version').notNull(),
    createdAt: at('created_at'),
    updatedAt: at('updated_at'),
  },
  (t) => [
    index('resale_listings_event_idx').on(t.tenantId, t.eventId, t.status, t.price),
    index('resale_listings_seller_idx').on(t.tenantId, t.sellerId, t.createdAt),
    check('resale_listings_status_ck', inList('status', LISTING_STATUSES)),
  ],
);

export const paymentEscrows = pgTable(
  'payment_escrows',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    listingId: text('listing_id').notNull(),
    ticketId: text('ticket_id').notNull(),
    eventId: text('event_id').notNull(),
    venueId: text('venue_id').notNull(),
    buyerId: text('buyer_id').notNull(),
    sellerId: text('seller_id').notNull(),
    amount: money('amount').notNull(),
    sellerPayout: money('seller_payout').notNull(),
    venueRoyalty: money('venue_royalty').notNull(),
    platformFee: money('platform_fee').notNull(),
    /** What the seller paid for the ticket (face value, or the price of the resale that sold it to them). */
    costBasis: money('cost_basis').notNull(),
    currency: varchar('currency', { length: 3 }).notNull(),
    stripePaymentIntentId: text('stripe_payment_intent_id'),
    transferGroup: text('transfer_group').notNull(),
    /** `transfer`: paid to the seller's connected account; `balance`: held as the seller's balance. */
    sellerPayoutMethod: varchar('seller_payout_method', { length: 16 }),
    sellerTransferId: text('seller_transfer_id'),
    status: varchar('status', { length: 16 }).notNull(),
    releaseConditions: jsonb('release_conditions').notNull(),
    version: integer('version').notNull(),
    createdAt: at('created_at'),
    fundedAt: maybeAt('funded_at'),
    releasedAt: maybeAt('released_at'),
    refundedAt: maybeAt('refunded_at'),
    disputedAt: maybeAt('disputed_at'),
    updatedAt: at('updated_at'),
  },
  (t) => [
    index('payment_escrows_listing_idx').on(t.listingId),
    index('payment_escrows_seller_idx').on(t.tenantId, t.sellerId, t.status, t.releasedAt),
    index('payment_escrows_venue_idx').on(t.tenantId, t.venueId, t.releasedAt),
    check('payment_escrows_status_ck', inList('status', ESCROW_STATUSES)),
    check('payment_escrows_split_ck', sql`${t.sellerPayout} + ${t.venueRoyalty} + ${t.platformFee} = ${t.amount}`),
  ],
);

export const ROYALTY_RECIPIENT_TYPES = ['venue', 'artist', 'platform', 'seller'] as const;

/** The split of each released escrow: one row per recipient; the rows of an escrow sum to its amount. */
export const royaltyDistributions = pgTable(
  'royalty_distributions',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    /** The escrow whose release paid it. */
    transactionId: text('transaction_id').notNull(),
    eventId: text('event_id').notNull(),
    venueId: text('venue_id').notNull(),
    recipientType: varchar('recipient_type', { length: 16 }).notNull(),
    recipientId: text('recipient_id').notNull(),
    amount: money('amount').notNull(),
    /** Share of the sale price, in percent (two decimals: bps / 100). */
    percentage: numeric('percentage', { precision: 7, scale: 2, mode: 'string' }).notNull(),
    currency: varchar('currency', { length: 3 }).notNull(),
    createdAt: at('created_at'),
  },
  (t) => [
    unique('royalty_distributions_recipient_uq').on(t.transactionId, t.recipientType),
    index('royalty_distributions_venue_idx').on(t.tenantId, t.venueId, t.recipientType, t.createdAt),
    check('royalty_distributions_type_ck', inList('recipient_type', ROYALTY_RECIPIENT_TYPES)),
  ],
);

/** A seller's tax identity: the TIN only as AES-GCM ciphertext (and its last four digits for the masked form). */
export const taxProfiles = pgTable(
  'tax_profiles',
  {
    tenantId: text('tenant_id').notNull(),
    userId: text('user_id').notNull(),
    name: text('name').notNull(),
    address: jsonb('address').notNull(),
    tinCiphertext: text('tin_ciphertext').notNull(),
    tinLast4: varchar('tin_last4', { length: 4 }).notNull(),
    version: integer('version').notNull(),
    updatedAt: at('updated_at'),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.userId] })],
);

export const taxForms1099da = pgTable(
  'tax_forms_1099da',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    userId: text('user_id').notNull(),
    taxYear: integer('tax_year').notNull(),
    formData: jsonb('form_data').notNull(),
    totalProceeds: money('total_proceeds').notNull(),
    totalCostBasis: money('total_cost_basis').notNull(),
    transactionCount: integer('transaction_count').notNull(),
    status: varchar('status', { length: 16 }).notNull().default('generated'),
    generatedAt: at('generated_at'),
    sentAt: maybeAt('sent_at'),
  },
  (t) => [unique('tax_forms_1099da_user_year_uq').on(t.tenantId, t.userId, t.taxYear)],
);
