import { DurableObject } from 'cloudflare:workers';
import { afterUserFailure, FACTORS, type Factor, factorDigestMessage, USER_LOCKOUT_WINDOW_MS } from '../src/domain/factors';
import { fromHex, importHmacKey, toHex } from '../src/lib/crypto';
import { objectConfig } from './config';
import type { CheckResult, Enrolment, EnrolResult, FactorValueCommand } from './factors/types';
import { applySchema } from './sql';

/**
 * One object per NoTap end user and tenant (named by lib/stubs.ts `userFactorsStub`). It owns the user's
 * enrolled factors — stored only as HMAC-SHA256(FACTOR_PEPPER, tenant, user, factor, normalized value)
 * digests, never the value — and the per-user lockout: USER_LOCKOUT_FAILURES wrong values within
 * USER_LOCKOUT_WINDOW_MS lock the user for USER_LOCKOUT_MS (new sessions refused, checks refused).
 * Values arrive normalized (domain/factors.ts) and are compared by WebCrypto's HMAC verify, which
 * does not exit early: constant time in the value.
 */
const SCHEMA = [
  'CREATE TABLE owner (id INTEGER PRIMARY KEY CHECK (id = 1), tenant_id TEXT NOT NULL, user_uuid TEXT NOT NULL, locked_until INTEGER)',
  'CREATE TABLE factors (factor TEXT PRIMARY KEY, digest TEXT NOT NULL, enrolled_at INTEGER NOT NULL)',
  'CREATE TABLE failures (seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL)',
] as const;

type OwnerRow = { tenant_id: string; user_uuid: string; locked_until: number | null };
type FactorRow = { factor: Factor; digest: string; enrolled_at: number };

const encoder = new TextEncoder();

export class UserFactorsDO extends DurableObject<Env> {
  private hmacKey: { pepper: string; key: Promise<CryptoKey> } | null = null;
  /** Checks run one at a time: a burst of guesses cannot all read "not locked" before any failure is counted. */
  private checks: Promise<unknown> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => applySchema(ctx.storage, SCHEMA));
  }

  private key(): Promise<CryptoKey> {
    const pepper = objectConfig(this.env).notap.factorPepper;
    if (this.hmacKey?.pepper !== pepper) this.hmacKey = { pepper, key: importHmacKey(pepper) };
    return this.hmacKey.key;
  }

  private owner(): OwnerRow | null {
    return this.ctx.storage.sql.exec<OwnerRow>('SELECT tenant_id, user_uuid, locked_until FROM owner WHERE id = 1').toArray()[0] ?? null;
  }

  private factorRows(): FactorRow[] {
    return this.ctx.storage.sql.exec<FactorRow>('SELECT factor, digest, enrolled_at FROM factors').toArray();
  }

  /** Enrols a factor, replacing an earlier value of the same factor. */
  async enrol(cmd: FactorValueCommand): Promise<EnrolResult> {
    const owner = this.owner();
    if (owner && (owner.tenant_id !== cmd.tenantId || owner.user_uuid !== cmd.userUuid)) return { kind: 'conflict' };
    const mac = await crypto.subtle.sign(
      'HMAC',
      await this.key(),
      encoder.encode(factorDigestMessage(cmd.tenantId, cmd.userUuid, cmd.factor, cmd.normalized)),
    );
    const now = Date.now();
    let replaced = false;
    this.ctx.storage.transactionSync(() => {
      this.ctx.storage.sql.exec(
        'INSERT INTO owner (id, tenant_id, user_uuid) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING',
        cmd.tenantId,
        cmd.userUuid,
      );
      replaced = this.ctx.storage.sql.exec('SELECT 1 FROM factors WHERE factor = ?', cmd.factor).toArray().length > 0;
      this.ctx.storage.sql.exec(
        'INSERT INTO factors (factor, digest, enrolled_at) VALUES (?, ?, ?) ON CONFLICT (factor) DO UPDATE SET digest = excluded.digest, enrolled_at = excluded.enrolled_at',
        cmd.factor,
        toHex(mac),
        now,
      );
    });
    return { kind: 'enrolled', factor: cmd.factor, enrolledAt: now, replaced };
  }

  /** Factor names and enrolment times (canonical order), and the lockout if one is running; never digests. */
  enrolment(tenantId: string): Enrolment {
    const owner = this.owner();
    if (!owner || owner.tenant_id !== tenantId) return { factors: [], lockedUntil: null };
    const rows = this.factorRows();
    const factors = FACTORS.flatMap((f) => rows.filter((r) => r.factor === f).map((r) => ({ factor: f, enrolledAt: r.enrolled_at })));
    const lockedUntil = owner.locked_until !== null && owner.locked_until > Date.now() ? owner.locked_until : null;
    return { factors, lockedUntil };
  }

  /** Compares a normalized value with the enrolled digest; a wrong value counts towards the user's lockout. */
  check(cmd: FactorValueCommand): Promise<CheckResult> {
    const run = this.checks.then(() => this.checkNow(cmd));
    this.checks = run.catch(() => undefined);
    return run;
  }

  private async checkNow(cmd: FactorValueCommand): Promise<CheckResult> {
    const owner = this.owner();
    if (!owner || owner.tenant_id !== cmd.tenantId || owner.user_uuid !== cmd.userUuid) return { kind: 'not_enrolled' };
    if (owner.locked_until !== null && owner.locked_until > Date.now()) return { kind: 'locked', until: owner.locked_until };
    const row = this.factorRows().find((r) => r.factor === cmd.factor);
    const digest = row ? fromHex(row.digest) : null;
    if (!digest) return { kind: 'not_enrolled' };
    const message = encoder.encode(factorDigestMessage(owner.tenant_id, owner.user_uuid, cmd.factor, cmd.normalized));
    if (await crypto.subtle.verify('HMAC', await this.key(), digest, message)) return { kind: 'match' };
    const now = Date.now();
    const recent = this.ctx.storage.sql
      .exec<{ at: number }>('SELECT at FROM failures WHERE at > ? ORDER BY at', now - USER_LOCKOUT_WINDOW_MS)
      .toArray()
      .map((r) => r.at);
    const next = afterUserFailure(recent, now);
    this.ctx.storage.transactionSync(() => {
      this.ctx.storage.sql.exec('DELETE FROM failures WHERE at <= ?', now - USER_LOCKOUT_WINDOW_MS);
      this.ctx.storage.sql.exec('INSERT INTO failures (at) VALUES (?)', now);
      if (next.lockedUntil !== null) this.ctx.storage.sql.exec('UPDATE owner SET locked_until = ? WHERE id = 1', next.lockedUntil);
    });
    return { kind: 'mismatch', lockedUntil: next.lockedUntil };
  }
}
