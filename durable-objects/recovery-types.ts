import type { RecoveryContent } from '../src/notifications/templates';
import type { DeliveryStatus, NotificationChannel, RecoveryStatus } from '../src/notifications/types';
import type { CheckoutStatus } from '../src/psp/checkout';

/** The RPC and outbox types of RecoveryTransactionDO (recovery of a failed payment). */
export type RecordRecoveryCommand = {
  transactionId: string;
  tenantId: string;
  amount: number;
  currency: string;
  description: string;
  failureReason: string | null;
  customerEmail: string | null;
  customerPhone: string | null;
  requestHash: string;
};

export type RecoveryPaymentAttempt = {
  attemptId: string;
  paymentIntentId: string | null;
  status: 'succeeded' | 'failed' | 'processing';
  amount: number | null;
  currency: string | null;
  failureCode: string | null;
  failureMessage: string | null;
  source: string;
  occurredAt: number;
};

export type RecoveryDeliveryView = {
  deliveryId: string;
  transactionId: string;
  tenantId: string;
  reminderSeq: number;
  channel: NotificationChannel;
  status: DeliveryStatus;
  attempts: number;
  providerMessageId: string | null;
  lastError: string | null;
  sentAt: number | null;
  version: number;
  createdAt: number;
  updatedAt: number;
};

export type RecoveryReminderView = { seq: number; dueAt: number; status: 'scheduled' | 'due' | 'cancelled' };

/** The object's whole state, stored as one JSON row. */
export type RecoveryRecord = {
  transactionId: string;
  tenantId: string;
  amount: number;
  currency: string;
  description: string;
  failureReason: string | null;
  customerEmail: string | null;
  customerPhone: string | null;
  recoveryStatus: RecoveryStatus;
  stripePaymentIntentId: string | null;
  stripeCheckoutSessionId: string | null;
  stripeCustomerId: string | null;
  /** Our id (cko…) of the recovery's current checkout session, owned by its CheckoutSessionDO. */
  checkoutSessionRef: string | null;
  checkoutUrl: string | null;
  checkoutExpiresAt: number | null;
  checkoutStatus: CheckoutStatus | null;
  paymentLinkId: string | null;
  paymentLinkUrl: string | null;
  amountPaid: number;
  completedAt: number | null;
  createdAt: number;
  updatedAt: number;
  version: number;
  requestHash: string;
  /** How many checkout sessions were made for this transaction: the next one's idempotency scope. */
  checkoutGeneration: number;
  /** Version of the last checkout.updated applied, so an older projection cannot move checkoutStatus back. */
  checkoutVersion: number;
};

export type RecoveryTransactionRow = Omit<RecoveryRecord, 'requestHash' | 'checkoutGeneration' | 'checkoutVersion'>;
/** Outbox payload of `recovery.updated`: the projection row with its payment attempts. */
export type RecoveryProjection = { transaction: RecoveryTransactionRow; paymentAttempts: RecoveryPaymentAttempt[] };
export type RecoveryTransactionView = RecoveryProjection['transaction'] & {
  paymentAttempts: RecoveryPaymentAttempt[];
  reminders: RecoveryReminderView[];
  deliveries: RecoveryDeliveryView[];
};
/** Outbox payload of `recovery.reminder_due`: one delivery per channel the transaction has a contact for. */
export type ReminderDuePayload = { transactionId: string; tenantId: string; reminderSeq: number; deliveries: RecoveryDeliveryView[] };

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

/** A verified Stripe event that names this transaction in its metadata (services/recovery-webhooks.ts). */
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
