/** The one place that turns names into Durable Object stubs. */
import type { Bindings } from '../env';

export const HEARTBEAT_OBJECT_NAME = 'global';

export function heartbeatStub(env: Bindings) {
  return env.HEARTBEATS.get(env.HEARTBEATS.idFromName(HEARTBEAT_OBJECT_NAME));
}

/** 256 shards keyed by the signature's first byte: spreads load, keeps each claim a single-object operation. */
export function replayGuardFor(env: Bindings, signatureHex: string) {
  return env.REPLAY_GUARDS.get(env.REPLAY_GUARDS.idFromName(`internal-hmac:${signatureHex.slice(0, 2)}`));
}
