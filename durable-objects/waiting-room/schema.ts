/**
 * The coordinator's tables. `entries` is the line: one row per arrival, numbered in the order the
 * coordinator received them; a user has at most one live (waiting or admitted) entry. `tokens` is every
 * admission granted, the only place the two caps are counted from.
 */
export const COORDINATOR_SCHEMA_STEPS = [
  `CREATE TABLE room (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     tenant_id TEXT NOT NULL,
     event_id TEXT NOT NULL,
     settings TEXT NOT NULL,
     next_number INTEGER NOT NULL,
     last_tick INTEGER NOT NULL DEFAULT 0
   )`,
  `CREATE TABLE entries (
     number INTEGER PRIMARY KEY,
     user_id TEXT NOT NULL,
     queue_id TEXT NOT NULL,
     shard INTEGER NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('waiting', 'admitted', 'left', 'abandoned', 'revoked', 'expired', 'purchased')),
     joined_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   )`,
  "CREATE UNIQUE INDEX entries_live_user ON entries (user_id) WHERE status IN ('waiting', 'admitted')",
  "CREATE INDEX entries_waiting ON entries (number) WHERE status = 'waiting'",
  `CREATE TABLE tokens (
     jti TEXT PRIMARY KEY,
     number INTEGER NOT NULL,
     user_id TEXT NOT NULL,
     shard INTEGER NOT NULL,
     issued_at INTEGER NOT NULL,
     expires_at INTEGER NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('active', 'held', 'spent', 'revoked', 'expired')),
     holder TEXT,
     delivered INTEGER NOT NULL DEFAULT 0
   )`,
  'CREATE INDEX tokens_issued ON tokens (issued_at)',
  "CREATE INDEX tokens_live ON tokens (expires_at) WHERE state IN ('active', 'held')",
  'CREATE INDEX tokens_undelivered ON tokens (shard) WHERE delivered = 0',
] as const;

export type EntryRow = {
  number: number;
  user_id: string;
  queue_id: string;
  shard: number;
  status: string;
  joined_at: number;
};

export type TokenRow = {
  jti: string;
  number: number;
  user_id: string;
  shard: number;
  issued_at: number;
  expires_at: number;
  state: 'active' | 'held' | 'spent' | 'revoked' | 'expired';
  holder: string | null;
};
