import { z } from '@hono/zod-openapi';

export const EntityId = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only');

export const Address = z
  .object({
    street: z.string().min(1).max(200).optional(),
    city: z.string().min(1).max(100),
    state: z.string().min(2).max(40),
    zip: z.string().min(3).max(12).optional(),
  })
  .openapi('Address');

export const VenueTier = z.enum(['starter', 'pro', 'enterprise']);

const Bps = z.number().int().min(0).max(10_000);

export const VenueProfileBody = z
  .object({
    name: z.string().min(1).max(200),
    address: Address,
    tier: VenueTier.optional().openapi({ description: 'Overrides the tier derived from trailing-30-day volume' }),
    stripeAccountId: z
      .string()
      .regex(/^acct_[A-Za-z0-9]+$/, 'a Stripe connected account id (acct_…)')
      .optional(),
    royaltyBps: Bps.optional().openapi({ description: 'Venue royalty on resales; default 1000' }),
    platformResaleFeeBps: Bps.optional().openapi({ description: 'Platform fee on resales; default 500' }),
    settlementDelayHours: z
      .number()
      .int()
      .min(0)
      .max(24 * 90)
      .optional()
      .openapi({ description: "Hours after an event's end before its sales become available for payout; default 48" }),
    reserveBps: Bps.optional().openapi({ description: 'Share of the trailing 30-day sales held back for chargebacks; default 500' }),
    resale: z
      .object({ minPct: z.number().int().min(0).max(1000), maxPct: z.number().int().min(1).max(1000) })
      .refine((r) => r.minPct <= r.maxPct, { message: 'minPct must not exceed maxPct', path: ['minPct'] })
      .optional(),
  })
  .openapi('VenueProfileInput');
export type VenueProfileBody = z.infer<typeof VenueProfileBody>;

export const VenueProfile = VenueProfileBody.extend({
  venueId: z.string(),
  tenantId: z.string(),
  version: z.number().int(),
  updatedAt: z.string(),
}).openapi('VenueProfile');
export type VenueProfile = z.infer<typeof VenueProfile>;

export const TicketType = z.object({
  id: EntityId,
  name: z.string().min(1).max(200),
  price: z.number().int().min(0).max(100_000_000).openapi({ description: 'Minor units' }),
});

export const PurchaseLimits = z
  .object({
    perUser: z.number().int().min(1).max(1000),
    perPaymentMethod: z.number().int().min(1).max(1000),
    perAddress: z.number().int().min(1).max(1000),
    perOrder: z.number().int().min(1).max(1000),
  })
  .openapi('PurchaseLimits');

export const WaitingRoomConfig = z
  .object({
    admitPerMinute: z.number().int().min(1).max(100_000).optional().openapi({ description: 'Admissions in any 60 s window; default 200' }),
    maxActive: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .optional()
      .openapi({ description: 'Unspent, unexpired tokens at once; default 1000' }),
    tokenTtlSeconds: z.number().int().min(30).max(86_400).optional().openapi({ description: 'Admission token lifetime; default 600' }),
    abandonAfterSeconds: z
      .number()
      .int()
      .min(10)
      .max(86_400)
      .optional()
      .openapi({ description: 'A waiting user silent this long loses the place; default 120' }),
    shards: z
      .number()
      .int()
      .min(1)
      .max(64)
      .optional()
      .openapi({ description: 'Join shards (each serves about 1,000 requests/s); default 4; fixed once the event is high-demand' }),
  })
  .openapi('WaitingRoomConfig');

export const EventProfileBody = z
  .object({
    venueId: EntityId,
    name: z.string().min(1).max(200),
    startsAt: z.iso.datetime({ offset: true }),
    endsAt: z.iso
      .datetime({ offset: true })
      .optional()
      .openapi({ description: 'Default startsAt + 4 h; its sales become available this long after it plus the venue settlement delay' }),
    highDemand: z.boolean().optional().openapi({ description: 'Purchases need a waiting-room admission token (x-access-token)' }),
    waitingRoom: WaitingRoomConfig.optional(),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'ISO 4217 code')
      .optional()
      .openapi({ description: 'Default USD' }),
    ticketTypes: z
      .array(TicketType)
      .min(1)
      .max(100)
      .refine((types) => new Set(types.map((t) => t.id)).size === types.length, { message: 'ticket type ids must be unique' }),
    limits: PurchaseLimits.optional().openapi({ description: 'Defaults 4 / 4 / 8 / 4' }),
    blockchain: z
      .enum(['polygon', 'solana'])
      .optional()
      .openapi({ description: "The chain the event's ticket NFTs are minted on; default: the cheaper one when the order is paid" }),
  })
  .openapi('EventProfileInput');
export type EventProfileBody = z.infer<typeof EventProfileBody>;

export const EventProfile = EventProfileBody.extend({
  eventId: z.string(),
  tenantId: z.string(),
  currency: z.string(),
  limits: PurchaseLimits,
  version: z.number().int(),
  updatedAt: z.string(),
}).openapi('EventProfile');
export type EventProfile = z.infer<typeof EventProfile>;

export const VenueIdParam = z.object({ venueId: EntityId });
export const EventIdParam = z.object({ eventId: EntityId });
