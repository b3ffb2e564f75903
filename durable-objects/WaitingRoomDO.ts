import {
  ADMISSION_WINDOW_MS,
  admissionBudget,
  type WaitingRoomAction,
  type WaitingRoomSettings,
  waitingRoomSettings,
} from '../src/domain/waiting-room';
import { waitingRoomShardStub } from '../src/lib/stubs';
import { OutboxObject } from './OutboxObject';
import { COORDINATOR_SCHEMA_STEPS, type EntryRow, type TokenRow } from './waiting-room/schema';
import type {
  Admission,
  Arrival,
  Departure,
  EnqueueResult,
  HoldResult,
  Numbered,
  RoomCounts,
  RoomRef,
  TokenUse,
  WaitingRoomActivity,
} from './waiting-room/types';

/** How often the coordinator admits while anyone waits or holds a token. */
export const TICK_MS = 1000;

/**
 * One coordinator per high-demand event (tenant, event). Joins and polls land on the shards; the shards
 * hand their arrivals here in batches, and this object alone numbers them (the order of the line) and
 * grants admissions, so the per-minute and active caps are counted in one place and cannot be overshot
 * whatever the number of shards. An admission is recorded here before its shard hears of it: a crash in
 * between leaves a slot counted but unused until its token expires, never a token uncounted.
 */
