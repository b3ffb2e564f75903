import { eventEndsAt } from '../src/domain/event-time';
import type { LedgerLine } from '../src/domain/ledger';
import type { PayoutRefusal } from '../src/domain/payout';
import { eventStub } from '../src/lib/stubs';
import type { PayoutView as ProviderPayout } from '../src/psp/adapter';
import { pspWith } from '../src/psp/registry';
import type { VenueProfile, VenueProfileBody } from '../src/schemas/catalog';
import { adoptDedupTable, DedupInbox } from './dedup';
import { IDEMPOTENCY_TABLE_STEP } from './idempotency';
import { OutboxObject } from './OutboxObject';
import { outboxBackoffMs } from './outbox';
import { idempotent } from './payment/idempotency';
import { refusal } from './payment/replies';
import type { PaymentResult, Reply } from './payment/types';
import { PROFILE_SCHEMA_STEPS, ProfileStore } from './profile';
import {
  BALANCE_SCHEMA_STEPS,
  BalanceBook,
  type BalanceMove,
  DEFAULT_RESERVE_BPS,
  DEFAULT_SETTLEMENT_DELAY_HOURS,
  type VenueBalances,
} from './venue/balances';
import { payoutCall } from './venue/payout-calls';
import { PAYOUT_SCHEMA_STEPS, PayoutBook, type PayoutChange, type PayoutRow, payoutView } from './venue/payouts';
import type { PayoutRequest, VenuePayout, VenueRefund, VenueSale } from './venue/types';

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
  IDEMPOTENCY_TABLE_STEP,
  ...PAYOUT_SCHEMA_STEPS,
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

  /**
   * Credits that are not ticket sales (a chargeback won back, a resale's royalty) to the event's balance, each once
   * per event id and not counted as sales volume.
   */
  async recordReinstatements(items: readonly VenueRefund[]): Promise<number> {
    const releases = await this.releaseTimes(items.map((i) => i.catalogEventId));
    return this.applyOnce(items, (item, now) => {
      const move = this.book().credit(item.catalogEventId, releases.get(item.catalogEventId) ?? now, item.amount, item.currency);
      if (move) this.emitMove(move, item.currency, now);
    });
  }

  /** The event's end moved (its profile changed): its pending sales are released at the new end plus the delay. */
  async rescheduleEvent(catalogEventId: string, endsAt: number): Promise<void> {
    this.book().reschedule(catalogEventId, endsAt + this.settlementDelayMs());
    await this.rearm();
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
    const delayMs = this.settlementDelayMs();
    const times = new Map<string, number>();
    if (!tenantId) return times;
    for (const id of unknown) {
      const event = await eventStub(this.env, tenantId, id).profile();
      if (!event) continue;
      times.set(id, eventEndsAt(event) + delayMs);
    }
    return times;
  }

  private settlementDelayMs(): number {
    return (this.profile()?.settlementDelayHours ?? DEFAULT_SETTLEMENT_DELAY_HOURS) * 3600_000;
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

  /**
   * A payout request (POST …/payout), once per Idempotency-Key: checked against what is payable and the day's
   * limit and opened in one transaction (so of two concurrent requests that only one fits, one is refused),
   * then submitted to Stripe. An outage leaves it pending and the alarm submits it again.
   */
  async requestPayout(input: PayoutRequest): Promise<PaymentResult> {
    const scope = `payout:${input.tenantId}:${input.userId}:${input.idempotencyKey}`;
    return idempotent(this.ctx.storage.sql, scope, input, async (): Promise<Reply> => {
      const profile = this.profile();
      if (!profile?.stripeAccountId) {
        return refusal('INVALID_STATE_TRANSITION', 'The venue has no Stripe connected account (stripeAccountId) to pay out to');
      }
      if (input.instant && !this.config.psp.stripePlatformAccountId) {
        return refusal('PSP_NOT_CONFIGURED', 'Instant payouts need STRIPE_PLATFORM_ACCOUNT_ID, where their fee is collected');
      }
      const payoutId = `vpo_${crypto.randomUUID().replaceAll('-', '')}`;
      const opened = this.ctx.storage.transactionSync(() => {
        const now = Date.now();
        const { payable, currency } = this.balances(now);
        const result = this.payouts().open({
          payoutId,
          amount: input.amount,
          type: input.instant ? 'instant' : 'standard',
          account: profile.stripeAccountId as string,
          currency,
          requestedBy: input.userId,
          payable,
          now,
        });
        if (!('refusal' in result)) this.record(result, now);
        return result;
      });
      if ('refusal' in opened) return payoutRefused(opened.refusal);
      await this.runPayoutTasks(Date.now(), payoutId);
      await this.rearm();
      const row = this.payouts().get(payoutId) as PayoutRow;
      if (row.status === 'failed')
        return refusal('PSP_REQUEST_REJECTED', `Stripe refused the payout: ${row.failure_message ?? row.failure_code}`);
      return { ok: true, status: 200, body: this.payoutAnswer(row) };
    });
  }

  private payoutAnswer(row: PayoutRow) {
    const { tenantId: _t, version: _v, ...payout } = this.viewOf(row);
    const message = 'Payout initiated';
    return { success: true, message, amount: payout.amount, type: payout.type, estimatedArrival: payout.estimatedArrival, payout };
  }

  /** The venue's payouts, newest first. */
  listPayouts(limit: number, before?: { at: number; id: string }): VenuePayout[] {
    return this.payouts()
      .list(limit, before)
      .map((row) => this.viewOf(row));
  }

  /** A payout's Stripe event (`payout.paid`, `payout.failed`, …), once per event id. */
  async applyPayoutEvent(
    eventId: string,
    payoutId: string,
    seen: ProviderPayout,
  ): Promise<'applied' | 'duplicate' | 'unchanged' | 'unknown_payout'> {
    const result = this.ctx.storage.transactionSync(() => {
      if (!this.payouts().get(payoutId)) return 'unknown_payout';
      const now = Date.now();
      if (!new DedupInbox(this.ctx.storage.sql).claim(eventId, now)) return 'duplicate';
      const change = this.payouts().apply(payoutId, seen, now);
      if (!change) return 'unchanged';
      this.record(change, now);
      return 'applied';
    });
    await this.rearm();
    return result;
  }

  private payouts(): PayoutBook {
    return new PayoutBook(this.ctx.storage.sql, this.profile()?.venueId ?? 'unknown');
  }

  private viewOf(row: PayoutRow): VenuePayout {
    const profile = this.profile();
    return payoutView(row, profile?.tenantId ?? '', profile?.venueId ?? '');
  }

  /** Call inside a transaction: a payout's change moves `available` with its ledger lines and goes out as an event. */
  private record(change: PayoutChange, now: number): void {
    const delta = change.lines.filter((l) => l.account.endsWith(':available')).reduce((sum, l: LedgerLine) => sum - l.amount, 0);
    if (delta !== 0) this.book().addAvailable(delta, change.row.currency);
    this.outbox.append(
      {
        type: 'venue.payout_updated',
        tenantId: this.profile()?.tenantId,
        payload: { payout: this.viewOf(change.row), ledger: change.lines },
      },
      now,
    );
  }

  /** Runs the due Stripe calls of payouts (all, or one payout's): an outage retries later, a refusal fails the payout. */
  private async runPayoutTasks(now: number, only?: string): Promise<void> {
    const profile = this.profile();
    const connect = pspWith(this.env, this.config, 'stripe', 'connect')?.connect;
    if (!profile || !connect) return;
    const ids = { tenantId: profile.tenantId, venueId: profile.venueId, platformAccount: this.config.psp.stripePlatformAccountId };
    for (const task of this.payouts().dueTasks(now)) {
      if (only && task.payout_id !== only) continue;
      const row = this.payouts().get(task.payout_id);
      if (!row || (task.kind === 'submit' && row.status !== 'pending')) {
        this.payouts().unschedule(task.payout_id, task.kind);
        continue;
      }
      const result = await payoutCall(connect, row, task.kind, ids);
      this.ctx.storage.transactionSync(() => {
        const at = Date.now();
        if (result.ok) {
          this.payouts().unschedule(row.payout_id, task.kind);
          const change = result.payout ? this.payouts().apply(row.payout_id, result.payout, at) : null;
          if (change) this.record(change, at);
        } else if (task.kind === 'submit' && !result.failure.retryable) {
          const change = this.payouts().refuse(row.payout_id, result.failure.code ?? 'payout_refused', result.failure.message, at);
          if (change) this.record(change, at);
        } else {
          this.logger.warn('payout.call_failed', { payoutId: row.payout_id, task: task.kind, kind: result.failure.kind });
          this.payouts().retryLater(row.payout_id, task.kind, at + outboxBackoffMs(task.attempts + 1));
        }
      });
    }
  }

  protected override nextDeadline(): number | null {
    const times = [this.book().nextReleaseAt(), this.payouts().nextTaskAt()].filter((t): t is number => t !== null);
    return times.length ? Math.min(...times) : null;
  }

  /** Releases the events whose settlement time has come, and makes the Stripe calls payouts still owe. */
  protected override async onDeadline(now: number): Promise<void> {
    this.ctx.storage.transactionSync(() => {
      const { currency } = this.balances(now);
      for (const move of this.book().releaseDue(now)) this.emitMove(move, currency, now);
    });
    await this.runPayoutTasks(now);
  }
}

function payoutRefused(r: PayoutRefusal): Reply {
  if (r.code === 'VALIDATION_ERROR') return refusal(r.code, 'Validation failed', { errors: [{ field: r.field, message: r.message }] });
  return refusal(r.code, r.message);
}
