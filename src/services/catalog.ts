import { DEFAULT_PURCHASE_LIMITS } from '../domain/limits';
import { waitingRoomSettings } from '../domain/waiting-room';
import type { Bindings, Principal } from '../env';
import { ForbiddenError, NotFoundError, ValidationError } from '../lib/errors';
import { eventStub, venueStub } from '../lib/stubs';
import type { EventProfile, EventProfileBody, VenueProfile, VenueProfileBody } from '../schemas/catalog';

export function putVenue(env: Bindings, principal: Principal, venueId: string, body: VenueProfileBody) {
  return venueStub(env, principal.tenantId, venueId).putProfile(principal.tenantId, venueId, body);
}

export async function getVenue(env: Bindings, tenantId: string, venueId: string): Promise<VenueProfile> {
  const profile = await venueStub(env, tenantId, venueId).profile();
  if (!profile) throw new NotFoundError('Venue not found');
  return profile;
}

export async function getEvent(env: Bindings, tenantId: string, eventId: string): Promise<EventProfile> {
  const profile = await eventStub(env, tenantId, eventId).profile();
  if (!profile) throw new NotFoundError('Event not found');
  return profile;
}

export function managesVenue(principal: Principal, venueId: string): boolean {
  return principal.role === 'admin' || (principal.role === 'venue_manager' && principal.venues.includes(venueId));
}

/**
 * Admins, or the manager of the event's venue — of both venues when an update moves the event, so a
 * manager cannot take over another venue's event. The venue must exist in the tenant.
 */
export async function putEvent(env: Bindings, principal: Principal, eventId: string, body: EventProfileBody) {
  const stub = eventStub(env, principal.tenantId, eventId);
  const existing = await stub.profile();
  if (!managesVenue(principal, body.venueId) || (existing && !managesVenue(principal, existing.venueId))) {
    throw new ForbiddenError('Only an admin or a manager of this venue may change its events');
  }
  // A user's join shard follows from the count: changing it would split the line.
  if (existing?.highDemand && waitingRoomSettings(existing.waitingRoom).shards !== waitingRoomSettings(body.waitingRoom).shards) {
    throw new ValidationError([{ field: 'waitingRoom.shards', message: 'cannot change once the event is high-demand' }]);
  }
  if (!(await venueStub(env, principal.tenantId, body.venueId).profile())) {
    throw new ValidationError([{ field: 'venueId', message: 'no such venue in this tenant' }]);
  }
  return stub.putProfile({
    ...body,
    eventId,
    tenantId: principal.tenantId,
    currency: body.currency ?? 'USD',
    limits: body.limits ?? { ...DEFAULT_PURCHASE_LIMITS },
  });
}
