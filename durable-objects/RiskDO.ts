import { DurableObject } from 'cloudflare:workers';
import { DEVICE_ACCOUNTS_WINDOW_MS } from '../src/domain/fraud-score';
import { checkVelocity, hasVelocityRules, pruneBefore } from '../src/domain/velocity';
import { objectConfig } from './config';
import type { RiskProbe, RiskReading } from './risk/types';
import { applySchema } from './sql';

const SCHEMA = [
  'CREATE TABLE subject (id INTEGER PRIMARY KEY CHECK (id = 1), first_seen_at INTEGER NOT NULL)',
  // Purchases counted against the limits: one row per transaction, so a retried transaction counts once.
  'CREATE TABLE attempts (transaction_id TEXT PRIMARY KEY, actor TEXT NOT NULL, at INTEGER NOT NULL)',
  'CREATE INDEX attempts_at ON attempts (at)',
  // Users seen with this subject (the accounts of a device, the users of a card).
  'CREATE TABLE actors (actor TEXT PRIMARY KEY, first_seen_at INTEGER NOT NULL, last_seen_at INTEGER NOT NULL)',
  // Known-scalper entries naming this subject (a user or a device).
  'CREATE TABLE flags (id TEXT PRIMARY KEY, reason TEXT NOT NULL, added_at INTEGER NOT NULL)',
  // Resale listings far above face value made by this seller or from this device (the marketplace's suspicion check).
  'CREATE TABLE high_markup_listings (listing_id TEXT PRIMARY KEY, at INTEGER NOT NULL)',
] as const;

const HOUR_MS = 3_600_000;

/**
 * One object per risk subject, so checking a limit and counting the attempt is one serialized step:
 * two purchases racing for a user's fifth slot cannot both get it. The history is exact (a row per
 * purchase, pruned once no window can see it), which is what lets a refusal say when the window frees.
 */
export class RiskDO extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // A plain object, not an outbox one: a first-time buyer or address makes one with every purchase, and it
    // emits nothing (the decision record leaves through the PaymentDO).
    ctx.blockConcurrencyWhile(async () => applySchema(ctx.storage, SCHEMA));
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
    // A device has no limit of its own: only its links count (accounts per device), so it keeps no purchase
    // history, which for a shared box-office device would otherwise grow with every sale of the month.
    const counted = hasVelocityRules(probe.kind);
    return this.ctx.storage.transactionSync((): RiskReading => {
      this.sql.exec('DELETE FROM attempts WHERE at < ?', pruneBefore(probe.kind, now));
      this.sql.exec('DELETE FROM actors WHERE last_seen_at <= ?', now - DEVICE_ACCOUNTS_WINDOW_MS);
      const held = this.sql.exec('SELECT 1 FROM attempts WHERE transaction_id = ?', probe.transactionId).toArray().length > 0;
      // Refused attempts are never counted, so under the limits this is at most the longest window's limit.
      const history = counted
        ? this.sql
            .exec<{ at: number; actor: string }>('SELECT at, actor FROM attempts WHERE transaction_id != ?', probe.transactionId)
            .toArray()
        : [];
      const velocity = held
        ? ({ ok: true } as const)
        : checkVelocity(probe.kind, history, { at: now, actor: probe.actor }, objectConfig(this.env).velocityLimits);
      const firstSeenAt = this.sql.exec<{ at: number }>('SELECT first_seen_at AS at FROM subject WHERE id = 1').toArray()[0]?.at ?? null;
      const countedNow = counted && velocity.ok && !held;
      const reading: RiskReading = {
        kind: probe.kind,
        velocity,
        countedNow,
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
      if (countedNow)
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

  // ── resale listings ──────────────────────────────────────────────────────────────────────────────

  /**
   * Counts a listing far above face value (once per listing) and answers how many this subject made in the
   * last `windowMs`, and whether a known-scalper entry names it.
   */
  noteHighMarkupListing(listingId: string, windowMs: number, now = Date.now()): { recent: number; knownScalper: boolean } {
    this.sql.exec('DELETE FROM high_markup_listings WHERE at <= ?', now - windowMs);
    this.sql.exec('INSERT INTO high_markup_listings (listing_id, at) VALUES (?, ?) ON CONFLICT DO NOTHING', listingId, now);
    const recent = this.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM high_markup_listings').one().n;
    return { recent, knownScalper: this.sql.exec('SELECT 1 FROM flags LIMIT 1').toArray().length > 0 };
  }

  // ── known-scalper flags (the list itself is the tenant's ScalperRegistryDO) ──────────────────────

  flag(id: string, reason: string): void {
    this.sql.exec('INSERT INTO flags (id, reason, added_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING', id, reason, Date.now());
  }

  unflag(id: string): void {
    this.sql.exec('DELETE FROM flags WHERE id = ?', id);
  }
}
