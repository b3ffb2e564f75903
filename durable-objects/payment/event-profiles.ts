import type { EventProfile } from '../../src/schemas/catalog';

/**
 * Event profiles (ticket types, prices, currency, limits) as last seen by this isolate, so a payment does
 * not ask its EventDO for the profile before it asks for the reservation. A copy can be stale: the order is
 * priced with it, then the reservation names its version, and the EventDO refuses a reservation priced
 * with an older profile (STALE_PROFILE, with the current one), so nothing is charged on a stale profile and
 * the limits are always the EventDO's own. A 422 is only answered after the profile was read fresh.
 */
const MAX_ENTRIES = 1_000;
const profiles = new Map<string, EventProfile>();

const keyOf = (tenantId: string, eventId: string) => `${tenantId}\n${eventId}`;

export function cachedEventProfile(tenantId: string, eventId: string): EventProfile | undefined {
  return profiles.get(keyOf(tenantId, eventId));
}

/** The profile the EventDO just gave; the least recently stored entries make room beyond MAX_ENTRIES. */
export function rememberEventProfile(tenantId: string, profile: EventProfile): void {
  const key = keyOf(tenantId, profile.eventId);
  profiles.delete(key);
  profiles.set(key, profile);
  if (profiles.size > MAX_ENTRIES) profiles.delete(profiles.keys().next().value as string);
}

export function forgetEventProfile(tenantId: string, eventId: string): void {
  profiles.delete(keyOf(tenantId, eventId));
}
