/**
 * A versioned JSON profile kept by an object (venue, event): every write bumps `version`, which the
 * Postgres projection uses to ignore stale deliveries. Call `put` inside the caller's transaction.
 */
export const PROFILE_SCHEMA_STEPS = [
  'CREATE TABLE profile (id INTEGER PRIMARY KEY CHECK (id = 1), body TEXT NOT NULL, version INTEGER NOT NULL, updated_at INTEGER NOT NULL)',
] as const;

export type Versioned<T> = T & { version: number; updatedAt: string };

function readProfile<T>(storage: DurableObjectStorage): Versioned<T> | null {
  const row = storage.sql
    .exec<{ body: string; version: number; updated_at: number }>('SELECT body, version, updated_at FROM profile WHERE id = 1')
    .toArray()[0];
  return row ? { ...(JSON.parse(row.body) as T), version: row.version, updatedAt: new Date(row.updated_at).toISOString() } : null;
}

function writeProfile<T extends object>(storage: DurableObjectStorage, body: T, now: number): { profile: Versioned<T>; created: boolean } {
  const previous = storage.sql.exec<{ version: number }>('SELECT version FROM profile WHERE id = 1').toArray()[0];
  const version = (previous?.version ?? 0) + 1;
  storage.sql.exec(
    'INSERT INTO profile (id, body, version, updated_at) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body, version = excluded.version, updated_at = excluded.updated_at',
    JSON.stringify(body),
    version,
    now,
  );
  return { profile: { ...body, version, updatedAt: new Date(now).toISOString() }, created: !previous };
}

/**
 * The object's profile kept in memory after the first read: every write goes through this object (it is
 * the only writer of its storage), so the copy cannot go stale, and a hot event or venue is not parsed
 * from JSON on every reservation or pricing call.
 */
export class ProfileStore<T extends object> {
  private cached: Versioned<T> | null | undefined;

  constructor(private readonly storage: DurableObjectStorage) {}

  read(): Versioned<T> | null {
    if (this.cached === undefined) this.cached = readProfile<T>(this.storage);
    return this.cached;
  }

  /**
   * Writes inside the caller's transaction and returns what writeProfile does; the copy is kept only once
   * the transaction has committed, so a rolled-back write is never served.
   */
  put(body: T, now: number, andThen: (profile: Versioned<T>) => void): { profile: Versioned<T>; created: boolean } {
    this.cached = undefined;
    const written = this.storage.transactionSync(() => {
      const result = writeProfile(this.storage, body, now);
      andThen(result.profile);
      return result;
    });
    this.cached = written.profile;
    return written;
  }
}
