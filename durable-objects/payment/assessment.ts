import type { PrechargeFacts } from '../precharge';
import type { ProcessInput, RiskAssessedPayload } from './types';

/**
 * The decision record of one attempt, or null when no risk check ran (a refusal at the waiting-room step
 * or a pricing error comes before them). The payload carries its own row ids, so a redelivered event
 * writes nothing twice.
 */
export function riskAssessedPayload(input: ProcessInput, facts: PrechargeFacts, now: number): RiskAssessedPayload | null {
  if (!facts.bot && !facts.fraud) return null;
  const device = input.request.deviceFingerprint ?? null;
  return {
    tenantId: input.tenantId,
    transactionId: input.transactionId,
    userId: input.userId,
    eventId: input.request.eventId,
    at: new Date(now).toISOString(),
    ip: input.context.ip ?? null,
    userAgent: input.context.userAgent?.slice(0, 512) ?? null,
    deviceFingerprint: device,
    refusedBy: facts.refusedBy ?? null,
    bot: facts.bot ? { id: crypto.randomUUID(), ...facts.bot } : null,
    fraud: facts.fraud
      ? {
          id: crypto.randomUUID(),
          score: facts.fraud.score,
          decision: facts.fraud.decision,
          signals: facts.fraud.signals,
          challengePassed: facts.fraud.challengePassed,
          velocity: facts.velocity ?? [],
        }
      : null,
    deviceActivityId: device ? crypto.randomUUID() : null,
  };
}
