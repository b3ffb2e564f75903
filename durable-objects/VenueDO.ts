import { eventStub } from '../src/lib/stubs';
import type { VenueProfile, VenueProfileBody } from '../src/schemas/catalog';
import { adoptDedupTable, DedupInbox } from './dedup';
import { OutboxObject } from './OutboxObject';
import { PROFILE_SCHEMA_STEPS, ProfileStore } from './profile';
import {
  BALANCE_SCHEMA_STEPS,
  BalanceBook,
  type BalanceMove,
  DEFAULT_EVENT_HOURS,
  DEFAULT_RESERVE_BPS,
  DEFAULT_SETTLEMENT_DELAY_HOURS,
  type VenueBalances,
} from './venue/balances';
import type { VenueRefund, VenueSale } from './venue/types';

/**
 * One object per (tenant, venue): the venue profile, the trailing volume that picks its fee tier, and its
 * balances (pending per event sold, available, reserved). Credits and debits are applied once per event id.
 */
const SCHEMA = [
  ...PROFILE_SCHEMA_STEPS,
  'CREATE TABLE applied_events (event_id TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)',
  // Completed sales per UTC day, for the trailing-30-day volume that picks the fee tier.
  'CREATE TABLE daily_volume (day TEXT PRIMARY KEY, amount INTEGER NOT NULL)',
  ...adoptDedupTable('applied_events', 'applied_at'),
  ...BALANCE_SCHEMA_STEPS,
];

const DAY_MS = 86_400_000;

export class VenueDO extends OutboxObject {
  private readonly profiles: ProfileStore<Omit<VenueProfile, 'version' | 'updatedAt'>>;
  /** The last volume read, by its first day: every payment prices with it, and only recordSales changes it. */
  private volume: { since: string; total: number } | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env, 'VenueDO', SCHEMA);
    this.profiles = new ProfileStore(ctx.storage);
  }

  profile(): VenueProfile | null {
    return this.profiles.read();
  }

  async putProfile(tenantId: string, venueId: string, body: VenueProfileBody): Promise<{ profile: VenueProfile; created: boolean }> {
    const now = Date.now();
    const result = this.profiles.put({ ...body, venueId, tenantId }, now, (profile) =>
      this.outbox.append({ type: 'venue.upserted', tenantId, payload: profile }, now),
    );
    await this.rearm();
    return result;
  }

  /** Profile and trailing volume in one round trip: what pricing a payment needs. */
  pricing(now = Date.now()): { profile: VenueProfile | null; volume30d: number } {
    return { profile: this.profile(), volume30d: this.volume30d(now) };
  }

  /** Sales volume of the last 30 days (minor units), from completed payments credited to this venue. */
  volume30d(now = Date.now()): number {
    const since = new Date(now - 30 * DAY_MS).toISOString().slice(0, 10);
    if (this.volume?.since === since) return this.volume.total;
    const row = this.ctx.storage.sql
      .exec<{ total: number | null }>('SELECT SUM(amount) AS total FROM daily_volume WHERE day > ?', since)
      .toArray()[0];
    this.volume = { since, total: row?.total ?? 0 };
    return this.volume.total;
  }

  /** Counts a completed sale toward the tier volume, once per event id. */
  async recordSale(eventId: string, amount: number, at: number): Promise<boolean> {
    return (await this.recordSales([{ eventId, amount, at }])) === 1;
  }

  /**
   * Counts completed sales, each once per event id, in one transaction: toward the tier volume, and to the
   * pending balance of the event sold. Returns how many were new.
   */
  async recordSales(sales: readonly VenueSale[]): Promise<number> {
    this.volume = null;
    const releases = await this.releaseTimes(sales.flatMap((s) => (s.catalogEventId ? [s.catalogEventId] : [])));
    return this.applyOnce(sales, ({ amount, at, catalogEventId, currency }, now) => {
      this.ctx.storage.sql.exec(
        'INSERT INTO daily_volume (day, amount) VALUES (?, ?) ON CONFLICT (day) DO UPDATE SET amount = amount + excluded.amount',
        new Date(at).toISOString().slice(0, 10),
        amount,
      );
      if (!catalogEventId) return;
      const move = this.book().credit(catalogEventId, releases.get(catalogEventId) ?? now, amount, currency ?? 'USD');
      if (move) this.emitMove(move, currency ?? 'USD', now);
    });
  }

  /** Debits completed refunds, each once per event id: the event's pending balance first, then available. */
  recordRefunds(refunds: readonly VenueRefund[]): Promise<number> {
    return this.applyOnce(refunds, (refund, now) => {
      const move = this.book().debit(refund.catalogEventId, refund.amount, refund.currency);
      if (move) this.emitMove(move, refund.currency, now);
    });
  }

  /** Applies each item not applied before (by its event id) in one transaction; returns how many were new. */
  private async applyOnce<T extends { eventId: string }>(items: readonly T[], apply: (item: T, now: number) => void): Promise<number> {
    const applied = this.ctx.storage.transactionSync(() => {
      const inbox = new DedupInbox(this.ctx.storage.sql);
      const now = Date.now();
      let count = 0;
      for (const item of items) {
        if (!inbox.claim(item.eventId, now)) continue;
        apply(item, now);
        count++;
      }
      return count;
    });
    await this.rearm();
    return applied;
  }

  /** The venue's balances now (GET …/balance). */
  balances(now = Date.now()): VenueBalances {
    return this.book().view(this.volume30d(now), this.profile()?.reserveBps ?? DEFAULT_RESERVE_BPS);
  }

  private book(): BalanceBook {
    return new BalanceBook(this.ctx.storage.sql, this.profile()?.venueId ?? 'unknown');
  }

  /**
   * When each event's sales become available: its end (`endsAt`, else `startsAt` + 4 h) plus the venue's
   * settlement delay, read from the EventDO the first time the venue sells that event.
   */
  private async releaseTimes(catalogEventIds: string[]): Promise<Map<string, number>> {
    const tenantId = this.profile()?.tenantId;
    const unknown = [...new Set(catalogEventIds)].filter((id) => !this.book().knowsEvent(id));
    const delayMs = (this.profile()?.settlementDelayHours ?? DEFAULT_SETTLEMENT_DELAY_HOURS) * 3600_000;
    const times = new Map<string, number>();
    if (!tenantId) return times;
    for (const id of unknown) {
      const event = await eventStub(this.env, tenantId, id).profile();
      if (!event) continue;
      const ends = event.endsAt ? Date.parse(event.endsAt) : Date.parse(event.startsAt) + DEFAULT_EVENT_HOURS * 3600_000;
      times.set(id, ends + delayMs);
    }
    return times;
  }

  private emitMove(move: BalanceMove, currency: string, now: number): void {
    const profile = this.profile();
    this.outbox.append(
      {
        type: 'venue.balance_moved',
        tenantId: profile?.tenantId,
        payload: {
          moveId: crypto.randomUUID(),
          venueId: profile?.venueId,
          reason: move.reason,
          amount: move.amount,
          currency,
          ledger: move.lines,
        },
      },
      now,
    );
  }

  protected override nextDeadline(): number | null {
    return this.book().nextReleaseAt();
  }

  /** Releases the events whose settlement time has come. */
  protected override async onDeadline(now: number): Promise<void> {
    this.ctx.storage.transactionSync(() => {
      const { currency } = this.balances(now);
      for (const move of this.book().releaseDue(now)) this.emitMove(move, currency, now);
    });
  }
}
