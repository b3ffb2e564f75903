import { and, desc, eq, sql } from 'drizzle-orm';
import type { RiskAssessedPayload } from '../../../durable-objects/payment/types';
import type { KnownScalper } from '../../../durable-objects/risk/types';
import type { WaitingRoomActivityPayload } from '../../../durable-objects/waiting-room/types';
import type { Db } from '../client';
import { botDetections, deviceActivity, fraudChecks, knownScalpers, waitingRoomActivity } from '../risk-schema';
import type { Tx } from './processed-events';

/** One attempt's decision: its fraud check, its bot verdict and the device's activity, each keyed by the object's ids. */
export async function recordRiskAssessment(tx: Tx, a: RiskAssessedPayload): Promise<void> {
  const at = new Date(a.at);
  if (a.fraud) {
    await tx
      .insert(fraudChecks)
      .values({
        id: a.fraud.id,
        tenantId: a.tenantId,
        transactionId: a.transactionId,
        userId: a.userId,
        eventId: a.eventId,
        deviceFingerprint: a.deviceFingerprint,
        ipAddress: a.ip,
        score: a.fraud.score,
        signals: {
          fraud: a.fraud.signals,
          velocity: a.fraud.velocity,
          bot: a.bot ? { score: a.bot.score, indicators: a.bot.indicators } : null,
          challengePassed: a.fraud.challengePassed,
        },
        decision: a.fraud.decision,
        refusedBy: a.refusedBy,
        timestamp: at,
      })
      .onConflictDoNothing();
  }
  if (a.bot) {
    await tx
      .insert(botDetections)
      .values({
        id: a.bot.id,
        tenantId: a.tenantId,
        userId: a.userId,
        sessionId: a.transactionId,
        isBot: a.bot.isBot,
        confidence: a.bot.score,
        indicators: a.bot.indicators,
        userAgent: a.userAgent,
        createdAt: at,
      })
      .onConflictDoNothing();
  }
  if (a.deviceActivityId && a.deviceFingerprint) {
    await tx
      .insert(deviceActivity)
      .values({
        id: a.deviceActivityId,
        tenantId: a.tenantId,
        deviceFingerprint: a.deviceFingerprint,
        userId: a.userId,
        activityType: 'purchase_attempt',
        metadata: { transactionId: a.transactionId, eventId: a.eventId, decision: a.fraud?.decision ?? null, refusedBy: a.refusedBy },
        timestamp: at,
      })
      .onConflictDoNothing();
  }
}

export async function recordWaitingRoomActivity(tx: Tx, p: WaitingRoomActivityPayload): Promise<void> {
  await tx
    .insert(waitingRoomActivity)
    .values(
      p.activities.map((a) => ({
        id: a.id,
        tenantId: p.tenantId,
        eventId: p.eventId,
        userId: a.userId,
        action: a.action,
        metadata: a.metadata,
        timestamp: new Date(a.at),
      })),
    )
    .onConflictDoNothing();
}

export async function upsertKnownScalper(tx: Tx, s: KnownScalper): Promise<void> {
  const row = {
    id: s.id,
    tenantId: s.tenantId,
    userId: s.userId,
    deviceFingerprint: s.deviceFingerprint,
    reason: s.reason,
    confidenceScore: s.confidenceScore,
    active: s.active,
    addedBy: s.addedBy,
    addedAt: new Date(s.addedAt),
    removedAt: s.removedAt ? new Date(s.removedAt) : null,
  };
  await tx
    .insert(knownScalpers)
    .values(row)
    .onConflictDoUpdate({ target: knownScalpers.id, set: { active: row.active, removedAt: row.removedAt } });
}

export type FraudCheckView = typeof fraudChecks.$inferSelect;

/** A tenant's fraud checks, newest first, optionally of one decision. */
export function listFraudChecks(db: Db, tenantId: string, decision: string | undefined, limit: number): Promise<FraudCheckView[]> {
  const where = decision ? and(eq(fraudChecks.tenantId, tenantId), eq(fraudChecks.decision, decision)) : eq(fraudChecks.tenantId, tenantId);
  return db.select().from(fraudChecks).where(where).orderBy(desc(fraudChecks.timestamp)).limit(limit);
}

/** An admin's verdict on a check; null when the tenant has no such check. */
export async function resolveFraudCheck(db: Db, tenantId: string, id: string, outcome: string, by: string): Promise<FraudCheckView | null> {
  const [row] = await db
    .update(fraudChecks)
    .set({ outcome, resolvedBy: by, resolvedAt: sql`now()` })
    .where(and(eq(fraudChecks.tenantId, tenantId), eq(fraudChecks.id, id)))
    .returning();
  return row ?? null;
}
