import { addressKey, type PricedOrder, priceOrder } from '../../src/domain/pricing';
import type { Bindings } from '../../src/env';
import { eventStub, venueStub } from '../../src/lib/stubs';
import type { EventProfile } from '../../src/schemas/catalog';
import type { ProcessPaymentBody } from '../../src/schemas/payments';
import { objectConfig } from '../config';
import type { PrechargeFacts } from '../precharge';
import { runPrecharge } from '../precharge';
import { admissionStep } from '../precharge/admission';
import { purchaseLimitsStep } from '../precharge/limits';
import { botStep, fraudAndVelocityStep } from '../precharge/risk';
import { cachedEventProfile, forgetEventProfile, rememberEventProfile } from './event-profiles';
import type { ProcessContext, Reply } from './types';

/** More rounds than this means the event's profile changes faster than an order can be priced. */
const MAX_ROUNDS = 5;

type OrderInput = {
  transactionId: string;
  tenantId: string;
  userId: string;
  request: ProcessPaymentBody;
  requestId: string;
  path: string;
  context: ProcessContext;
};

/**
 * Prices the order from the catalog and runs the pre-charge checks (waiting-room token, bot, fraud and
 * velocity, then the purchase limits, which reserve the tickets). The event profile comes from the isolate's copy when it has one: the reservation
 * names the version it was priced with and the EventDO refuses a stale one, handing back the current
 * profile, so the order is repriced and the reservation asked for again. One EventDO round trip on the
 * usual path instead of two (profile, then reserve); a 422 is only answered on a profile read just now.
 */
export async function priceAndReserve(
  env: Bindings,
  input: OrderInput,
): Promise<{ ok: true; order: PricedOrder; facts: PrechargeFacts } | { ok: false; reply: Reply; facts?: PrechargeFacts }> {
  const { request, tenantId } = input;
  const events = eventStub(env, tenantId, request.eventId);
  const readProfile = async (): Promise<EventProfile | null> => {
    const profile = await events.profile();
    if (profile) rememberEventProfile(tenantId, profile);
    else forgetEventProfile(tenantId, request.eventId);
    return profile;
  };
  const cached = cachedEventProfile(tenantId, request.eventId);
  let [profile, pricing] = await Promise.all([cached ?? readProfile(), venueStub(env, tenantId, request.venueId).pricing()]);
  let fresh = cached === undefined;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const order = priceOrder(request, profile, pricing);
    if (!order.ok) {
      if (!fresh) {
        profile = await readProfile();
        fresh = true;
        continue;
      }
      return { ok: false, reply: { ok: false, refusal: { code: 'VALIDATION_ERROR', message: 'Validation failed', errors: order.errors } } };
    }
    const steps = objectConfig(env).riskChecks
      ? [admissionStep(env), botStep(), fraudAndVelocityStep(env), purchaseLimitsStep(env)]
      : [admissionStep(env), purchaseLimitsStep(env)];
    const precharge = await runPrecharge(steps, {
      transactionId: input.transactionId,
      tenantId,
      userId: input.userId,
      event: order.event,
      venue: order.venue,
      ticketCount: order.ticketCount,
      paymentMethodId: request.paymentMethod.paymentMethodId,
      addressKey: addressKey(request.customerAddress),
      context: { ...input.context, deviceFingerprint: request.deviceFingerprint, sessionData: request.sessionData },
    });
    if (precharge.ok) return { ok: true, order, facts: precharge.facts };
    if ('staleProfile' in precharge) {
      profile = precharge.staleProfile;
      rememberEventProfile(tenantId, profile);
      fresh = true;
      continue;
    }
    const { refusal, facts } = precharge;
    if (refusal.code === 'VALIDATION_ERROR') forgetEventProfile(tenantId, request.eventId); // the event is gone
    const errors = refusal.field ? [{ field: refusal.field, message: refusal.message }] : undefined;
    const { retryAfterSeconds } = refusal;
    return { ok: false, reply: { ok: false, refusal: { code: refusal.code, message: refusal.message, errors, retryAfterSeconds } }, facts };
  }
  throw new Error(`the profile of event ${request.eventId} changed on each of ${MAX_ROUNDS} pricing rounds`);
}
