/**
 * Waiting-room rules, free of storage: the room's settings with their defaults, how many people may be
 * admitted now, which shard holds a user, and the wait estimate. The coordinator object applies them.
 */

export type WaitingRoomSettings = {
  /** At most this many admissions in any 60-second window. */
  admitPerMinute: number;
  /** At most this many admission tokens unspent and unexpired at once. */
  maxActive: number;
  tokenTtlSeconds: number;
  /** A waiting user who has not polled for this long loses the place. */
  abandonAfterSeconds: number;
  /** Join shards; fixed once the room has opened, because a user's shard follows from it. */
  shards: number;
};

export const WAITING_ROOM_DEFAULTS: WaitingRoomSettings = {
  admitPerMinute: 200,
  maxActive: 1000,
  tokenTtlSeconds: 600,
  abandonAfterSeconds: 120,
  shards: 4,
};

export const ADMISSION_WINDOW_MS = 60_000;

/** What the room records of each user: the seed's joined / abandoned / purchased, and the steps between. */
export const WAITING_ROOM_ACTIONS = ['joined', 'admitted', 'left', 'abandoned', 'revoked', 'expired', 'purchased'] as const;
export type WaitingRoomAction = (typeof WAITING_ROOM_ACTIONS)[number];

export function waitingRoomSettings(given: Partial<WaitingRoomSettings> | undefined): WaitingRoomSettings {
  return { ...WAITING_ROOM_DEFAULTS, ...given };
}

/**
 * How many may be admitted at `now`: what is left of the sliding minute (admissions at times in
 * (now − 60 s, now]) and of the active cap. Both caps are exact, so neither can be overshot.
 */
export function admissionBudget(input: {
  settings: Pick<WaitingRoomSettings, 'admitPerMinute' | 'maxActive'>;
  admittedInWindow: number;
  active: number;
}): number {
  const { settings, admittedInWindow, active } = input;
  return Math.max(0, Math.min(settings.admitPerMinute - admittedInWindow, settings.maxActive - active));
}

/**
 * When the sliding minute next frees a place: the admission times (any order) that the window holds at
 * `now` decide it. Null when the minute is not what holds admissions back.
 */
export function nextWindowOpeningAt(admissionTimes: readonly number[], admitPerMinute: number, now: number): number | null {
  const inWindow = admissionTimes.filter((t) => t > now - ADMISSION_WINDOW_MS).sort((a, b) => a - b);
  if (inWindow.length < admitPerMinute) return null;
  // The window frees one place when its oldest admission leaves it.
  return (inWindow[inWindow.length - admitPerMinute] as number) + ADMISSION_WINDOW_MS;
}

/** FNV-1a over the UTF-16 code units: a stable, well-spread shard for a user id without async crypto. */
export function shardOf(userId: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) {
    hash ^= userId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % shards;
}

/**
 * Seconds until a waiting user with `ahead` people before them is admitted (after ahead + 1 admissions,
 * even with nobody ahead while the room is full), at the rate the room really
 * admitted over the last minute; before any admission, or when it admitted nobody, the configured rate.
 */
export function estimatedWaitSeconds(ahead: number, admittedLastMinute: number, admitPerMinute: number): number {
  const perMinute = admittedLastMinute > 0 ? admittedLastMinute : admitPerMinute;
  return Math.ceil((ahead + 1) / (perMinute / 60));
}
