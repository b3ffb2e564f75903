import type { Bindings } from '../../src/env';
import { eventStub } from '../../src/lib/stubs';
import type { PrechargeStep } from './index';

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
