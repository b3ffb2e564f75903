import { z } from 'zod';
import { CHECKOUT_STATUSES, type CheckoutStatus } from '../../src/domain/checkout';
import type { RecoveryOpening } from '../../src/domain/recovery';
import type { RecoveryContent } from '../../src/notifications/templates';
import { DELIVERY_STATUSES, NOTIFICATION_CHANNELS, type NotificationChannel, RECOVERY_STATUSES } from '../../src/notifications/types';

/**
 * The RPC and outbox types of RecoveryTransactionDO (recovery of a failed payment). The outbox payloads are
 * schemas: the object's types are inferred from them, and the outbox consumer parses with them.
 */
/** What a new transaction is recorded from: the domain's opening of a recovery. */
export type RecordRecoveryCommand = RecoveryOpening;

export const RecoveryPaymentAttempt = z.object({
  attemptId: z.string().min(1),
  paymentIntentId: z.string().nullable(),
  status: z.enum(['succeeded', 'failed', 'processing']),
  amount: z.number().int().nullable(),
  currency: z.string().nullable(),
  failureCode: z.string().nullable(),
  failureMessage: z.string().nullable(),
  source: z.string(),
  occurredAt: z.number(),
});
export type RecoveryPaymentAttempt = z.infer<typeof RecoveryPaymentAttempt>;

export const RecoveryDeliveryView = z.object({
  deliveryId: z.string().min(1),
  transactionId: z.string().min(1),
  tenantId: z.string().min(1),
  reminderSeq: z.number().int(),
  channel: z.enum(NOTIFICATION_CHANNELS),
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.number().int(),
  providerMessageId: z.string().nullable(),
  lastError: z.string().nullable(),
  sentAt: z.number().nullable(),
  version: z.number().int(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type RecoveryDeliveryView = z.infer<typeof RecoveryDeliveryView>;

export type RecoveryReminderView = { seq: number; dueAt: number; status: 'scheduled' | 'due' | 'cancelled' };

/** The transaction as it is projected (recovery_transactions). */
export const RecoveryTransactionRow = z.object({
  transactionId: z.string().min(1),
  tenantId: z.string().min(1),
  amount: z.number().int(),
  currency: z.string().min(1),
  description: z.string(),
  failureReason: z.string().nullable(),
  customerEmail: z.string().nullable(),
  customerPhone: z.string().nullable(),
  recoveryStatus: z.enum(RECOVERY_STATUSES),
  stripePaymentIntentId: z.string().nullable(),
  stripeCheckoutSessionId: z.string().nullable(),
  stripeCustomerId: z.string().nullable(),
  /** Our id (cko…) of the recovery's current checkout session, owned by its CheckoutSessionDO. */
  checkoutSessionRef: z.string().nullable(),
  checkoutUrl: z.string().nullable(),
  checkoutExpiresAt: z.number().nullable(),
  checkoutStatus: z.enum(CHECKOUT_STATUSES).nullable(),
  paymentLinkId: z.string().nullable(),
  paymentLinkUrl: z.string().nullable(),
  amountPaid: z.number().int(),
  completedAt: z.number().nullable(),
  createdAt: z.number(),
  updatedAt: z.number(),
  version: z.number().int(),
});
export type RecoveryTransactionRow = z.infer<typeof RecoveryTransactionRow>;

/** The object's whole state, stored as one JSON row: the projected row and the object's own bookkeeping. */
export type RecoveryRecord = RecoveryTransactionRow & {
  requestHash: string;
  /** How many checkout sessions were made for this transaction: the next one's idempotency scope. */
  checkoutGeneration: number;
  /** Version of the last checkout.updated applied, so an older projection cannot move checkoutStatus back. */
  checkoutVersion: number;
};

/** Outbox payload of `recovery.updated`: the projection row with its payment attempts. */
export const RecoveryProjection = z.object({ transaction: RecoveryTransactionRow, paymentAttempts: z.array(RecoveryPaymentAttempt) });
export type RecoveryProjection = z.infer<typeof RecoveryProjection>;
export type RecoveryTransactionView = RecoveryTransactionRow & {
  paymentAttempts: RecoveryPaymentAttempt[];
  reminders: RecoveryReminderView[];
  deliveries: RecoveryDeliveryView[];
};
/** Outbox payload of `recovery.notification`: one delivery as it now stands. */
export const RecoveryNotificationPayload = z.object({ delivery: RecoveryDeliveryView });
/** Outbox payload of `recovery.reminder_due`: one delivery per channel the transaction has a contact for. */
export const ReminderDuePayload = z.object({
  transactionId: z.string().min(1),
  tenantId: z.string().min(1),
  reminderSeq: z.number().int(),
  deliveries: z.array(RecoveryDeliveryView),
});
export type ReminderDuePayload = z.infer<typeof ReminderDuePayload>;

export type RecordRecoveryResult = { kind: 'created' | 'replayed'; view: RecoveryTransactionView } | { kind: 'conflict' };
export type CheckoutPlan =
  | { kind: 'not_found' }
  | { kind: 'completed' }
  | { kind: 'existing'; view: RecoveryTransactionView }
  | { kind: 'create'; generation: number; view: RecoveryTransactionView };
export type AttachResult = { kind: 'not_found' } | { kind: 'completed' } | { kind: 'attached' | 'existing'; view: RecoveryTransactionView };
export type AttachCheckoutCommand = {
  generation: number;
  sessionRef: string;
  providerSessionId: string;
  url: string;
  expiresAt: number | null;
  status: CheckoutStatus;
};

/** A checkout session's projection (`checkout.updated` of purpose 'recovery'), as the outbox consumer passes it on. */
export type RecoveryCheckoutUpdate = {
  sessionRef: string;
  providerSessionId: string;
  status: CheckoutStatus;
  amountPaid: number;
  currency: string;
  paymentReference: string | null;
  version: number;
};

/** A verified Stripe event that names this transaction in its metadata (built by src/psp/stripe/webhook.ts). */
export type RecoveryStripeEvent = { eventId: string; type: string; occurredAt: number; customerId: string | null } & (
  | {
      kind: 'session';
      sessionId: string;
      paymentStatus: 'paid' | 'unpaid' | 'no_payment_required';
      amountTotal: number | null;
      currency: string | null;
      paymentIntentId: string | null;
      paymentLinkId: string | null;
    }
  | {
      kind: 'payment_intent';
      paymentIntentId: string;
      status: 'succeeded' | 'failed';
      amount: number | null;
      currency: string | null;
      failureCode: string | null;
      failureMessage: string | null;
    }
);
export type RecoveryEventResult = 'applied' | 'unchanged' | 'duplicate' | 'unknown_transaction';

export type DeliveryPlan =
  | {
      kind: 'skip';
      reason: 'unknown' | 'already_sent' | 'completed' | 'expired' | 'cancelled' | 'skipped' | 'failed' | 'no_link' | 'no_recipient';
    }
  | { kind: 'busy' }
  | { kind: 'send'; channel: NotificationChannel; recipient: string; content: RecoveryContent };
export type DeliveryOutcome = { ok: true; providerMessageId: string } | { ok: false; error: string; permanent: boolean };
