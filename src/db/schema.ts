import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core';
import { CHECKOUT_STATUSES } from '../domain/checkout';
import { API_STATUSES } from '../domain/payment-state';
import { DELIVERY_STATUSES, NOTIFICATION_CHANNELS, RECOVERY_STATUSES } from '../notifications/types';
import { PSP_PROVIDERS as CHECKOUT_PROVIDERS } from '../psp/registry';

/**
 * Postgres is the system of record for reporting, reconciliation and ledgers,
 * filled from Durable Object outboxes through Queues. Money columns are BIGINT minor units.
 * External ids (users, venues, events, tenants) are text: they come from JWT claims and other systems.
 */
const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();
const money = (name: string) => bigint(name, { mode: 'number' });

/** Every outbox event a consumer has applied: the exactly-once guard (INSERT … ON CONFLICT DO NOTHING). */
export const processedEvents = pgTable(
  'processed_events',
  {
    eventId: text('event_id').primaryKey(),
    eventType: text('event_type').notNull(),
    source: text('source').notNull(),
    processedAt: timestamp('processed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('processed_events_processed_at_idx').on(t.processedAt)],
);

/** Messages a queue gave up on, recorded by the dead-letter consumers; re-enqueued from /admin. */
export const outboxDlq = pgTable(
  'outbox_dlq',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    queue: text('queue').notNull(),
    messageId: text('message_id').notNull(),
    eventId: text('event_id'),
    eventType: text('event_type'),
    body: jsonb('body').notNull(),
    tenantId: text('tenant_id'),
    // Filled when known; a dead-letter consumer only learns that the queue's max_retries were spent.
    attempts: integer('attempts'),
    lastError: text('last_error'),
    movedToDlqAt: timestamp('moved_to_dlq_at', { withTimezone: true }).notNull().defaultNow(),
    requeuedAt: timestamp('requeued_at', { withTimezone: true }),
    requeueCount: integer('requeue_count').notNull().default(0),
  },
  (t) => [
    uniqueIndex('outbox_dlq_queue_message_uq').on(t.queue, t.messageId),
    index('outbox_dlq_tenant_idx').on(t.tenantId),
    index('outbox_dlq_pending_idx').on(t.movedToDlqAt).where(sql`${t.requeuedAt} IS NULL`),
  ],
);

/**
 * Messages a consumer is retrying right now (one row per queue and event), so /health can show a
 * backlog that would otherwise live only inside the queue. Removed when the message succeeds or is
 * dead-lettered. `last_error` holds an error class or SQLSTATE, never a query or its values.
 */
export const queueRetries = pgTable(
  'queue_retries',
  {
    queue: text('queue').notNull(),
    messageKey: text('message_key').notNull(),
    eventType: text('event_type'),
    attempts: integer('attempts').notNull(),
    lastError: text('last_error'),
    firstFailedAt: timestamp('first_failed_at', { withTimezone: true }).notNull().defaultNow(),
    lastFailedAt: timestamp('last_failed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.queue, t.messageKey] })],
);

/** PSP webhooks as received, deduplicated by the provider's event id. */
export const webhookInbox = pgTable(
  'webhook_inbox',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    webhookId: varchar('webhook_id', { length: 255 }).notNull(),
    provider: varchar('provider', { length: 32 }).notNull(),
    eventType: varchar('event_type', { length: 128 }).notNull(),
    payload: jsonb('payload').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    processedAt: timestamp('processed_at', { withTimezone: true }),
    status: varchar('status', { length: 16 }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    errorMessage: text('error_message'),
    tenantId: text('tenant_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('webhook_inbox_provider_webhook_uq').on(t.provider, t.webhookId),
    index('webhook_inbox_status_idx').on(t.status),
    index('webhook_inbox_received_at_idx').on(t.receivedAt),
    index('webhook_inbox_tenant_idx').on(t.tenantId),
    // pending: parked until its predecessor arrives; unmatched: names no transaction we know (reconciliation).
    check('webhook_inbox_status_ck', sql`${t.status} IN ('pending', 'processing', 'processed', 'failed', 'unmatched')`),
  ],
);

/**
 * Double-entry ledger: amount signed (+ debit, − credit); for every
 * (transaction_id, currency) the amounts sum to zero — enforced at commit by a deferred constraint
 * trigger (migration 0001).
 */
export const ledgerEntries = pgTable(
  'ledger_entries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    transactionId: text('transaction_id').notNull(),
    eventId: text('event_id').notNull(),
    /** Whose books: account names (venue:v1:pending, buyer:u1) are a tenant's own ids, so two tenants may share one. */
    tenantId: text('tenant_id'),
    account: text('account').notNull(),
    amount: money('amount').notNull(),
    currency: varchar('currency', { length: 3 }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index('ledger_entries_transaction_idx').on(t.transactionId, t.currency),
    index('ledger_entries_account_idx').on(t.account, t.createdAt),
    index('ledger_entries_tenant_account_idx').on(t.tenantId, t.account),
    index('ledger_entries_event_idx').on(t.eventId),
    check('ledger_entries_currency_ck', sql`${t.currency} ~ '^[A-Z]{3}$'`),
    check('ledger_entries_amount_nonzero_ck', sql`${t.amount} <> 0`),
  ],
);

/** The API status vocabulary, stored as is. */
export const PAYMENT_STATUSES = API_STATUSES;

/** Projection of PaymentDO state, versioned by the owning object. */
export const paymentTransactions = pgTable(
  'payment_transactions',
  {
    id: uuid('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    venueId: text('venue_id').notNull(),
    userId: text('user_id').notNull(),
    eventId: text('event_id').notNull(),
    amount: money('amount').notNull(),
    currency: varchar('currency', { length: 3 }).notNull().default('USD'),
    status: varchar('status', { length: 24 }).notNull(),
    platformFee: money('platform_fee').notNull().default(0),
    venuePayout: money('venue_payout').notNull().default(0),
    gasFeePaid: money('gas_fee_paid'),
    taxAmount: money('tax_amount'),
    provider: varchar('provider', { length: 32 }).notNull().default('stripe'),
    stripePaymentIntentId: varchar('stripe_payment_intent_id', { length: 255 }),
    deviceFingerprint: varchar('device_fingerprint', { length: 255 }),
    paymentMethodFingerprint: varchar('payment_method_fingerprint', { length: 255 }),
    metadata: jsonb('metadata').notNull().default({}),
    idempotencyKey: uuid('idempotency_key').notNull(),
    version: integer('version').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('payment_transactions_stripe_pi_uq').on(t.stripePaymentIntentId),
    uniqueIndex('payment_transactions_idempotency_uq').on(t.tenantId, t.userId, t.idempotencyKey),
    index('payment_transactions_user_idx').on(t.tenantId, t.userId),
    index('payment_transactions_venue_idx').on(t.tenantId, t.venueId),
    index('payment_transactions_event_idx').on(t.eventId),
    index('payment_transactions_status_idx').on(t.status),
    index('payment_transactions_device_idx').on(t.deviceFingerprint),
    index('payment_transactions_created_idx').on(t.createdAt),
    check('payment_transactions_status_ck', sql.raw(`status IN (${PAYMENT_STATUSES.map((s) => `'${s}'`).join(', ')})`)),
    check('payment_transactions_amount_ck', sql`${t.amount} >= 0`),
  ],
);

export const REFUND_STATUSES = ['pending', 'processing', 'completed', 'failed'] as const;

export const paymentRefunds = pgTable(
  'payment_refunds',
  {
    id: uuid('id').primaryKey(),
    transactionId: uuid('transaction_id')
      .notNull()
      .references(() => paymentTransactions.id),
    tenantId: text('tenant_id').notNull(),
    amount: money('amount').notNull(),
    reason: text('reason'),
    status: varchar('status', { length: 16 }).notNull(),
    stripeRefundId: varchar('stripe_refund_id', { length: 255 }),
    metadata: jsonb('metadata').notNull().default({}),
    idempotencyKey: uuid('idempotency_key').notNull(),
    createdAt: createdAt(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('payment_refunds_transaction_idx').on(t.transactionId),
    uniqueIndex('payment_refunds_idempotency_uq').on(t.tenantId, t.idempotencyKey),
    check('payment_refunds_status_ck', sql.raw(`status IN (${REFUND_STATUSES.map((s) => `'${s}'`).join(', ')})`)),
    check('payment_refunds_amount_ck', sql`${t.amount} > 0`),
  ],
);

/** One row per probe source; beats_recorded counts applications, so it equals last_seq when none was lost or doubled. */
export const pipelineHeartbeats = pgTable('pipeline_heartbeats', {
  source: text('source').primaryKey(),
  lastSeq: bigint('last_seq', { mode: 'number' }).notNull(),
  lastBeatAt: timestamp('last_beat_at', { withTimezone: true }).notNull(),
  beatsRecorded: bigint('beats_recorded', { mode: 'number' }).notNull(),
  updatedAt: updatedAt(),
});

/** Projection of VenueDO profiles; `version` comes from the object, so an older delivery never overwrites a newer one. */
export const venues = pgTable(
  'venues',
  {
    tenantId: text('tenant_id').notNull(),
    venueId: text('venue_id').notNull(),
    name: text('name').notNull(),
    profile: jsonb('profile').notNull(),
    version: integer('version').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.venueId] })],
);

/** Projection of EventDO profiles, versioned like venues. */
export const events = pgTable(
  'events',
  {
    tenantId: text('tenant_id').notNull(),
    eventId: text('event_id').notNull(),
    venueId: text('venue_id').notNull(),
    name: text('name').notNull(),
    startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
    profile: jsonb('profile').notNull(),
    version: integer('version').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.eventId] }), index('events_venue_idx').on(t.tenantId, t.venueId)],
);