export class WaitingRoomDO extends OutboxObject {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env, 'WaitingRoomDO', COORDINATOR_SCHEMA_STEPS);
  }

  private get sql() {
    return this.ctx.storage.sql;
  }

  private room(): { tenantId: string; eventId: string; settings: WaitingRoomSettings } | null {
    const row = this.sql
      .exec<{ tenant_id: string; event_id: string; settings: string }>('SELECT tenant_id, event_id, settings FROM room WHERE id = 1')
      .toArray()[0];
    return row ? { tenantId: row.tenant_id, eventId: row.event_id, settings: waitingRoomSettings(JSON.parse(row.settings)) } : null;
  }

  /** Caps and timings follow the event's profile; the shard count stays as the room opened with. */
  private openRoom(ref: RoomRef): WaitingRoomSettings {
    const current = this.room();
    const settings = { ...ref.settings, shards: current?.settings.shards ?? ref.settings.shards };
    this.sql.exec(
      `INSERT INTO room (id, tenant_id, event_id, settings, next_number) VALUES (1, ?, ?, ?, 1)
       ON CONFLICT (id) DO UPDATE SET settings = excluded.settings`,
      ref.tenantId,
      ref.eventId,
      JSON.stringify(settings),
    );
    return settings;
  }

  /**
   * Numbers a shard's arrivals in the order given (a user already in line keeps the number they have) and
   * admits from the head of the line if the caps allow it now.
   */
  async enqueue(ref: RoomRef & { shard: number; arrivals: Arrival[] }): Promise<EnqueueResult> {
    const now = Date.now();
    const result = this.ctx.storage.transactionSync((): EnqueueResult => {
      const settings = this.openRoom(ref);
      const activities: WaitingRoomActivity[] = [];
      // First, so a user whose admission expired arrives as a new arrival rather than finding the old entry.
      this.expireTokens(now, activities);
      const numbers: Array<Omit<Numbered, 'ahead'>> = [];
      for (const arrival of ref.arrivals) {
        const live = this.sql
          .exec<EntryRow>("SELECT * FROM entries WHERE user_id = ? AND status IN ('waiting', 'admitted')", arrival.userId)
          .toArray()[0];
        if (live && live.queue_id !== arrival.queueId) {
          // The shard gave the user a new place (they left and came back before a tick reported it): the old
          // place is given up first, so leaving and joining again goes to the end of the line.
          this.applyDepartures([{ number: live.number, userId: live.user_id, reason: 'left' }], now, activities);
        } else if (live) {
          // A repeated arrival (the shard lost our answer) keeps its number, and its admission if it has one.
          const token = this.sql
            .exec<TokenRow>("SELECT * FROM tokens WHERE number = ? AND state IN ('active', 'held')", live.number)
            .toArray()[0];
          const admission = token
            ? { number: live.number, userId: live.user_id, queueId: live.queue_id, jti: token.jti, expiresAt: token.expires_at }
            : null;
          numbers.push({ userId: live.user_id, queueId: live.queue_id, number: live.number, admission });
          continue;
        }
        const next = this.sql
          .exec<{ n: number }>('UPDATE room SET next_number = next_number + 1 WHERE id = 1 RETURNING next_number - 1 AS n')
          .one().n;
        this.sql.exec(
          "INSERT INTO entries (number, user_id, queue_id, shard, status, joined_at, updated_at) VALUES (?, ?, ?, ?, 'waiting', ?, ?)",
          next,
          arrival.userId,
          arrival.queueId,
          ref.shard,
          arrival.joinedAt,
          now,
        );
        numbers.push({ userId: arrival.userId, queueId: arrival.queueId, number: next, admission: null });
        activities.push(this.activity(arrival.userId, 'joined', now, { queueId: arrival.queueId, number: next, shard: ref.shard }));
      }
      const admitted = this.admit(settings, now, activities);
      this.record(activities, now);
      // This call's own arrivals admitted at once go back with its answer; anyone else's at the next tick.
      const asked = new Set(numbers.map((n) => n.number));
      const mine = new Map(admitted.filter((a) => asked.has(a.number)).map((a) => [a.number, a]));
      for (const a of mine.values()) this.sql.exec('UPDATE tokens SET delivered = 1 WHERE jti = ?', a.jti);
      const numbered: Numbered[] = numbers.map((n) => ({
        ...n,
        ahead: this.aheadOf(n.number),
        admission: mine.get(n.number) ?? n.admission,
      }));
      return { numbered, admittedLastMinute: this.admittedSince(now - ADMISSION_WINDOW_MS) };
    });
    await this.rearm();
    return result;
  }

  private aheadOf(number: number): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM entries WHERE status = 'waiting' AND number < ?", number).one().n;
  }

  private admittedSince(since: number): number {
    return this.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM tokens WHERE issued_at > ?', since).one().n;
  }

  private activeTokens(): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM tokens WHERE state IN ('active', 'held')").one().n;
  }

  /** Admits the longest-waiting users the caps allow now; call inside a transaction. */
  private admit(settings: WaitingRoomSettings, now: number, activities: WaitingRoomActivity[]): Admission[] {
    this.expireTokens(now, activities);
    const budget = admissionBudget({
      settings,
      admittedInWindow: this.admittedSince(now - ADMISSION_WINDOW_MS),
      active: this.activeTokens(),
    });
    if (budget === 0) return [];
    const heads = this.sql.exec<EntryRow>("SELECT * FROM entries WHERE status = 'waiting' ORDER BY number LIMIT ?", budget).toArray();
    const expiresAt = now + settings.tokenTtlSeconds * 1000;
    return heads.map((entry) => {
      const jti = crypto.randomUUID();
      this.sql.exec("UPDATE entries SET status = 'admitted', updated_at = ? WHERE number = ?", now, entry.number);
      this.sql.exec(
        "INSERT INTO tokens (jti, number, user_id, shard, issued_at, expires_at, state) VALUES (?, ?, ?, ?, ?, ?, 'active')",
        jti,
        entry.number,
        entry.user_id,
        entry.shard,
        now,
        expiresAt,
      );
      activities.push(this.activity(entry.user_id, 'admitted', now, { queueId: entry.queue_id, number: entry.number, jti }));
      return { number: entry.number, userId: entry.user_id, queueId: entry.queue_id, jti, expiresAt };
    });
  }

  /** Unspent tokens past their expiry free their slot; a held one waits for its payment's outcome. */
  private expireTokens(now: number, activities: WaitingRoomActivity[]): void {
    const expired = this.sql
      .exec<TokenRow>("UPDATE tokens SET state = 'expired' WHERE state = 'active' AND expires_at <= ? RETURNING *", now)
      .toArray();
    for (const token of expired) {
      this.sql.exec("UPDATE entries SET status = 'expired', updated_at = ? WHERE number = ? AND status = 'admitted'", now, token.number);
      activities.push(this.activity(token.user_id, 'expired', now, { number: token.number, jti: token.jti }));
    }
  }

  private activity(userId: string, action: WaitingRoomAction, at: number, metadata: Record<string, unknown>): WaitingRoomActivity {
    return { id: crypto.randomUUID(), userId, action, at, metadata };
  }

  private record(activities: WaitingRoomActivity[], now: number): void {
    const room = this.room();
    if (!room || activities.length === 0) return;
    // One event per 500 activities keeps each message well under the queue's size limit.
    for (let i = 0; i < activities.length; i += 500) {
      this.outbox.append(
        {
          type: 'waiting_room.activity',
          tenantId: room.tenantId,
          payload: { tenantId: room.tenantId, eventId: room.eventId, activities: activities.slice(i, i + 500) },
        },
        now,
      );
    }
  }

  // ── the tick ───────────────────────────────────────────────────────────────

  protected override nextDeadline(): number | null {
    // Ticks run while someone waits or an admission is not yet delivered; an expiry that frees a slot
    // matters only to someone waiting, and the next arrival's call expires tokens itself.
    const row = this.sql
      .exec<{ busy: number; last_tick: number }>(
        `SELECT (SELECT COUNT(*) FROM entries WHERE status = 'waiting')
              + (SELECT COUNT(*) FROM tokens WHERE delivered = 0 AND state = 'active') AS busy, last_tick FROM room WHERE id = 1`,
      )
      .toArray()[0];
    if (!row || row.busy === 0) return null;
    return Math.max(row.last_tick + TICK_MS, Date.now());
  }

  /** Collects departures from every shard, admits, then hands each shard its admissions and ranks. */
  protected override async onDeadline(now: number): Promise<void> {
    const room = this.room();
    if (!room) return;
    this.sql.exec('UPDATE room SET last_tick = ? WHERE id = 1', now);
    const ref = { tenantId: room.tenantId, eventId: room.eventId };
    const shards = Array.from({ length: room.settings.shards }, (_, i) => waitingRoomShardStub(this.env, ref.tenantId, ref.eventId, i));
    const departures = (await Promise.all(shards.map((shard) => shard.report(room.settings.abandonAfterSeconds * 1000)))).flat();
    this.ctx.storage.transactionSync(() => {
      const activities: WaitingRoomActivity[] = [];
      this.applyDepartures(departures, now, activities);
      this.admit(room.settings, now, activities);
      this.record(activities, now);
    });
    await Promise.all(shards.map((shard, index) => this.syncShard(shard, index, room, now)));
  }

  private applyDepartures(departures: Departure[], now: number, activities: WaitingRoomActivity[]): void {
    for (const d of departures) {
      const entry = this.sql
        .exec<EntryRow>(
          "UPDATE entries SET status = ?, updated_at = ? WHERE number = ? AND status IN ('waiting', 'admitted') RETURNING *",
          d.reason,
          now,
          d.number,
        )
        .toArray()[0];
      if (!entry) continue;
      // An admitted user who leaves gives the slot back at once.
      this.sql.exec("UPDATE tokens SET state = 'revoked' WHERE number = ? AND state = 'active'", d.number);
      activities.push(this.activity(entry.user_id, d.reason, now, { number: d.number }));
    }
  }

  private async syncShard(shard: ReturnType<typeof waitingRoomShardStub>, index: number, ref: RoomRef, now: number): Promise<void> {
    const admissions = this.sql
      .exec<TokenRow & { queue_id: string }>(
        `SELECT t.*, e.queue_id FROM tokens t JOIN entries e ON e.number = t.number
         WHERE t.shard = ? AND t.delivered = 0 AND t.state = 'active'`,
        index,
      )
      .toArray()
      .map((t): Admission => ({ number: t.number, userId: t.user_id, queueId: t.queue_id, jti: t.jti, expiresAt: t.expires_at }));
    // Ranks: people waiting ahead of each of this shard's waiting users, in one ordered pass over the line.
    const ranks: Array<[number, number]> = [];
    let ahead = 0;
    for (const row of this.sql.exec<{ number: number; shard: number }>(
      "SELECT number, shard FROM entries WHERE status = 'waiting' ORDER BY number",
    )) {
      if (row.shard === index) ranks.push([row.number, ahead]);
      ahead++;
    }
    if (admissions.length === 0 && ranks.length === 0) return;
    const refused = await shard.sync(ref, { admissions, ranks, admittedLastMinute: this.admittedSince(now - ADMISSION_WINDOW_MS) });
    this.ctx.storage.transactionSync(() => {
      for (const a of admissions) this.sql.exec('UPDATE tokens SET delivered = 1 WHERE jti = ?', a.jti);
      const activities: WaitingRoomActivity[] = [];
      // Users who left between the report and the admission: the slot returns at once.
      for (const number of refused) {
        const token = this.sql
          .exec<TokenRow>("UPDATE tokens SET state = 'revoked' WHERE number = ? AND state = 'active' RETURNING *", number)
          .toArray()[0];
        this.sql.exec("UPDATE entries SET status = 'left', updated_at = ? WHERE number = ? AND status = 'admitted'", now, number);
        if (token) activities.push(this.activity(token.user_id, 'left', now, { number }));
      }
      this.record(activities, now);
    });
  }

  // ── tokens ─────────────────────────────────────────────────────────────────

  private token(jti: string): TokenRow | undefined {
    return this.sql.exec<TokenRow>('SELECT * FROM tokens WHERE jti = ?', jti).toArray()[0];
  }

  /** Reserves the token for one transaction: its retries pass, any other transaction is refused. */
  holdToken(use: TokenUse): HoldResult {
    const now = Date.now();
    return this.ctx.storage.transactionSync((): HoldResult => {
      const token = this.token(use.jti);
      if (!token) return { ok: false, reason: 'unknown' };
      if (token.user_id !== use.userId) return { ok: false, reason: 'wrong_user' };
      if (token.holder === use.transactionId && (token.state === 'held' || token.state === 'spent')) return { ok: true };
      if (token.state === 'held') return { ok: false, reason: 'in_use' };
      if (token.state !== 'active') return { ok: false, reason: token.state };
      if (token.expires_at <= now) return { ok: false, reason: 'expired' };
      this.sql.exec("UPDATE tokens SET state = 'held', holder = ? WHERE jti = ?", use.transactionId, use.jti);
      return { ok: true };
    });
  }

  /** The transaction did not complete (refused later, declined, abandoned): the token is usable again. */
  async releaseToken(use: Pick<TokenUse, 'jti' | 'transactionId'>): Promise<boolean> {
    const now = Date.now();
    const released =
      this.sql
        .exec(
          "UPDATE tokens SET state = CASE WHEN expires_at <= ? THEN 'expired' ELSE 'active' END, holder = NULL WHERE jti = ? AND state = 'held' AND holder = ? RETURNING jti",
          now,
          use.jti,
          use.transactionId,
        )
        .toArray().length === 1;
    if (released) await this.rearm();
    return released;
  }

  /** The transaction completed: the token is spent and its slot freed for the next in line. */
  async spendToken(use: Pick<TokenUse, 'jti' | 'transactionId'>): Promise<boolean> {
    const now = Date.now();
    const spent = this.ctx.storage.transactionSync((): TokenRow | null => {
      const token = this.sql
        .exec<TokenRow>(
          "UPDATE tokens SET state = 'spent' WHERE jti = ? AND holder = ? AND state IN ('held', 'revoked') RETURNING *",
          use.jti,
          use.transactionId,
        )
        .toArray()[0];
      if (!token) return null;
      this.sql.exec("UPDATE entries SET status = 'purchased', updated_at = ? WHERE number = ?", now, token.number);
      this.record([this.activity(token.user_id, 'purchased', now, { number: token.number, transactionId: use.transactionId })], now);
      return token;
    });
    await this.rearm();
    const room = this.room();
    // The buyer's place is over: the shard stops showing the spent token, and a new join is a new place.
    if (spent && room) await waitingRoomShardStub(this.env, room.tenantId, room.eventId, spent.shard).purchased(spent.user_id);
    return spent !== null;
  }

  /** An admin takes a user out: their place and any unspent token are gone. */
  async revoke(userId: string): Promise<{ revoked: boolean; tokensRevoked: number }> {
    const now = Date.now();
    const outcome = this.ctx.storage.transactionSync(() => {
      const entry = this.sql
        .exec<EntryRow>(
          "UPDATE entries SET status = 'revoked', updated_at = ? WHERE user_id = ? AND status IN ('waiting', 'admitted') RETURNING *",
          now,
          userId,
        )
        .toArray()[0];
      const tokens = this.sql
        .exec("UPDATE tokens SET state = 'revoked' WHERE user_id = ? AND state IN ('active', 'held') RETURNING jti", userId)
        .toArray().length;
      if (entry) this.record([this.activity(userId, 'revoked', now, { number: entry.number, tokensRevoked: tokens })], now);
      return { entry, tokens };
    });
    const room = this.room();
    if (outcome.entry && room) await waitingRoomShardStub(this.env, room.tenantId, room.eventId, outcome.entry.shard).revoked(userId);
    await this.rearm();
    return { revoked: outcome.entry !== undefined || outcome.tokens > 0, tokensRevoked: outcome.tokens };
  }

  counts(): RoomCounts {
    const now = Date.now();
    const n = (query: string, ...args: unknown[]) => this.sql.exec<{ n: number }>(query, ...args).one().n;
    return {
      waiting: n("SELECT COUNT(*) AS n FROM entries WHERE status = 'waiting'"),
      active: this.activeTokens(),
      admittedLastMinute: this.admittedSince(now - ADMISSION_WINDOW_MS),
      admittedTotal: n('SELECT COUNT(*) AS n FROM tokens'),
      spent: n("SELECT COUNT(*) AS n FROM tokens WHERE state = 'spent'"),
    };
  }
}
