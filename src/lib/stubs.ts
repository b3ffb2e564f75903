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

/** Catalog objects are named per tenant: another tenant's id names a different, empty object (→ 404). */
export function venueStub(env: Bindings, tenantId: string, venueId: string) {
  return env.VENUES.get(env.VENUES.idFromName(`venue:${tenantId}:${venueId}`));
}

export function eventStub(env: Bindings, tenantId: string, eventId: string) {
  return env.EVENTS.get(env.EVENTS.idFromName(`event:${tenantId}:${eventId}`));
}

/** A transaction's object; its id is derived from (tenant, user, Idempotency-Key) by lib/ids.ts. */
export function paymentStub(env: Bindings, transactionId: string) {
  return env.PAYMENTS.get(env.PAYMENTS.idFromName(`payment:${transactionId}`));
}

/** Unmatched PSP notifications, one object per provider. */
export function webhookInboxStub(env: Bindings, provider: string) {
  return env.WEBHOOK_INBOXES.get(env.WEBHOOK_INBOXES.idFromName(`inbox:${provider}`));
}

/** The cached OAuth token of one credential set at one provider. */
export function tokenBrokerStub(env: Bindings, provider: string, clientId: string) {
  return env.TOKEN_BROKERS.get(env.TOKEN_BROKERS.idFromName(`token:${provider}:${clientId}`));
}

/** A hosted checkout session's object, named by our session id (cko…). */
export function checkoutStub(env: Bindings, sessionId: string) {
  return env.CHECKOUT_SESSIONS.get(env.CHECKOUT_SESSIONS.idFromName(`checkout:${sessionId}`));
}

/** A NoTap end user's enrolled factors, per tenant (another tenant's user is another, empty object). */
export function userFactorsStub(env: Bindings, tenantId: string, userUuid: string) {
  return env.USER_FACTORS.get(env.USER_FACTORS.idFromName(`factors:${tenantId}:${userUuid}`));
}

/** A NoTap verification session, named by its session id. */
export function verificationStub(env: Bindings, sessionId: string) {
  return env.VERIFICATIONS.get(env.VERIFICATIONS.idFromName(`verification:${sessionId}`));
}

/** A payment to recover, per organization (tenant) and transaction id. */
export function recoveryTransactionStub(env: Bindings, tenantId: string, transactionId: string) {
  return env.RECOVERY_TRANSACTIONS.get(env.RECOVERY_TRANSACTIONS.idFromName(`recovery:${tenantId}:${transactionId}`));
}

/** A high-demand event's waiting-room coordinator: numbers arrivals, grants admissions, keeps the tokens. */
export function waitingRoomStub(env: Bindings, tenantId: string, eventId: string) {
  return env.WAITING_ROOMS.get(env.WAITING_ROOMS.idFromName(`waiting-room:${tenantId}:${eventId}`));
}

/** One of the waiting room's join shards: holds its users' places and answers their polls. */
export function waitingRoomShardStub(env: Bindings, tenantId: string, eventId: string, shard: number) {
  return env.WAITING_ROOM_SHARDS.get(env.WAITING_ROOM_SHARDS.idFromName(`waiting-room:${tenantId}:${eventId}:${shard}`));
}

/** A risk subject of a tenant (its user, card fingerprint, IP address or device fingerprint): velocity and links. */
export function riskStub(env: Bindings, tenantId: string, kind: 'user' | 'ip' | 'card' | 'device', value: string) {
  return env.RISK.get(env.RISK.idFromName(`risk:${tenantId}:${kind}:${value}`));
}

/** The tenant's known-scalper list. */
export function scalperRegistryStub(env: Bindings, tenantId: string) {
  return env.SCALPER_REGISTRIES.get(env.SCALPER_REGISTRIES.idFromName(`scalpers:${tenantId}`));
}

/** One ticket's object: its owner, status and NFT. */
export function ticketStub(env: Bindings, tenantId: string, ticketId: string) {
  return env.TICKETS.get(env.TICKETS.idFromName(`ticket:${tenantId}:${ticketId}`));
}

/** The index of the tickets a user of a tenant was given. */
export function ticketHolderStub(env: Bindings, tenantId: string, userId: string) {
  return env.TICKET_HOLDERS.get(env.TICKET_HOLDERS.idFromName(`holder:${tenantId}:${userId}`));
}

/** A user of a tenant as a resale seller: tax profile (and what else the platform keeps about a seller). */
export function sellerStub(env: Bindings, tenantId: string, userId: string) {
  return env.SELLERS.get(env.SELLERS.idFromName(`seller:${tenantId}:${userId}`));
}

/** What the outbox consumer may ask of any object that emits events. */
export type OutboxSourceStub = { confirmOutboxEvents(eventIds: string[]): Promise<number> };

/** One resale listing and its escrows. */
export function listingStub(env: Bindings, tenantId: string, listingId: string) {
  return env.LISTINGS.get(env.LISTINGS.idFromName(`listing:${tenantId}:${listingId}`));
}

/** The object an outbox event came from (by the class name it gives as `source.object`), or null if none. */
export function outboxSourceStub(env: Bindings, source: { object: string; id: string }): OutboxSourceStub | null {
  if (!/^[0-9a-f]{64}$/.test(source.id)) return null;
  // idFromString throws for an id minted by another namespace; such a source has no object to tell.
  const get = <T extends Rpc.DurableObjectBranded | undefined>(ns: DurableObjectNamespace<T>) => {
    try {
      return ns.get(ns.idFromString(source.id));
    } catch {
      return null;
    }
  };
  switch (source.object) {
    case 'HeartbeatDO':
      return get(env.HEARTBEATS);
    case 'VenueDO':
      return get(env.VENUES);
    case 'EventDO':
      return get(env.EVENTS);
    case 'PaymentDO':
      return get(env.PAYMENTS);
    case 'WebhookInboxDO':
      return get(env.WEBHOOK_INBOXES);
    case 'CheckoutSessionDO':
      return get(env.CHECKOUT_SESSIONS);
    case 'VerificationDO':
      return get(env.VERIFICATIONS);
    case 'RecoveryTransactionDO':
      return get(env.RECOVERY_TRANSACTIONS);
    case 'WaitingRoomDO':
      return get(env.WAITING_ROOMS);
    case 'ScalperRegistryDO':
      return get(env.SCALPER_REGISTRIES);
    case 'TicketDO':
      return get(env.TICKETS);
    case 'SellerDO':
      return get(env.SELLERS);
    case 'ListingDO':
      return get(env.LISTINGS);
    default:
      return null;
  }
}
