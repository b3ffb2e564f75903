import { z } from 'zod';
import { WAITING_ROOM_ACTIONS, type WaitingRoomSettings } from '../../src/domain/waiting-room';

/**
 * The waiting room's contract: a coordinator per (tenant, event) numbers arrivals and grants admissions;
 * join shards hold each user's place, answer polls and hand out tokens. These are the messages between
 * them, what the Worker gets back, and the coordinator's outbox payload.
 */

export type RoomRef = { tenantId: string; eventId: string; settings: WaitingRoomSettings };

/** An arrival a shard asks the coordinator to number. */
export type Arrival = { userId: string; queueId: string; joinedAt: number };

/** An admission for a shard to deliver: it signs the token for `jti` with this expiry. */
export type Admission = { number: number; userId: string; queueId: string; jti: string; expiresAt: number };

export type Numbered = {
  userId: string;
  queueId: string;
  number: number;
  ahead: number;
  /** Set when this call admitted the user at once (an empty room). */
  admission: Admission | null;
};

export type EnqueueResult = { numbered: Numbered[]; admittedLastMinute: number };

/** What a shard reports at each tick: places given up since its last report. */
export type Departure = { number: number; userId: string; reason: 'left' | 'abandoned' };

export type ShardSync = {
  admissions: Admission[];
  /** [number, people waiting ahead] for every waiting user of the shard. */
  ranks: Array<[number, number]>;
  admittedLastMinute: number;
};

/** A user's place as the API shows it. */
export type PlaceView = {
  queueId: string;
  /** The user's number in the line since the room opened: distinct for every arrival, never changes. */
  position: number;
  /** People still waiting ahead (as of the coordinator's last tick). */
  ahead: number;
  estimatedWaitSeconds: number;
  status: 'waiting' | 'admitted';
  accessToken?: string;
  expiresAt?: string;
};

export type TokenUse = { jti: string; userId: string; transactionId: string };
export type HoldResult = { ok: true } | { ok: false; reason: 'unknown' | 'spent' | 'revoked' | 'expired' | 'in_use' | 'wrong_user' };

export type RoomCounts = { waiting: number; active: number; admittedLastMinute: number; admittedTotal: number; spent: number };

export const WaitingRoomActivity = z.object({
  id: z.uuid(),
  userId: z.string().min(1),
  action: z.enum(WAITING_ROOM_ACTIONS),
  at: z.number().int(),
  metadata: z.record(z.string(), z.unknown()),
});
export type WaitingRoomActivity = z.infer<typeof WaitingRoomActivity>;

/** `waiting_room.activity`: what happened in one room during one call or tick. */
export const WaitingRoomActivityPayload = z.object({
  tenantId: z.string().min(1),
  eventId: z.string().min(1),
  activities: z.array(WaitingRoomActivity).min(1),
});
export type WaitingRoomActivityPayload = z.infer<typeof WaitingRoomActivityPayload>;
