import type { LedgerLine } from '../../src/domain/ledger';
import { percentOfMinor } from '../../src/domain/rounding';

/**
 * A venue's balances, kept with the same moves as its ledger accounts (`venue:<id>:pending`,
 * `venue:<id>:available`). A sale credits its event's pending bucket; the bucket is released to
 * available once the event has ended plus the venue's settlement delay; a refund debits its event's
 * bucket while it is still pending, and available for what was released already. Every move the
 * payment's own ledger lines do not make (a release, a refund out of available) is returned as ledger
 * lines for the caller to append to its outbox in the same transaction.
 */
export const BALANCE_SCHEMA_STEPS = [
  `CREATE TABLE balance_events (
     catalog_event_id TEXT PRIMARY KEY, pending INTEGER NOT NULL DEFAULT 0, releases_at INTEGER NOT NULL, released_at INTEGER
   )`,
  `CREATE TABLE balance (id INTEGER PRIMARY KEY CHECK (id = 1), available INTEGER NOT NULL, currency TEXT NOT NULL)`,
] as const;

export const DEFAULT_SETTLEMENT_DELAY_HOURS = 48;
export const DEFAULT_RESERVE_BPS = 500;

export type BalanceMove = {
  reason: 'settlement' | 'refund_after_settlement' | 'sale_after_settlement';
  amount: number;
  lines: LedgerLine[];
};

export type VenueBalances = { pending: number; available: number; reserved: number; payable: number; currency: string };

type Bucket = { pending: number; released_at: number | null };

export class BalanceBook {
  constructor(
    private readonly sql: SqlStorage,
    private readonly venueId: string,
  ) {}

  private account(kind: 'pending' | 'available'): string {
    return `venue:${this.venueId}:${kind}`;
  }

  /** Ledger lines moving `amount` from pending to available (a negative amount moves it back). */
  private release(amount: number): LedgerLine[] {
    return [
      { account: this.account('pending'), amount },
      { account: this.account('available'), amount: -amount },
    ];
  }

  private available(): { available: number; currency: string } {
    return (
      this.sql.exec<{ available: number; currency: string }>('SELECT available, currency FROM balance WHERE id = 1').toArray()[0] ?? {
        available: 0,
        currency: 'USD',
      }
    );
  }

  /** Call inside a transaction: moves `available` by `amount` (negative takes out). */
  addAvailable(amount: number, currency: string): void {
    this.sql.exec(
      'INSERT INTO balance (id, available, currency) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET available = available + excluded.available',
      amount,
      currency,
    );
  }

  knowsEvent(catalogEventId: string): boolean {
    return this.sql.exec('SELECT 1 FROM balance_events WHERE catalog_event_id = ?', catalogEventId).toArray().length > 0;
  }

  /** Call inside a transaction. A sale of an event already released goes to available at once. */
  credit(catalogEventId: string, releasesAt: number, amount: number, currency: string): BalanceMove | null {
    this.sql.exec(
      'INSERT INTO balance_events (catalog_event_id, releases_at) VALUES (?, ?) ON CONFLICT (catalog_event_id) DO NOTHING',
      catalogEventId,
      releasesAt,
    );
    this.addAvailable(0, currency);
    const bucket = this.bucket(catalogEventId);
    if (bucket.released_at === null) {
      this.sql.exec('UPDATE balance_events SET pending = pending + ? WHERE catalog_event_id = ?', amount, catalogEventId);
      return null;
    }
    this.addAvailable(amount, currency);
    return { reason: 'sale_after_settlement', amount, lines: this.release(amount) };
  }

  /** Call inside a transaction: the event's pending first, then available. */
  debit(catalogEventId: string, amount: number, currency: string): BalanceMove | null {
    const bucket = this.sql
      .exec<Bucket>('SELECT pending, released_at FROM balance_events WHERE catalog_event_id = ?', catalogEventId)
      .toArray()[0];
    const fromPending = bucket && bucket.released_at === null ? Math.min(Math.max(bucket.pending, 0), amount) : 0;
    if (fromPending > 0)
      this.sql.exec('UPDATE balance_events SET pending = pending - ? WHERE catalog_event_id = ?', fromPending, catalogEventId);
    const fromAvailable = amount - fromPending;
    if (fromAvailable === 0) return null;
    this.addAvailable(-fromAvailable, currency);
    // The refund's own lines debit pending for all of it; this gives pending back what available paid.
    return { reason: 'refund_after_settlement', amount: fromAvailable, lines: this.release(-fromAvailable) };
  }

  private bucket(catalogEventId: string): Bucket {
    return this.sql.exec<Bucket>('SELECT pending, released_at FROM balance_events WHERE catalog_event_id = ?', catalogEventId).one();
  }

  /** An event moved: its sales not yet released wait for the new time. */
  reschedule(catalogEventId: string, releasesAt: number): void {
    this.sql.exec(
      'UPDATE balance_events SET releases_at = ? WHERE catalog_event_id = ? AND released_at IS NULL',
      releasesAt,
      catalogEventId,
    );
  }

  /** When the next bucket is due for release, or null. */
  nextReleaseAt(): number | null {
    return this.sql.exec<{ at: number | null }>('SELECT MIN(releases_at) AS at FROM balance_events WHERE released_at IS NULL').one().at;
  }

  /** Call inside a transaction: releases every bucket due by `now`. */
  releaseDue(now: number): BalanceMove[] {
    const due = this.sql
      .exec<{ catalog_event_id: string; pending: number }>(
        'SELECT catalog_event_id, pending FROM balance_events WHERE released_at IS NULL AND releases_at <= ?',
        now,
      )
      .toArray();
    const { currency } = this.available();
    const moves: BalanceMove[] = [];
    for (const bucket of due) {
      this.sql.exec('UPDATE balance_events SET released_at = ? WHERE catalog_event_id = ?', now, bucket.catalog_event_id);
      if (bucket.pending === 0) continue;
      this.addAvailable(bucket.pending, currency);
      moves.push({ reason: 'settlement', amount: bucket.pending, lines: this.release(bucket.pending) });
    }
    return moves;
  }

  /** Balances now: reserved is `reserveBps` of the trailing 30-day sales; payable what available leaves above it. */
  view(volume30d: number, reserveBps: number): VenueBalances {
    const pending =
      this.sql.exec<{ n: number | null }>('SELECT SUM(pending) AS n FROM balance_events WHERE released_at IS NULL').one().n ?? 0;
    const { available, currency } = this.available();
    const reserved = percentOfMinor(volume30d, reserveBps);
    return { pending, available, reserved, payable: Math.max(0, available - reserved), currency };
  }
}
