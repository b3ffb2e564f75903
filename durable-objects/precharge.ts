import type { Bindings } from '../src/env';
import type { ErrorCode } from '../src/lib/error-catalog';
import { eventStub } from '../src/lib/stubs';
import type { EventProfile, VenueProfile } from '../src/schemas/catalog';

/**
 * The checks that run before a charge, in the order the caller lists them; today that is one step, the
 * event's purchase limits. Each step is a function of the order; the first refusal stops the pipeline. Steps
 * that hold something (a purchase reservation) say how to give it back if a later step or the charge fails.
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
  context: { accessToken?: string; ip?: string; userAgent?: string; deviceFingerprint?: string };
};

/** Why the pipeline stopped: a refusal the client sees (a catalog code). */
export type PrechargeRefusal = { code: ErrorCode; message: string; field?: string };
/**
 * `staleProfile`: nothing was refused and nothing reserved; the order was priced with an older event profile,
 * so the caller reprices with this one and runs the pipeline again.
 */
type PrechargeStop = { ok: false; refusal: PrechargeRefusal } | { ok: false; staleProfile: EventProfile };
export type PrechargeStepResult = { ok: true; undo?: () => Promise<void> } | PrechargeStop;
export type PrechargeStep = { name: string; run(order: PrechargeOrder): Promise<PrechargeStepResult> };

export type PrechargeOutcome = { ok: true; undo: () => Promise<void> } | PrechargeStop;

export async function runPrecharge(steps: readonly PrechargeStep[], order: PrechargeOrder): Promise<PrechargeOutcome> {
  const undos: Array<() => Promise<void>> = [];
  const undoAll = async () => {
    for (const undo of undos.reverse()) await undo();
  };
  for (const step of steps) {
    const result = await step.run(order);
    if (!result.ok) {
      await undoAll();
      return result;
    }
    if (result.undo) undos.push(result.undo);
  }
  return { ok: true, undo: undoAll };
}

/**
 * Purchase limits (per order, user, payment method, address), counted and reserved in the EventDO. The
 * reservation names the profile version the order was priced with; the EventDO refuses it if the profile
 * has changed since (STALE_PROFILE, nothing reserved).
 */
export function purchaseLimitsStep(env: Bindings): PrechargeStep {
  return {
    name: 'purchase-limits',
    async run(order) {
      const stub = eventStub(env, order.tenantId, order.event.eventId);
      const reserved = await stub.reserve({
        reservationId: order.transactionId,
        userId: order.userId,
        paymentMethod: order.paymentMethodId,
        addressKey: order.addressKey,
        quantity: order.ticketCount,
        profileVersion: order.event.version,
      });
      if (reserved.ok) return { ok: true, undo: async () => void (await stub.release(order.transactionId)) };
      if (reserved.code === 'STALE_PROFILE') return { ok: false, staleProfile: reserved.profile };
      if (reserved.code === 'PURCHASE_LIMIT_EXCEEDED') {
        return { ok: false, refusal: { code: 'PURCHASE_LIMIT_EXCEEDED', message: reserved.message, field: reserved.field } };
      }
      return { ok: false, refusal: { code: 'VALIDATION_ERROR', message: 'Validation failed', field: 'eventId' } };
    },
  };
}
