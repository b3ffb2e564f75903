import { checkPurchaseLimits } from '../src/domain/limits';
import type { EventProfile } from '../src/schemas/catalog';
import type { PurchaseCounts, PurchaseRequest, ReserveResult } from './event/types';
import { OutboxObject } from './OutboxObject';
import { PROFILE_SCHEMA_STEPS, ProfileStore } from './profile';

/**
 * One object per (tenant, event): the event profile (ticket types and prices, purchase limits) and the
 * purchase counters that the limits are checked against. Counting is serialized here, so two orders
 * racing for the last allowed ticket cannot both pass. A reservation lives until the payment confirms
 * or releases it, or until it expires (a payment that never came back).
 */
const SCHEMA = [
  ...PROFILE_SCHEMA_STEPS,
  `CREATE TABLE purchases (
     reservation_id TEXT PRIMARY KEY,
     user_id TEXT NOT NULL,
     payment_method TEXT NOT NULL,
     address_key TEXT,
     quantity INTEGER NOT NULL,
     status TEXT NOT NULL CHECK (status IN ('reserved', 'confirmed', 'released')),
     expires_at INTEGER,
     created_at INTEGER NOT NULL
   )`,
  "CREATE INDEX purchases_expiry ON purchases (expires_at) WHERE status = 'reserved'",
  // The limit check sums a buyer's, a card's and an address's purchases on every reservation: without these,
  // each reservation of a high-demand event would read all of its purchases three times.
  'CREATE INDEX purchases_user ON purchases (user_id)',
  'CREATE INDEX purchases_payment_method ON purchases (payment_method)',
  'CREATE INDEX purchases_address ON purchases (address_key) WHERE address_key IS NOT NULL',
] as const;

export const RESERVATION_TTL_MS = 30 * 60_000;

type ProfileBody = Omit<EventProfile, 'version' | 'updatedAt'>;

export class EventDO extends OutboxObject {
  private readonly profiles: ProfileStore<ProfileBody>;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env, 'EventDO', SCHEMA);
    this.profiles = new ProfileStore(ctx.storage);
  }

  profile(): EventProfile | null {
    return this.profiles.read();
  }

  async putProfile(body: ProfileBody): Promise<{ profile: EventProfile; created: boolean }> {
    const now = Date.now();
    const result = this.profiles.put(body, now, (profile) =>
      this.outbox.append({ type: 'event.upserted', tenantId: body.tenantId, payload: profile }, now),
    );
    await this.rearm();
    return result;
  }

  /** Live reservations and confirmed purchases of this user, payment method and address. */
  private counts(request: PurchaseRequest): PurchaseCounts {
    const q = (column: string, value: string | null) =>
      value === null
        ? 0
        : (this.ctx.storage.sql
            .exec<{ n: number | null }>(
              `SELECT SUM(quantity) AS n FROM purchases WHERE ${column} = ? AND status != 'released' AND reservation_id != ?`,
              value,
              request.reservationId,
            )
            .toArray()[0]?.n ?? 0);
    return {
      byUser: q('user_id', request.userId),
      byPaymentMethod: q('payment_method', request.paymentMethod),
      byAddress: q('address_key', request.addressKey),
    };
  }

  /** Reserves `quantity` tickets against the limits, idempotent on reservationId; decision and write in one transaction. */
  async reserve(request: PurchaseRequest): Promise<ReserveResult> {
    const profile = this.profile();
    if (!profile) return { ok: false, code: 'NOT_FOUND', message: 'Event not found' };
    if (request.profileVersion !== undefined && request.profileVersion !== profile.version) {
      return { ok: false, code: 'STALE_PROFILE', profile };
    }
    const now = Date.now();
    const result = this.ctx.storage.transactionSync((): ReserveResult => {
      const existing = this.ctx.storage.sql
        .exec<{ status: string }>('SELECT status FROM purchases WHERE reservation_id = ?', request.reservationId)
        .toArray()[0];
      if (existing && existing.status !== 'released') return { ok: true, alreadyReserved: true };
      const counts = this.counts(request);
      const decision = checkPurchaseLimits({
        limits: profile.limits,
        requested: request.quantity,
        priorByUser: counts.byUser,
        priorByPaymentMethod: counts.byPaymentMethod,
        priorByAddress: request.addressKey === null ? null : counts.byAddress,
      });
      if (!decision.ok) {
        return {
          ok: false,
          code: 'PURCHASE_LIMIT_EXCEEDED',
          message: `Purchase limit exceeded: ${decision.error.message}`,
          field: decision.error.field,
        };
      }
      this.ctx.storage.sql.exec(
        `INSERT INTO purchases (reservation_id, user_id, payment_method, address_key, quantity, status, expires_at, created_at)
         VALUES (?, ?, ?, ?, ?, 'reserved', ?, ?)
         ON CONFLICT (reservation_id) DO UPDATE SET status = 'reserved', quantity = excluded.quantity, expires_at = excluded.expires_at`,
        request.reservationId,
        request.userId,
        request.paymentMethod,
        request.addressKey,
        request.quantity,
        now + RESERVATION_TTL_MS,
        now,
      );
      return { ok: true, alreadyReserved: false };
    });
    await this.rearm();
    return result;
  }

  confirm(reservationId: string): boolean {
    return this.setStatus(reservationId, 'confirmed');
  }

  release(reservationId: string): boolean {
    return this.setStatus(reservationId, 'released');
  }

  private setStatus(reservationId: string, status: 'confirmed' | 'released'): boolean {
    const rows = this.ctx.storage.sql
      .exec(
        "UPDATE purchases SET status = ?, expires_at = NULL WHERE reservation_id = ? AND status = 'reserved' RETURNING reservation_id",
        status,
        reservationId,
      )
      .toArray();
    return rows.length === 1;
  }

  protected override nextDeadline(): number | null {
    const row = this.ctx.storage.sql
      .exec<{ at: number | null }>("SELECT MIN(expires_at) AS at FROM purchases WHERE status = 'reserved'")
      .toArray()[0];
    return row?.at ?? null;
  }

  protected override async onDeadline(now: number): Promise<void> {
    this.ctx.storage.sql.exec(
      "UPDATE purchases SET status = 'released', expires_at = NULL WHERE status = 'reserved' AND expires_at <= ?",
      now,
    );
  }
}
