import type { Bindings } from '../env';
import { paymentStub, webhookInboxStub } from '../lib/stubs';
import type { PspEvent } from '../psp/types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Hands a verified PSP event to the object that owns its transaction; anything unroutable is kept as unmatched. */
export async function dispatchPspEvent(env: Bindings, event: PspEvent): Promise<string> {
  if (event.transactionId && UUID.test(event.transactionId)) {
    const { status } = await paymentStub(env, event.transactionId).applyPspEvent(event);
    if (status !== 'unknown_transaction') return status;
  }
  return webhookInboxStub(env, event.provider)
    .recordUnmatched(event)
    .then((r) => (r === 'recorded' ? 'unmatched' : 'duplicate'));
}
