import { DurableObject } from 'cloudflare:workers';
import { applySchema, setAlarmNoLaterThan } from './sql';

/**
 * Remembers internal-request signatures until their timestamp leaves the ±300 s window, so each
 * signed request is accepted once. Sharded by the signature's first byte (lib/stubs.ts); only
 * signatures that already verified reach it, so it cannot be filled by forgeries.
 */
const SCHEMA = [
  'CREATE TABLE seen (key TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)',
  'CREATE INDEX seen_expiry ON seen (expires_at)',
] as const;

export class ReplayGuardDO extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => applySchema(ctx.storage, SCHEMA));
  }

  /** True the first time `key` is claimed before `expiresAt` (ms); false for a replay. */
  async claim(key: string, expiresAt: number): Promise<boolean> {
    const now = Date.now();
    const fresh = this.ctx.storage.transactionSync(() => {
      const existing = this.ctx.storage.sql.exec<{ expires_at: number }>('SELECT expires_at FROM seen WHERE key = ?', key).toArray()[0];
      if (existing && existing.expires_at > now) return false;
      this.ctx.storage.sql.exec(
        'INSERT INTO seen (key, expires_at) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at',
        key,
        expiresAt,
      );
      return true;
    });
    if (fresh) await setAlarmNoLaterThan(this.ctx.storage, expiresAt);
    return fresh;
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    this.ctx.storage.sql.exec('DELETE FROM seen WHERE expires_at <= ?', now);
    const next = this.ctx.storage.sql.exec<{ at: number | null }>('SELECT MIN(expires_at) AS at FROM seen').toArray()[0];
    if (next?.at != null) await this.ctx.storage.setAlarm(next.at);
  }
}
