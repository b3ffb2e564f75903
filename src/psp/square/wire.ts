import { z } from 'zod';
import { MAX_EVENT_ID_LENGTH } from '../checkout';

/**
 * Square wire shapes we read, as zod schemas: API answers and webhook objects are parsed with
 * them, so another shape is a value (an unexpected response, a malformed event), never a crash. Only the fields
 * the mappings read are checked; others pass through. Money is the currency's smallest denomination.
 */
const Id = z.string().min(1).max(MAX_EVENT_ID_LENGTH);

export const SquareMoney = z.looseObject({ amount: z.number().int().nonnegative(), currency: z.string().min(1).max(16) });
export type SquareMoney = { amount: number; currency: string };

export const SQUARE_PAYMENT_STATUSES = ['APPROVED', 'PENDING', 'COMPLETED', 'CANCELED', 'FAILED'] as const;
export type SquarePaymentStatus = (typeof SQUARE_PAYMENT_STATUSES)[number];
export const SQUARE_REFUND_STATUSES = ['PENDING', 'COMPLETED', 'REJECTED', 'FAILED'] as const;
export type SquareRefundStatus = (typeof SQUARE_REFUND_STATUSES)[number];

/** Statuses this code maps; Square may add others, which a webhook acknowledges and ignores. */
export function isSquarePaymentStatus(value: unknown): value is SquarePaymentStatus {
  return typeof value === 'string' && (SQUARE_PAYMENT_STATUSES as readonly string[]).includes(value);
}
export function isSquareRefundStatus(value: unknown): value is SquareRefundStatus {
  return typeof value === 'string' && (SQUARE_REFUND_STATUSES as readonly string[]).includes(value);
}

const Status = z.string().min(1).max(64);

/** A Payment as a webhook carries it (any status: one Square adds later is still well-formed). */
export const PaymentObject = z.looseObject({
  id: Id,
  status: Status,
  amount_money: SquareMoney.nullish(),
  total_money: SquareMoney.nullish(),
  refunded_money: SquareMoney.nullish(),
  reference_id: z.string().max(255).nullish(),
  note: z.string().max(500).nullish(),
  order_id: z.string().max(255).nullish(),
});

export const RefundObject = z.looseObject({
  id: Id,
  status: Status,
  amount_money: SquareMoney,
  payment_id: Id.nullish(),
  reason: z.string().max(500).nullish(),
  order_id: z.string().max(255).nullish(),
});

/** The same objects with a status this code maps. */
export const SquarePayment = PaymentObject.extend({ status: z.enum(SQUARE_PAYMENT_STATUSES) });
export type SquarePayment = z.output<typeof SquarePayment>;
export const SquareRefund = RefundObject.extend({ status: z.enum(SQUARE_REFUND_STATUSES) });
export type SquareRefund = z.output<typeof SquareRefund>;

export const SquarePaymentLink = z.looseObject({
  id: Id,
  version: z.number().int().optional(),
  order_id: z.string().max(255).optional(),
  url: z.string().min(1).max(4096),
  long_url: z.string().optional(),
  payment_note: z.string().optional(),
});
export type SquarePaymentLink = z.output<typeof SquarePaymentLink>;

/** Response bodies: each names its object (CreatePaymentLink, RetrievePaymentLink, GetPayment, RefundPayment, GetPaymentRefund). */
export const PaymentLinkResponse = z.looseObject({ payment_link: SquarePaymentLink });
export const PaymentResponse = z.looseObject({ payment: SquarePayment });
export const RefundResponse = z.looseObject({ refund: SquareRefund });

export const SquareErrorBody = z.looseObject({
  errors: z
    .array(
      z.looseObject({
        category: z.string().optional(),
        code: z.string().optional(),
        detail: z.string().optional(),
        field: z.string().optional(),
      }),
    )
    .optional(),
});
