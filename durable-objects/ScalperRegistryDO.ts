import { OutboxObject } from './OutboxObject';
import { KnownScalper, type ScalperInput } from './risk/types';

const SCHEMA = [
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

/**
 * One per tenant: the known-scalper list, the record of who was listed, by whom and why. Each entry also
 * flags its user's and device's RiskDO, which is what the fraud score reads on every purchase; this list
 * is what admins add to and remove from, and what reaches Postgres (known_scalpers) through the outbox.
 */
export class ScalperRegistryDO extends OutboxObject {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env, 'ScalperRegistryDO', SCHEMA);
  }

  private get sql() {
    return this.ctx.storage.sql;
  }

  /** Records a known scalper and says which subjects to flag. */
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

  /** Marks the entry removed; null when there is no such active entry. */
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
