import { DurableObject } from 'cloudflare:workers';
import { estimatedWaitSeconds, type WaitingRoomSettings } from '../src/domain/waiting-room';
import { signAdmissionToken } from '../src/lib/admission-token';
import { waitingRoomStub } from '../src/lib/stubs';
import { objectConfig } from './config';
import { applySchema } from './sql';
import type { Admission, Departure, PlaceView, RoomRef, ShardSync } from './waiting-room/types';

const SCHEMA = [
  `CREATE TABLE members (
     user_id TEXT PRIMARY KEY,
     queue_id TEXT NOT NULL,
     number INTEGER,
     status TEXT NOT NULL CHECK (status IN ('waiting', 'admitted', 'left', 'abandoned', 'revoked')),
     joined_at INTEGER NOT NULL,
     last_seen_at INTEGER NOT NULL,
     ahead INTEGER NOT NULL DEFAULT 0,
     token TEXT,
     token_expires_at INTEGER,
     reported INTEGER NOT NULL DEFAULT 1
   )`,
  'CREATE INDEX members_unnumbered ON members (joined_at) WHERE number IS NULL',
  'CREATE UNIQUE INDEX members_number ON members (number)',
  'CREATE TABLE shard (id INTEGER PRIMARY KEY CHECK (id = 1), admitted_last_minute INTEGER NOT NULL)',
] as const;

type MemberRow = {
  user_id: string;
  queue_id: string;
  number: number | null;
  status: 'waiting' | 'admitted' | 'left' | 'abandoned' | 'revoked';
  ahead: number;
  token: string | null;
  token_expires_at: number | null;
};

/** Most arrivals one call to the coordinator carries. */
const ARRIVALS_PER_CALL = 500;
/** A join waiting on another request's call to the coordinator looks again this often. */
const NUMBERING_POLL_MS = 2;
const NUMBERING_TIMEOUT_MS = 15_000;

/**
 * One join shard of a waiting room: it holds its users' places, answers their joins and polls, and hands
 * out their admission tokens. Arrivals that come in while a call to the coordinator is under way wait and
 * go together in the next one, so the coordinator sees a few calls per shard however fast people join.
 */
