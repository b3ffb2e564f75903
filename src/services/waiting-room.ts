import type { PlaceView } from '../../durable-objects/waiting-room/types';
import { shardOf, type WaitingRoomSettings, waitingRoomSettings } from '../domain/waiting-room';
import type { Bindings, Principal } from '../env';
import { NotFoundError } from '../lib/errors';
import { eventStub, waitingRoomShardStub, waitingRoomStub } from '../lib/stubs';
import type { EventProfile } from '../schemas/catalog';

/**
 * Joins and polls of a popular event arrive by the thousand a second; asking its EventDO for the profile
 * each time would make that one object the bottleneck the shards exist to avoid. An isolate keeps the
 * profile a few seconds, so a change (caps, high demand on or off) reaches the room within that time.
 */
const PROFILE_TTL_MS = 5_000;
const profiles = new Map<string, { profile: EventProfile | null; until: number }>();

async function roomProfile(env: Bindings, tenantId: string, eventId: string): Promise<EventProfile | null> {
  const key = `${tenantId}\n${eventId}`;
  const now = Date.now();
  const held = profiles.get(key);
  if (held && held.until > now) return held.profile;
  const profile = await eventStub(env, tenantId, eventId).profile();
  if (profiles.size >= 1_000) profiles.delete(profiles.keys().next().value as string);
  profiles.set(key, { profile, until: now + PROFILE_TTL_MS });
  return profile;
}

type Room = { tenantId: string; eventId: string; settings: WaitingRoomSettings };

/** The event's room; events that are not high-demand have none (404, as for another tenant's event). */
async function roomOf(env: Bindings, tenantId: string, eventId: string): Promise<Room> {
  const profile = await roomProfile(env, tenantId, eventId);
  if (!profile) throw new NotFoundError('Event not found');
  if (!profile.highDemand) throw new NotFoundError('This event has no waiting room');
  return { tenantId, eventId, settings: waitingRoomSettings(profile.waitingRoom) };
}

function shardFor(env: Bindings, room: Room, userId: string) {
  const shard = shardOf(userId, room.settings.shards);
  return { shard, stub: waitingRoomShardStub(env, room.tenantId, room.eventId, shard) };
}

export async function joinWaitingRoom(env: Bindings, principal: Principal, eventId: string): Promise<PlaceView> {
  const room = await roomOf(env, principal.tenantId, eventId);
  const { shard, stub } = shardFor(env, room, principal.sub);
  return stub.join({ ...room, shard, userId: principal.sub });
}

export async function waitingRoomStatus(env: Bindings, principal: Principal, eventId: string): Promise<PlaceView> {
  const room = await roomOf(env, principal.tenantId, eventId);
  const place = await shardFor(env, room, principal.sub).stub.status(principal.sub, room.settings);
  if (!place) throw new NotFoundError('You have no place in this waiting room');
  return place;
}

export async function leaveWaitingRoom(env: Bindings, principal: Principal, eventId: string): Promise<void> {
  const room = await roomOf(env, principal.tenantId, eventId);
  if (!(await shardFor(env, room, principal.sub).stub.leave(principal.sub)))
    throw new NotFoundError('You have no place in this waiting room');
}

export async function revokeWaitingRoomUser(
  env: Bindings,
  principal: Principal,
  eventId: string,
  userId: string,
): Promise<{ revoked: true; userId: string; tokensRevoked: number }> {
  const room = await roomOf(env, principal.tenantId, eventId);
  const result = await waitingRoomStub(env, room.tenantId, room.eventId).revoke(userId);
  if (!result.revoked) throw new NotFoundError('This user has no place or token in this waiting room');
  return { revoked: true, userId, tokensRevoked: result.tokensRevoked };
}
