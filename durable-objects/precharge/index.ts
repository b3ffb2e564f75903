import type { BotVerdict, SessionDataValue } from '../../src/domain/bot-detection';
import type { FraudAssessment } from '../../src/domain/fraud-score';
import type { SubjectKind } from '../../src/domain/velocity';
import { ERROR_CATALOG, type ErrorCode } from '../../src/lib/error-catalog';
import type { EventProfile, VenueProfile } from '../../src/schemas/catalog';

/**
 * The checks that run before a charge, in the order the caller lists them (waiting-room token, bot, fraud
 * and velocity, purchase limits). Each step is a function of the order; the first refusal stops the
 * pipeline. Steps that hold something (an admission token, a counted attempt, a purchase reservation) say
 * how to give it back, and every hold is given back when a later step refuses, so a refusal changes nothing.
 * What the steps found is collected in `facts`, for the decision record and the payment row.
 */
export type PrechargeOrder = {
  transactionId: string;
  tenantId: string;
  userId: string;
  event: EventProfile;
  venue: VenueProfile;
  ticketCount: number;
  paymentMethodId: string;
  addressKey: string | null;
  context: PrechargeContext;
};

export type PrechargeContext = {
  accessToken?: string;
  verificationToken?: string;
  ip?: string;
  userAgent?: string;
  deviceFingerprint?: string;
  sessionData?: SessionDataValue;
  /** Cloudflare's bot management score (1–99) when the zone has it. */
  cfBotScore?: number;
};

export type VelocityFact = { kind: SubjectKind; ok: boolean; rule?: string; retryAfterMs?: number };

/** What the checks found; buyers never see it, admins see all of it. */
export type PrechargeFacts = {
  admissionJti?: string;
  bot?: BotVerdict;
  fraud?: FraudAssessment & { challengePassed: boolean };
  velocity?: VelocityFact[];
  cardFingerprint?: string;
  /** The step that refused, when one did. */
  refusedBy?: string;
};

/** Why the pipeline stopped: a refusal the client sees (a catalog code). */
export type PrechargeRefusal = { code: ErrorCode; message: string; field?: string; retryAfterSeconds?: number };

/** A step's refusal with the catalog's message for its code, unless the step says more. */
export function refuse(code: ErrorCode, more: Partial<PrechargeRefusal> = {}): { ok: false; refusal: PrechargeRefusal } {
  return { ok: false, refusal: { code, message: ERROR_CATALOG[code].message, ...more } };
}
/**
 * `staleProfile`: nothing was refused and nothing reserved; the order was priced with an older event profile,
 * so the caller reprices with this one and runs the pipeline again.
 */
type PrechargeStop = { ok: false; refusal: PrechargeRefusal; facts: PrechargeFacts } | { ok: false; staleProfile: EventProfile };
export type PrechargeStepResult =
  | { ok: true; undo?: () => Promise<void> }
  | { ok: false; refusal: PrechargeRefusal }
  | { ok: false; staleProfile: EventProfile };
export type PrechargeStep = { name: string; run(order: PrechargeOrder, facts: PrechargeFacts): Promise<PrechargeStepResult> };

export type PrechargeOutcome = { ok: true; undo: () => Promise<void>; facts: PrechargeFacts } | PrechargeStop;

export async function runPrecharge(steps: readonly PrechargeStep[], order: PrechargeOrder): Promise<PrechargeOutcome> {
  const undos: Array<() => Promise<void>> = [];
  const facts: PrechargeFacts = {};
  const undoAll = async () => {
    for (const undo of undos.reverse()) await undo();
  };
  for (const step of steps) {
    const result = await step.run(order, facts);
    if (!result.ok) {
      await undoAll();
      if ('staleProfile' in result) return result;
      facts.refusedBy = step.name;
      return { ok: false, refusal: result.refusal, facts };
    }
    if (result.undo) undos.push(result.undo);
  }
  return { ok: true, undo: undoAll, facts };
}