export class WaitingRoomShardDO extends DurableObject<Env> {
  private numbering = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => applySchema(ctx.storage, SCHEMA));
  }

  private get sql() {
    return this.ctx.storage.sql;
  }

  private member(userId: string): MemberRow | undefined {
    return this.sql.exec<MemberRow>('SELECT * FROM members WHERE user_id = ?', userId).toArray()[0];
  }

  /** Joining again keeps the place (and the token) the user has; after leaving, it is a new place at the end. */
  async join(ref: RoomRef & { shard: number; userId: string }): Promise<PlaceView> {
    const now = Date.now();
    const current = this.member(ref.userId);
    if (current && this.holdsPlace(current, now)) {
      this.sql.exec('UPDATE members SET last_seen_at = ? WHERE user_id = ?', now, ref.userId);
    } else {
      this.sql.exec(
        `INSERT INTO members (user_id, queue_id, number, status, joined_at, last_seen_at, ahead, token, token_expires_at, reported)
         VALUES (?, ?, NULL, 'waiting', ?, ?, 0, NULL, NULL, 1)
         ON CONFLICT (user_id) DO UPDATE SET queue_id = excluded.queue_id, number = NULL, status = 'waiting', joined_at = excluded.joined_at,
           last_seen_at = excluded.last_seen_at, ahead = 0, token = NULL, token_expires_at = NULL, reported = 1`,
        ref.userId,
        crypto.randomUUID(),
        now,
        now,
      );
    }
    await this.untilNumbered(ref, ref.userId);
    return this.view(this.member(ref.userId) as MemberRow, ref.settings);
  }

  /**
   * Waits until the user has a number. Whoever finds no call under way makes one for every arrival still
   * unnumbered; the others poll on their own timers rather than await that call's promise, which belongs
   * to another request.
   */
  private async untilNumbered(ref: RoomRef & { shard: number }, userId: string): Promise<void> {
    const deadline = Date.now() + NUMBERING_TIMEOUT_MS;
    while (this.member(userId)?.number === null) {
      if (Date.now() > deadline) throw new Error('the waiting room coordinator did not number the arrival in time');
      if (this.numbering) {
        await new Promise((resolve) => setTimeout(resolve, NUMBERING_POLL_MS));
        continue;
      }
      this.numbering = true;
      try {
        await this.numberArrivals(ref);
      } finally {
        this.numbering = false;
      }
    }
  }

  private async numberArrivals(ref: RoomRef & { shard: number }): Promise<void> {
    const arrivals = this.sql
      .exec<{ user_id: string; queue_id: string; joined_at: number }>(
        "SELECT user_id, queue_id, joined_at FROM members WHERE number IS NULL AND status = 'waiting' ORDER BY joined_at, rowid LIMIT ?",
        ARRIVALS_PER_CALL,
      )
      .toArray()
      .map((m) => ({ userId: m.user_id, queueId: m.queue_id, joinedAt: m.joined_at }));
    if (arrivals.length === 0) return;
    const result = await waitingRoomStub(this.env, ref.tenantId, ref.eventId).enqueue({ ...ref, arrivals });
    const tokens = await this.sign(
      ref,
      result.numbered.flatMap((n) => (n.admission ? [n.admission] : [])),
    );
    this.ctx.storage.transactionSync(() => {
      this.saveAdmittedLastMinute(result.admittedLastMinute);
      for (const n of result.numbered) {
        const token = tokens.get(n.number);
        this.sql.exec(
          // Only a place still waiting for its number: one given up meanwhile stays given up (an admission the
          // coordinator grants it is refused at the next sync, which frees the slot).
          `UPDATE members SET number = ?, queue_id = ?, ahead = ?, status = ?, token = ?, token_expires_at = ?
           WHERE user_id = ? AND status = 'waiting' AND number IS NULL`,
          n.number,
          n.queueId,
          n.ahead,
          token ? 'admitted' : 'waiting',
          token?.token ?? null,
          token?.expiresAt ?? null,
          n.userId,
        );
      }
    });
  }

  private async sign(ref: RoomRef, admissions: Admission[]): Promise<Map<number, { token: string; expiresAt: number }>> {
    const secret = objectConfig(this.env).queueTokenSecret;
    const now = Date.now();
    const signed = await Promise.all(
      admissions.map(async (a) => {
        const claims = {
          sub: a.userId,
          tenantId: ref.tenantId,
          eventId: ref.eventId,
          queueId: a.queueId,
          jti: a.jti,
          exp: Math.floor(a.expiresAt / 1000),
        };
        return [a.number, { token: await signAdmissionToken(secret, claims, now), expiresAt: a.expiresAt }] as const;
      }),
    );
    return new Map(signed);
  }

  private saveAdmittedLastMinute(n: number): void {
    this.sql.exec(
      'INSERT INTO shard (id, admitted_last_minute) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET admitted_last_minute = excluded.admitted_last_minute',
      n,
    );
  }

  private view(member: MemberRow, settings: WaitingRoomSettings): PlaceView {
    const admittedLastMinute =
      this.sql.exec<{ n: number }>('SELECT admitted_last_minute AS n FROM shard WHERE id = 1').toArray()[0]?.n ?? 0;
    const base = { queueId: member.queue_id, position: member.number as number };
    if (member.status === 'admitted' && member.token && member.token_expires_at !== null) {
      return {
        ...base,
        ahead: 0,
        estimatedWaitSeconds: 0,
        status: 'admitted',
        accessToken: member.token,
        expiresAt: new Date(member.token_expires_at).toISOString(),
      };
    }
    return {
      ...base,
      ahead: member.ahead,
      estimatedWaitSeconds: estimatedWaitSeconds(member.ahead, admittedLastMinute, settings.admitPerMinute),
      status: 'waiting',
    };
  }

  /** Waiting, or admitted with a token not yet expired: an expired admission is over, and joining again starts a new place. */
  private holdsPlace(member: MemberRow, now: number): boolean {
    if (member.status === 'waiting') return true;
    return member.status === 'admitted' && (member.token_expires_at === null || member.token_expires_at > now);
  }

  /** A poll: it also tells the room the user is still there. Null when the user holds no place here. */
  status(userId: string, settings: WaitingRoomSettings): PlaceView | null {
    const member = this.member(userId);
    if (!member || member.number === null || !this.holdsPlace(member, Date.now())) return null;
    this.sql.exec('UPDATE members SET last_seen_at = ? WHERE user_id = ?', Date.now(), userId);
    return this.view(member, settings);
  }

  /** Gives up the place (and an unused token); the coordinator hears of it at its next tick. */
  leave(userId: string): boolean {
    return (
      this.sql
        .exec(
          "UPDATE members SET status = 'left', reported = 0, token = NULL WHERE user_id = ? AND status IN ('waiting', 'admitted') RETURNING user_id",
          userId,
        )
        .toArray().length === 1
    );
  }

  /** The coordinator's tick, first half: users who left, and waiting users silent past the abandon delay. */
  report(abandonAfterMs: number): Departure[] {
    const now = Date.now();
    return this.ctx.storage.transactionSync(() => {
      this.sql.exec(
        "UPDATE members SET status = 'abandoned', reported = 0 WHERE status = 'waiting' AND number IS NOT NULL AND last_seen_at <= ?",
        now - abandonAfterMs,
      );
      const gone = this.sql
        .exec<{ number: number; user_id: string; status: 'left' | 'abandoned' }>(
          'UPDATE members SET reported = 1 WHERE reported = 0 AND number IS NOT NULL RETURNING number, user_id, status',
        )
        .toArray();
      return gone.map((g) => ({ number: g.number, userId: g.user_id, reason: g.status }));
    });
  }

  /**
   * The tick's second half: admissions to deliver and everyone's rank. Returns the numbers of admissions
   * whose user is no longer waiting, so the coordinator frees those slots.
   */
  async sync(ref: RoomRef, update: ShardSync): Promise<number[]> {
    const members = new Map(
      update.admissions.map(
        (a) => [a.number, this.sql.exec<MemberRow>('SELECT * FROM members WHERE number = ?', a.number).toArray()[0]] as const,
      ),
    );
    const deliverable = update.admissions.filter((a) => members.get(a.number)?.status === 'waiting');
    const tokens = await this.sign(ref, deliverable);
    const refused: number[] = [];
    this.ctx.storage.transactionSync(() => {
      this.saveAdmittedLastMinute(update.admittedLastMinute);
      for (const a of update.admissions) {
        const token = tokens.get(a.number);
        const updated = token
          ? this.sql
              .exec(
                "UPDATE members SET status = 'admitted', token = ?, token_expires_at = ?, ahead = 0 WHERE number = ? AND status = 'waiting' RETURNING number",
                token.token,
                token.expiresAt,
                a.number,
              )
              .toArray().length
          : 0;
        if (updated === 0) refused.push(a.number);
      }
      for (const [number, ahead] of update.ranks)
        this.sql.exec("UPDATE members SET ahead = ? WHERE number = ? AND status = 'waiting'", ahead, number);
    });
    return refused;
  }

  /** The user's token was spent by a completed purchase: the place is over (not reported back: the coordinator knows). */
  purchased(userId: string): void {
    this.sql.exec("UPDATE members SET status = 'left', token = NULL, reported = 1 WHERE user_id = ? AND status = 'admitted'", userId);
  }

  /** The coordinator revoked the user: the place is gone here too. */
  revoked(userId: string): void {
    this.sql.exec("UPDATE members SET status = 'revoked', token = NULL WHERE user_id = ? AND status IN ('waiting', 'admitted')", userId);
  }
}
