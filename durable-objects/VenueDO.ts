import type { VenueProfile, VenueProfileBody } from '../src/schemas/catalog';
import { adoptDedupTable, DedupInbox } from './dedup';
import { OutboxObject } from './OutboxObject';
import { PROFILE_SCHEMA_STEPS, ProfileStore } from './profile';
import type { VenueSale } from './venue/types';

/**
 * One object per (tenant, venue): the venue profile now; balances, tier volume and payouts as their
 * features arrive. Credits are applied once per event id.
 */
const SCHEMA = [
  ...PROFILE_SCHEMA_STEPS,
  'CREATE TABLE applied_events (event_id TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)',
  // Completed sales per UTC day, for the trailing-30-day volume that picks the fee tier.
  'CREATE TABLE daily_volume (day TEXT PRIMARY KEY, amount INTEGER NOT NULL)',
  ...adoptDedupTable('applied_events', 'applied_at'),
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
  recordSale(eventId: string, amount: number, at: number): boolean {
    return this.recordSales([{ eventId, amount, at }]) === 1;
  }

  /** Counts completed sales, each once per event id, in one transaction; returns how many were new. */
  recordSales(sales: readonly VenueSale[]): number {
    this.volume = null;
    return this.ctx.storage.transactionSync(() => {
      const inbox = new DedupInbox(this.ctx.storage.sql);
      const now = Date.now();
      let recorded = 0;
      for (const { eventId, amount, at } of sales) {
        if (!inbox.claim(eventId, now)) continue;
        this.ctx.storage.sql.exec(
          'INSERT INTO daily_volume (day, amount) VALUES (?, ?) ON CONFLICT (day) DO UPDATE SET amount = amount + excluded.amount',
          new Date(at).toISOString().slice(0, 10),
          amount,
        );
        recorded++;
      }
      return recorded;
    });
  }
}
