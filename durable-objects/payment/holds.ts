import type { Bindings } from '../../src/env';
import { eventStub, waitingRoomStub } from '../../src/lib/stubs';
import type { PaymentRow } from './schema';

/**
 * A payment that will not complete gives back what its pre-charge checks held: the purchase reservation
 * (the tickets count for the buyer's next attempt at once) and the waiting-room token (usable again by
 * the same buyer). Counted velocity attempts stay: the attempt reached the PSP.
 */
export async function releaseHolds(env: Bindings, row: PaymentRow): Promise<void> {
  await eventStub(env, row.tenant_id, row.event_id).release(row.transaction_id);
  if (row.admission_jti) {
    await waitingRoomStub(env, row.tenant_id, row.event_id).releaseToken({ jti: row.admission_jti, transactionId: row.transaction_id });
  }
}
