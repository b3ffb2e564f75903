import type { BodySummary } from '../../durable-objects/inbox/types';
import type { Bindings } from '../env';
import { paymentStub, webhookInboxStub } from '../lib/stubs';
import type { PspEvent } from '../psp/types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Hands a verified PSP event to the object that owns its transaction. One that no transaction of ours owns is
 * kept as unmatched, except an event nothing acts on (kind 'other': a type or status we do not handle), kept as
 * ignored with `ignoredReason`.
 */
export async function dispatchPspEvent(
  env: Bindings,
  event: PspEvent,
  received: { body?: BodySummary; ignoredReason?: string } = {},
): Promise<string> {
  if (event.transactionId && UUID.test(event.transactionId)) {
    const { status } = await paymentStub(env, event.transactionId).applyPspEvent(event);
    if (status !== 'unknown_transaction') return status;
  }
  const inbox = webhookInboxStub(env, event.provider);
  if (event.kind === 'other') {
    const kept = await inbox.recordIgnored(event, received.ignoredReason ?? 'unhandled_type', received.body);
    return kept === 'recorded' ? 'ignored' : 'duplicate';
  }
  const kept = await inbox.recordUnmatched(event, received.body);
  return kept === 'recorded' ? 'unmatched' : 'duplicate';
}