/** The SQL of a CHECK that `column` holds one of `values` (constants of ours, never input). */
export const listedIn = (column: string, values: readonly string[]) => `${column} IN (${values.map((v) => `'${v}'`).join(', ')})`;
export const inList = (column: string, values: readonly string[]) => sql.raw(listedIn(column, values));

/**
 * Projection of CheckoutSessionDO state: one row per hosted checkout session (any of the seven PSPs,
 * QPay invoices included), versioned by the owning object. `id` is ours (cko…); the provider's id of
 * the checkout object is unique per provider.
 */
export const checkoutSessions = pgTable(
  'checkout_sessions',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    provider: varchar('provider', { length: 16 }).notNull(),
    providerSessionId: varchar('provider_session_id', { length: 255 }).notNull(),
    merchantAccount: text('merchant_account').notNull(),
    merchantId: text('merchant_id'),
    purpose: varchar('purpose', { length: 24 }).notNull(),
    amount: money('amount').notNull(),
    currency: varchar('currency', { length: 3 }).notNull(),
    status: varchar('status', { length: 24 }).notNull(),
    amountPaid: money('amount_paid').notNull().default(0),
    amountRefunded: money('amount_refunded').notNull().default(0),
    paymentReference: varchar('payment_reference', { length: 255 }),
    checkoutUrl: text('checkout_url').notNull(),
    metadata: jsonb('metadata').notNull().default({}),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    paidAt: timestamp('paid_at', { withTimezone: true }),
    version: integer('version').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('checkout_sessions_provider_uq').on(t.provider, t.providerSessionId),
    index('checkout_sessions_tenant_idx').on(t.tenantId, t.createdAt),
    index('checkout_sessions_status_idx').on(t.status, t.updatedAt),
    check('checkout_sessions_provider_ck', inList('provider', CHECKOUT_PROVIDERS)),
    check('checkout_sessions_status_ck', inList('status', CHECKOUT_STATUSES)),
    check('checkout_sessions_amounts_ck', sql`${t.amount} > 0 AND ${t.amountRefunded} >= 0 AND ${t.amountRefunded} <= ${t.amountPaid}`),
  ],
);

