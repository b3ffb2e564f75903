import { z } from '@hono/zod-openapi';
import { MINT_JOB_STATUSES } from '../domain/mint-job';
import { API_STATUSES } from '../domain/payment-state';
import { Address, EntityId } from './catalog';
import { boundedBeforeParse } from './common';
import { DeviceFingerprint, SessionData } from './session-data';

/**
 * sessionData is documented as up to 2000 `{ type, t, x?, y? }` actions (about 60 bytes each) plus
 * browser features, a few levels deep: 128 KiB and 8 levels hold that with room to spare. The bound is
 * checked on the JSON as sent, before unknown keys are stripped, so an oversized trace is refused rather
 * than quietly cut down.
 */
export const SESSION_DATA_BOUNDS = { maxDepth: 8, maxBytes: 128 * 1024 } as const;

export const ProcessPaymentBody = z
  .object({
    venueId: EntityId,
    eventId: EntityId,
    tickets: z
      .array(
        z.object({
          ticketTypeId: EntityId,
          quantity: z.number().int().min(1).max(10),
          price: z.number().int().min(0).openapi({ description: 'Minor units per ticket; must equal the catalog price' }),
          seatNumbers: z.array(z.string().min(1).max(20)).max(10).optional(),
        }),
      )
      .min(1)
      .max(20),
    paymentMethod: z.object({ type: z.literal('card'), paymentMethodId: z.string().min(3).max(255) }),
    deviceFingerprint: DeviceFingerprint.optional().openapi({
      description: "The checkout page's device fingerprint: velocity and accounts per device",
    }),
    sessionData: boundedBeforeParse(SessionData, SESSION_DATA_BOUNDS)
      .optional()
      .openapi({
        description: `Browser signals for bot detection (see SessionData); at most ${SESSION_DATA_BOUNDS.maxDepth} levels deep and ${SESSION_DATA_BOUNDS.maxBytes} bytes as JSON`,
      }),
    customerAddress: Address.optional(),
    returnUrl: z.url().optional().openapi({ description: 'Where the customer returns after a 3-D Secure step' }),
  })
  .openapi('ProcessPaymentRequest');
export type ProcessPaymentBody = z.infer<typeof ProcessPaymentBody>;

export const Fees = z
  .object({
    ticketPrice: z.number().int(),
    platformFee: z.number().int(),
    gasEstimate: z.number().int(),
    stateTax: z.number().int(),
    localTax: z.number().int(),
    specialTax: z.number().int(),
    total: z.number().int(),
  })
  .openapi('Fees');

export const PaymentStatus = z.enum(API_STATUSES);

export const ProcessPaymentResponse = z
  .object({
    success: z.literal(true),
    transaction: z.object({
      id: z.string(),
      amount: z.number().int(),
      currency: z.string(),
      status: PaymentStatus,
      stripePaymentIntentId: z.string().nullable(),
      metadata: z.record(z.string(), z.unknown()),
    }),
    fees: Fees,
    nftStatus: z.enum(['queued']).nullable().openapi({
      description:
        'queued: the paid tickets are minted after this reply (transaction.metadata.mintJobId names the job); null while unpaid or when no chain is configured',
    }),
  })
  .openapi('ProcessPaymentResponse');
export type ProcessPaymentResponse = z.infer<typeof ProcessPaymentResponse>;

export const MintJob = z
  .object({
    jobId: z.string(),
    status: z.enum(MINT_JOB_STATUSES),
    progress: z.number().int().min(0).max(100).openapi({ description: 'Whole percentage of the tickets minted' }),
    transactionHash: z.string().nullable().openapi({ description: 'The latest transaction that minted one of the tickets' }),
  })
  .openapi('MintJob');

export const TransactionView = z
  .object({
    transaction: z.object({
      id: z.string(),
      userId: z.string(),
      venueId: z.string(),
      eventId: z.string(),
      amount: z.number().int(),
      currency: z.string(),
      status: PaymentStatus,
      refundedAmount: z.number().int(),
      stripePaymentIntentId: z.string().nullable(),
      createdAt: z.string(),
      updatedAt: z.string(),
    }),
    fees: Fees,
    nftStatus: MintJob.nullable().openapi({ description: "The order's NFT mint; null when nothing is minted for it" }),
  })
  .openapi('Transaction');
export type TransactionView = z.infer<typeof TransactionView>;

export const TransactionIdParam = z.object({ transactionId: z.uuid() });

export const IdempotencyKeyHeader = z.object({
  'idempotency-key': z.string().openapi({
    description: 'UUID v4; required. Same key and body → the stored response.',
    example: '7f1c2d3e-4b5a-4c6d-8e9f-0a1b2c3d4e5f',
  }),
});

export const RefundBody = z
  .object({
    amount: z.number().int().min(1).optional().openapi({ description: 'Minor units; the whole remaining amount when omitted' }),
    reason: z.string().min(1).max(500).optional(),
  })
  .openapi('RefundRequest');
export type RefundBody = z.infer<typeof RefundBody>;

export const RefundResponse = z
  .object({
    success: z.literal(true),
    refund: z.object({ id: z.string(), amount: z.number().int(), status: z.enum(['pending', 'completed']) }),
  })
  .openapi('RefundResponse');
export type RefundResponse = z.infer<typeof RefundResponse>;

/** process's headers: the Idempotency-Key, and the proofs some purchases need. */
export const ProcessHeaders = IdempotencyKeyHeader.extend({
  'x-access-token': z
    .string()
    .max(4096)
    .optional()
    .openapi({ description: "High-demand events: the waiting room's admission token (from join or status once admitted)" }),
  'x-verification-token': z
    .string()
    .max(4096)
    .optional()
    .openapi({ description: 'After 403 VERIFICATION_REQUIRED: a NoTap verification token of this buyer, for the same request' }),
});
