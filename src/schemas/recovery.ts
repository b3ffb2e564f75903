import { z } from '@hono/zod-openapi';
import { CHECKOUT_STATUSES } from '../domain/checkout';
import { CURRENCY_EXPONENTS, isCurrency } from '../domain/money';
import { DELIVERY_STATUSES, RECOVERY_STATUSES } from '../notifications/types';

/**
 * Stripe payment recovery. Request and response fields are camelCase like the recovery API's body
 * (`customerEmail`, `transactionId`); snake_case names are the Postgres columns
 * (`recovery_transactions.stripe_payment_intent_id`, …). Amounts are integer minor units.
 */
const CURRENCIES = Object.keys(CURRENCY_EXPONENTS);
const E164 = /^\+[1-9]\d{1,14}$/;
const HttpsUrl = z.url({ protocol: /^https$/, error: 'must be an https URL' }).max(2048);

export const TransactionIdParam = z.object({
  transactionId: z.uuid({ error: 'must be a transactionId returned by POST /v1/transactions' }).openapi({
    param: { name: 'transactionId', in: 'path' },
  }),
});

export const RecordTransactionBody = z
  .object({
    amount: z.number().int().positive().max(99_999_999_999).openapi({ description: 'Minor units of currency', example: 4999 }),
    currency: z
      .string()
      .transform((s) => s.trim().toUpperCase())
      .refine(isCurrency, { message: `must be one of ${CURRENCIES.join(', ')}` })
      .openapi({ description: 'ISO 4217 code Stripe settles (src/domain/money.ts)', example: 'USD' }),
    customerEmail: z.email({ error: 'must be an email address' }).max(254).optional(),
    customerPhone: z
      .string()
      .trim()
      .regex(E164, 'must be an E.164 phone number, e.g. +15551234567')
      .optional()
      .openapi({ example: '+15551234567' }),
    description: z.string().trim().min(1).max(255).openapi({ example: 'Order #1042' }),
    failureReason: z.string().trim().min(1).max(500).optional().openapi({ example: 'card_declined' }),
  })
  .superRefine((b, ctx) => {
    if (!b.customerEmail && !b.customerPhone) {
      ctx.addIssue({ code: 'custom', path: ['customerEmail'], message: 'customerEmail or customerPhone is required to send reminders' });
    }
    // Three-decimal currencies are charged by Stripe in multiples of 10 minor units.
    if (isCurrency(b.currency) && CURRENCY_EXPONENTS[b.currency] === 3 && b.amount % 10 !== 0) {
      ctx.addIssue({ code: 'custom', path: ['amount'], message: `must be a multiple of 10 for ${b.currency} (Stripe)` });
    }
  })
  .openapi('RecordTransactionBody');
export type RecordTransactionBody = z.output<typeof RecordTransactionBody>;

export const PaymentAttemptSchema = z
  .object({
    attemptId: z.string(),
    paymentIntentId: z.string().nullable(),
    status: z.enum(['succeeded', 'failed', 'processing']),
    amount: z.number().int().nullable(),
    currency: z.string().nullable(),
    failureCode: z.string().nullable(),
    failureMessage: z.string().nullable(),
    source: z.string().openapi({ description: 'The Stripe event type (or checkout.updated) that reported it' }),
    occurredAt: z.string(),
  })
  .openapi('RecoveryPaymentAttempt');

export const NotificationSchema = z
  .object({
    reminder: z.number().int(),
    channel: z.enum(['email', 'sms']),
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.number().int(),
    providerMessageId: z.string().nullable(),
    lastError: z.string().nullable(),
    sentAt: z.string().nullable(),
  })
  .openapi('RecoveryNotification');

export const TransactionResponse = z
  .object({
    transactionId: z.uuid(),
    amount: z.number().int(),
    currency: z.string(),
    description: z.string(),
    failureReason: z.string().nullable(),
    customerEmail: z.string().nullable(),
    customerPhone: z.string().nullable(),
    recoveryStatus: z.enum(RECOVERY_STATUSES).openapi({
      description: 'pending → link_sent (a reminder with a link was accepted) → completed (paid) | expired (the only link expired unpaid)',
    }),
    stripePaymentIntentId: z.string().nullable(),
    stripeCheckoutSessionId: z.string().nullable(),
    stripeCustomerId: z.string().nullable(),
    checkoutUrl: z.string().nullable(),
    checkoutExpiresAt: z.string().nullable(),
    checkoutStatus: z.enum(CHECKOUT_STATUSES).nullable(),
    paymentLinkId: z.string().nullable(),
    paymentLinkUrl: z.string().nullable(),
    amountPaid: z.number().int(),
    completedAt: z.string().nullable(),
    nextReminderAt: z.string().nullable(),
    paymentAttempts: z.array(PaymentAttemptSchema),
    notifications: z.array(NotificationSchema),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('RecoveryTransaction');

export const CreateRecoveryCheckoutBody = z
  .object({
    transactionId: z.uuid({ error: 'must be a transactionId returned by POST /v1/transactions' }),
    successUrl: HttpsUrl.optional(),
    cancelUrl: HttpsUrl.optional(),
  })
  .openapi('CreateRecoveryCheckoutBody');

export const RecoveryCheckoutResponse = z
  .object({
    transactionId: z.uuid(),
    sessionId: z.string().openapi({ description: 'Stripe Checkout Session id (cs_…)', example: 'cs_test_a1b2c3' }),
    url: z.string(),
    expiresAt: z.string().nullable().openapi({ description: '24 hours after creation (Stripe’s maximum)' }),
    status: z.enum(CHECKOUT_STATUSES),
    checkoutSessionId: z.string().openapi({ description: 'edgepay’s id of the session (GET /v1/checkout-sessions/{sessionId})' }),
  })
  .openapi('RecoveryCheckoutSession');

export const CreatePaymentLinkBody = z
  .object({ transactionId: z.uuid({ error: 'must be a transactionId returned by POST /v1/transactions' }) })
  .openapi('CreatePaymentLinkBody');

export const PaymentLinkResponse = z
  .object({ transactionId: z.uuid(), paymentLinkId: z.string().openapi({ example: 'plink_1MoC3ULkdIwHu7ixZjtGpVl2' }), url: z.string() })
  .openapi('RecoveryPaymentLink');

export const StripeSessionIdParam = z.object({
  id: z
    .string()
    .regex(/^cs_(test|live)_[A-Za-z0-9]+$/, 'must be a Stripe Checkout Session id (cs_…)')
    .max(255)
    .openapi({ param: { name: 'id', in: 'path' } }),
});

export const SessionStatusResponse = z
  .object({
    sessionId: z.string(),
    status: z.enum(['open', 'complete', 'expired']).nullable().openapi({ description: 'Stripe’s Checkout Session status' }),
    paymentStatus: z.enum(['paid', 'unpaid', 'no_payment_required']),
    amountTotal: z.number().int().nullable().openapi({ description: 'Minor units of currency' }),
    currency: z.string().nullable(),
    transactionId: z.uuid(),
    recoveryStatus: z.enum(RECOVERY_STATUSES),
  })
  .openapi('RecoverySessionStatus');

export const RecoveryWebhookAck = z.object({ received: z.literal(true), status: z.string() }).openapi('RecoveryWebhookAck');
