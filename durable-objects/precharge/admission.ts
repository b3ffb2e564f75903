import type { Bindings } from '../../src/env';
import { verifyAdmissionToken } from '../../src/lib/admission-token';
import { waitingRoomStub } from '../../src/lib/stubs';
import { objectConfig } from '../config';
import { type PrechargeStep, refuse } from './index';

/**
 * A high-demand event sells only to buyers the waiting room admitted: the token must be ours, unexpired,
 * issued for this tenant, event and user, and not spent, revoked or in use by another transaction. It is
 * held for this transaction (its retries pass) and spent when the payment completes; a refusal later in
 * the pipeline, or a declined charge, gives it back.
 */
export function admissionStep(env: Bindings): PrechargeStep {
  return {
    name: 'waiting-room',
    async run(order, facts) {
      if (!order.event.highDemand) return { ok: true };
      const token = order.context.accessToken;
      if (!token) return refuse('QUEUE_TOKEN_REQUIRED');
      const expected = { tenantId: order.tenantId, eventId: order.event.eventId, userId: order.userId };
      const checked = await verifyAdmissionToken(objectConfig(env).queueTokenSecret, token, expected, Date.now());
      if (!checked.ok) return refuse('INVALID_ACCESS_TOKEN');
      const room = waitingRoomStub(env, order.tenantId, order.event.eventId);
      const use = { jti: checked.claims.jti, userId: order.userId, transactionId: order.transactionId };
      const held = await room.holdToken(use);
      if (!held.ok) return refuse('INVALID_ACCESS_TOKEN');
      facts.admissionJti = use.jti;
      return { ok: true, undo: async () => void (await room.releaseToken(use)) };
    },
  };
}
