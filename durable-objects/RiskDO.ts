import { DEVICE_ACCOUNTS_WINDOW_MS } from '../src/domain/fraud-score';
import { checkVelocity, pruneBefore } from '../src/domain/velocity';
import { OutboxObject } from './OutboxObject';
import { KnownScalper, type RiskProbe, type RiskReading, type ScalperInput } from './risk/types';

const SCHEMA = [
  'CREATE TABLE subject (id INTEGER PRIMARY KEY CHECK (id = 1), first_seen_at INTEGER NOT NULL)',
  // Purchases counted against the limits: one row per transaction, so a retried transaction counts once.
  'CREATE TABLE attempts (transaction_id TEXT PRIMARY KEY, actor TEXT NOT NULL, at INTEGER NOT NULL)',
  'CREATE INDEX attempts_at ON attempts (at)',
  // Users seen with this subject (the accounts of a device, the users of a card).
  'CREATE TABLE actors (actor TEXT PRIMARY KEY, first_seen_at INTEGER NOT NULL, last_seen_at INTEGER NOT NULL)',
  // Known-scalper entries naming this subject (a user or a device).
  'CREATE TABLE flags (id TEXT PRIMARY KEY, reason TEXT NOT NULL, added_at INTEGER NOT NULL)',
  // Only in a tenant's registry object: the known-scalper list itself.
  `CREATE TABLE scalpers (
     id TEXT PRIMARY KEY,
     user_id TEXT,
     device_fingerprint TEXT,
     reason TEXT NOT NULL,
     added_by TEXT,
     added_at INTEGER NOT NULL,
     removed_at INTEGER
   )`,
] as const;

const HOUR_MS = 3_600_000;

/**
 * One object per risk subject, so checking a limit and counting the attempt is one serialized step:
 * two purchases racing for a user's fifth slot cannot both get it. The history is exact (a row per
 * purchase, pruned once no window can see it), which is what lets a refusal say when the window frees.
 */
export class RiskDO extends OutboxObject {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env, 'RiskDO', SCHEMA);
  }

  private get sql() {
    return this.ctx.storage.sql;
  }

  /**
   * Reads the subject and, when the attempt is within the limits, counts it (idempotent on the
   * transaction: its retries are the same purchase). A refused attempt is not counted.
   */
  holdAttempt(probe: RiskProbe): RiskReading {
    const now = Date.now();
    return this.ctx.storage.transactionSync((): RiskReading => {
      this.sql.exec('DELETE FROM attempts WHERE at < ?', pruneBefore(probe.kind, now));
      const held = this.sql.exec('SELECT 1 FROM attempts WHERE transaction_id = ?', probe.transactionId).toArray().length > 0;
      const history = this.sql
        .exec<{ at: number; actor: string }>('SELECT at, actor FROM attempts WHERE transaction_id != ?', probe.transactionId)
        .toArray();
      const velocity = held
        ? ({ ok: true } as const)
        : checkVelocity(probe.kind, history, { at: now, actor: probe.actor }, this.config.velocityLimits);
      const firstSeenAt = this.sql.exec<{ at: number }>('SELECT first_seen_at AS at FROM subject WHERE id = 1').toArray()[0]?.at ?? null;
      const reading: RiskReading = {
        kind: probe.kind,
        velocity,
        purchasesLastHour: history.filter((h) => h.at > now - HOUR_MS).length,
        purchasesLastDay: history.filter((h) => h.at > now - 24 * HOUR_MS).length,
        distinctActors: this.distinctActors(probe.actor, now),
        firstSeenAt,
        scalper:
          this.sql.exec<{ id: string; reason: string }>('SELECT id, reason FROM flags ORDER BY added_at LIMIT 1').toArray()[0] ?? null,
      };
      // Seeing the subject with this user is a fact whatever is decided; only the count waits for a pass.
      this.sql.exec('INSERT INTO subject (id, first_seen_at) VALUES (1, ?) ON CONFLICT (id) DO NOTHING', now);
      this.sql.exec(
        'INSERT INTO actors (actor, first_seen_at, last_seen_at) VALUES (?, ?, ?) ON CONFLICT (actor) DO UPDATE SET last_seen_at = excluded.last_seen_at',
        probe.actor,
        now,
        now,
      );
      if (velocity.ok && !held)
        this.sql.exec('INSERT INTO attempts (transaction_id, actor, at) VALUES (?, ?, ?)', probe.transactionId, probe.actor, now);
      return reading;
    });
  }

  private distinctActors(actor: string, now: number): number {
    const others = this.sql
      .exec<{ n: number }>('SELECT COUNT(*) AS n FROM actors WHERE actor != ? AND last_seen_at > ?', actor, now - DEVICE_ACCOUNTS_WINDOW_MS)
      .one().n;
    return others + 1;
  }

  /** A later check refused the purchase, or it never reached the PSP: it no longer counts. */
  releaseAttempt(transactionId: string): boolean {
    return this.sql.exec('DELETE FROM attempts WHERE transaction_id = ? RETURNING transaction_id', transactionId).toArray().length === 1;
  }

  // ── known scalpers: flags on subjects, the list in the tenant's registry ──────────────────────────

  flag(id: string, reason: string): void {
    this.sql.exec('INSERT INTO flags (id, reason, added_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING', id, reason, Date.now());
  }

  unflag(id: string): void {
    this.sql.exec('DELETE FROM flags WHERE id = ?', id);
  }

  /** Registry: records a known scalper and says which subjects to flag. */
  async addScalper(input: ScalperInput): Promise<KnownScalper> {
    const now = Date.now();
    const id = crypto.randomUUID();
    const scalper = this.ctx.storage.transactionSync(() => {
      this.sql.exec(
        'INSERT INTO scalpers (id, user_id, device_fingerprint, reason, added_by, added_at) VALUES (?, ?, ?, ?, ?, ?)',
        id,
        input.userId ?? null,
        input.deviceFingerprint ?? null,
        input.reason,
        input.addedBy,
        now,
      );
      return this.emitScalper(input.tenantId, id, now) as KnownScalper;
    });
    await this.rearm();
    return scalper;
  }

  /** Registry: marks the entry removed; null when there is no such active entry. */
  async removeScalper(tenantId: string, id: string): Promise<KnownScalper | null> {
    const now = Date.now();
    const scalper = this.ctx.storage.transactionSync(() => {
      const removed = this.sql
        .exec('UPDATE scalpers SET removed_at = ? WHERE id = ? AND removed_at IS NULL RETURNING id', now, id)
        .toArray();
      return removed.length === 1 ? this.emitScalper(tenantId, id, now) : null;
    });
    await this.rearm();
    return scalper;
  }

  private emitScalper(tenantId: string, id: string, now: number): KnownScalper | null {
    const row = this.sql
      .exec<{
        user_id: string | null;
        device_fingerprint: string | null;
        reason: string;
        added_by: string | null;
        added_at: number;
        removed_at: number | null;
      }>('SELECT * FROM scalpers WHERE id = ?', id)
      .toArray()[0];
    if (!row) return null;
    const scalper = KnownScalper.parse({
      id,
      tenantId,
      userId: row.user_id,
      deviceFingerprint: row.device_fingerprint,
      reason: row.reason,
      // Listed by an admin: the tenant's own certainty, not a model's guess.
      confidenceScore: 1,
      active: row.removed_at === null,
      addedBy: row.added_by,
      addedAt: new Date(row.added_at).toISOString(),
      removedAt: row.removed_at === null ? null : new Date(row.removed_at).toISOString(),
    });
    this.outbox.append({ type: 'risk.scalper', tenantId, payload: scalper }, now);
    return scalper;
  }
}