export const CHECKOUT_REFUND_STATUSES = ['pending', 'succeeded', 'failed'] as const;

/** Refunds of checkout sessions, projected from the session's object. */
export const checkoutRefunds = pgTable(
  'checkout_refunds',
  {
    id: text('id').primaryKey(),
    sessionId: text('session_id')
      .notNull()
      .references(() => checkoutSessions.id),
    tenantId: text('tenant_id').notNull(),
    amount: money('amount').notNull(),
    status: varchar('status', { length: 16 }).notNull(),
    providerRefundId: varchar('provider_refund_id', { length: 255 }),
    version: integer('version').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('checkout_refunds_session_idx').on(t.sessionId),
    check('checkout_refunds_status_ck', inList('status', CHECKOUT_REFUND_STATUSES)),
    check('checkout_refunds_amount_ck', sql`${t.amount} > 0`),
  ],
);

/**
 * Projection of RecoveryTransactionDO: one row per failed payment to recover, with its
 * Stripe ids (`stripe_*`, `payment_link_*` columns), the recovery status and the payment attempts Stripe reported,
 * versioned by the owning object.
 */
export const recoveryTransactions = pgTable(
  'recovery_transactions',
  {
    id: uuid('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    amount: money('amount').notNull(),
    currency: varchar('currency', { length: 3 }).notNull(),
    description: text('description').notNull(),
    failureReason: text('failure_reason'),
    customerEmail: varchar('customer_email', { length: 254 }),
    customerPhone: varchar('customer_phone', { length: 16 }),
    recoveryStatus: varchar('recovery_status', { length: 16 }).notNull(),
    stripePaymentIntentId: varchar('stripe_payment_intent_id', { length: 255 }),
    stripeCheckoutSessionId: varchar('stripe_checkout_session_id', { length: 255 }),
    stripeCustomerId: varchar('stripe_customer_id', { length: 255 }),
    /** Our id (cko…) of the current recovery checkout session (checkout_sessions.id). */
    checkoutSessionRef: text('checkout_session_ref'),
    checkoutUrl: text('checkout_url'),
    checkoutExpiresAt: timestamp('checkout_expires_at', { withTimezone: true }),
    checkoutStatus: varchar('checkout_status', { length: 24 }),
    paymentLinkId: varchar('payment_link_id', { length: 255 }),
    paymentLinkUrl: text('payment_link_url'),
    amountPaid: money('amount_paid').notNull().default(0),
    paymentAttempts: jsonb('payment_attempts').notNull().default([]),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    version: integer('version').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('recovery_transactions_tenant_idx').on(t.tenantId, t.createdAt),
    index('recovery_transactions_status_idx').on(t.recoveryStatus, t.updatedAt),
    index('recovery_transactions_stripe_pi_idx').on(t.stripePaymentIntentId),
    index('recovery_transactions_stripe_cs_idx').on(t.stripeCheckoutSessionId),
    index('recovery_transactions_stripe_customer_idx').on(t.stripeCustomerId),
    check('recovery_transactions_status_ck', inList('recovery_status', RECOVERY_STATUSES)),
    check('recovery_transactions_amount_ck', sql`${t.amount} > 0 AND ${t.amountPaid} >= 0`),
  ],
);

/** One row per reminder per channel (email, SMS) of a recovery transaction, projected from its object. */
export const recoveryNotifications = pgTable(
  'recovery_notifications',
  {
    /** `<transaction id>:<reminder seq>:<channel>` */
    id: text('id').primaryKey(),
    transactionId: uuid('transaction_id').notNull(),
    tenantId: text('tenant_id').notNull(),
    reminderSeq: integer('reminder_seq').notNull(),
    channel: varchar('channel', { length: 8 }).notNull(),
    status: varchar('status', { length: 16 }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    providerMessageId: varchar('provider_message_id', { length: 255 }),
    lastError: text('last_error'),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    version: integer('version').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('recovery_notifications_transaction_idx').on(t.transactionId, t.reminderSeq),
    index('recovery_notifications_status_idx').on(t.status, t.updatedAt),
    check('recovery_notifications_channel_ck', inList('channel', NOTIFICATION_CHANNELS)),
    check('recovery_notifications_status_ck', inList('status', DELIVERY_STATUSES)),
  ],
);
