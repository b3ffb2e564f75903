import { sql } from 'drizzle-orm';
import { boolean, check, index, jsonb, numeric, pgTable, text, timestamp, uuid, varchar } from 'drizzle-orm/pg-core';
import { WAITING_ROOM_ACTIONS } from '../domain/waiting-room';
import { inList, listedIn } from './schema';

/**
 * Fraud, bot and waiting-room records, projected from the objects that decide (PaymentDO's pre-charge
 * checks, RiskDO, WaitingRoomDO) through their outboxes. Admins read them; buyers never see a signal.
 * Scores are NUMERIC(3,2) in 0..1; ids are the deciding object's, so a redelivered event writes nothing twice.
 */
const at = (name: string) => timestamp(name, { withTimezone: true }).notNull();
const score = (name: string) => numeric(name, { precision: 3, scale: 2, mode: 'number' });

export const FRAUD_DECISIONS = ['approve', 'review', 'challenge', 'decline'] as const;
export const FRAUD_REVIEW_OUTCOMES = ['legitimate', 'fraudulent'] as const;

/** One row per pre-charge assessment of a payment attempt, with every signal and the decision taken. */
export const fraudChecks = pgTable(
  'fraud_checks',
  {
    id: uuid('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    transactionId: uuid('transaction_id').notNull(),
    userId: text('user_id').notNull(),
    eventId: text('event_id').notNull(),
    deviceFingerprint: varchar('device_fingerprint', { length: 256 }),
    ipAddress: text('ip_address'),
    score: score('score').notNull(),
    signals: jsonb('signals').notNull().default([]),
    decision: varchar('decision', { length: 16 }).notNull(),
    /** The step that refused the attempt (bot, fraud, velocity, …), or null when it went on to the charge. */
    refusedBy: varchar('refused_by', { length: 32 }),
    outcome: varchar('outcome', { length: 16 }),
    resolvedBy: text('resolved_by'),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    timestamp: at('timestamp'),
  },
  (t) => [
    index('fraud_checks_decision_idx').on(t.tenantId, t.decision, t.timestamp),
    index('fraud_checks_user_idx').on(t.tenantId, t.userId),
    index('fraud_checks_device_idx').on(t.deviceFingerprint),
    check('fraud_checks_decision_ck', inList('decision', FRAUD_DECISIONS)),
    check('fraud_checks_outcome_ck', sql.raw(`outcome IS NULL OR ${listedIn('outcome', FRAUD_REVIEW_OUTCOMES)}`)),
    check('fraud_checks_score_ck', sql`${t.score} >= 0 AND ${t.score} <= 1`),
  ],
);

export const botDetections = pgTable(
  'bot_detections',
  {
    id: uuid('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    userId: text('user_id'),
    /** The payment attempt the trace came with. */
    sessionId: varchar('session_id', { length: 64 }).notNull(),
    isBot: boolean('is_bot').notNull(),
    confidence: score('confidence').notNull(),
    indicators: text('indicators').array().notNull(),
    userAgent: text('user_agent'),
    createdAt: at('created_at'),
  },
  (t) => [index('bot_detections_user_idx').on(t.tenantId, t.userId), index('bot_detections_bot_idx').on(t.tenantId, t.isBot, t.createdAt)],
);

export const deviceActivity = pgTable(
  'device_activity',
  {
    id: uuid('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    deviceFingerprint: varchar('device_fingerprint', { length: 256 }).notNull(),
    userId: text('user_id').notNull(),
    activityType: varchar('activity_type', { length: 32 }).notNull(),
    metadata: jsonb('metadata').notNull().default({}),
    timestamp: at('timestamp'),
  },
  (t) => [index('device_activity_device_idx').on(t.tenantId, t.deviceFingerprint, t.timestamp)],
);

export const knownScalpers = pgTable(
  'known_scalpers',
  {
    id: uuid('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    userId: text('user_id'),
    deviceFingerprint: varchar('device_fingerprint', { length: 256 }),
    reason: text('reason').notNull(),
    confidenceScore: score('confidence_score').notNull(),
    active: boolean('active').notNull(),
    addedBy: text('added_by'),
    addedAt: at('added_at'),
    removedAt: timestamp('removed_at', { withTimezone: true }),
  },
  (t) => [
    index('known_scalpers_user_idx').on(t.tenantId, t.userId),
    index('known_scalpers_device_idx').on(t.tenantId, t.deviceFingerprint),
    check('known_scalpers_subject_ck', sql`${t.userId} IS NOT NULL OR ${t.deviceFingerprint} IS NOT NULL`),
  ],
);

export const waitingRoomActivity = pgTable(
  'waiting_room_activity',
  {
    id: uuid('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    eventId: text('event_id').notNull(),
    userId: text('user_id').notNull(),
    action: varchar('action', { length: 16 }).notNull(),
    metadata: jsonb('metadata').notNull().default({}),
    timestamp: at('timestamp'),
  },
  (t) => [
    index('waiting_room_activity_event_idx').on(t.tenantId, t.eventId, t.timestamp),
    check('waiting_room_activity_action_ck', inList('action', WAITING_ROOM_ACTIONS)),
  ],
);
