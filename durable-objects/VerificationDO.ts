import { type AttemptState, applyAttempt, asOf, attemptRefusal, attemptsLeft, type Factor } from '../src/domain/factors';
import { userFactorsStub } from '../src/lib/stubs';
import { OutboxObject } from './OutboxObject';
import { JsonRecord, jsonRecordTable } from './record';
import {
  type CreateVerificationCommand,
  type CreateVerificationResult,
  RETAIN_AFTER_EXPIRY_MS,
  type VerificationView,
  type VerifyCommand,
  type VerifyResult,
} from './verification/types';

/**
 * One object per NoTap verification session (named by its `sess_…` id). It owns the required factors,
 * the factors passed, wrong attempts per factor and per session, the status (pending → verified | locked |
 * expired, domain/factors.ts) and the 300 s expiry (alarm). A verify asks the user's UserFactorsDO to
 * compare the value: the value only passes through memory here, it is never stored. The parallel PSP
 * checkout session is referenced by id (its own CheckoutSessionDO owns it), so its URL can be handed out
 * after verification even when it was created after initiate answered. A record is kept for
 * RETAIN_AFTER_EXPIRY_MS past its expiry (for GET), then deleted. Nothing here is projected to Postgres.
 */
const SCHEMA = [jsonRecordTable('session')];

type SessionRecord = Omit<VerificationView, 'attemptsLeft' | 'passedFactors'> & {
  passedFactors: Factor[];
  failures: Partial<Record<Factor, number>>;
  totalFailures: number;
  updatedAt: number;
};

export class VerificationDO extends OutboxObject {
  /** Attempts run one at a time: concurrent guesses cannot all pass the limit check before one is counted. */
  private attempts: Promise<unknown> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env, 'VerificationDO', SCHEMA);
  }

  private load(): SessionRecord | null {
    return new JsonRecord<SessionRecord>(this.ctx.storage.sql, 'session').load();
  }

  private save(record: SessionRecord): void {
    new JsonRecord<SessionRecord>(this.ctx.storage.sql, 'session').save(record);
  }

  private view(r: SessionRecord): VerificationView {
    const { failures: _f, totalFailures: _t, updatedAt: _u, ...rest } = r;
    return { ...rest, attemptsLeft: attemptsLeft(attemptState(r)) };
  }

  /** The record as of now: a pending session past its deadline is written as expired (the alarm may lag). */
  private current(now: number): SessionRecord | null {
    const record = this.load();
    if (!record) return null;
    if (asOf(attemptState(record), now).status !== record.status) {
      const expired: SessionRecord = { ...record, status: 'expired', updatedAt: now };
      this.save(expired);
      return expired;
    }
    return record;
  }

  async create(cmd: CreateVerificationCommand): Promise<CreateVerificationResult> {
    if (this.load()) return { kind: 'exists' };
    const now = Date.now();
    const record: SessionRecord = {
      sessionId: cmd.sessionId,
      tenantId: cmd.tenantId,
      userUuid: cmd.userUuid,
      status: 'pending',
      riskLevel: cmd.riskLevel,
      transactionAmount: cmd.transactionAmount,
      requiredFactors: cmd.requiredFactors,
      enrolledFactors: cmd.enrolledFactors,
      passedFactors: [],
      failures: {},
      totalFailures: 0,
      createdAt: now,
      expiresAt: now + cmd.ttlSeconds * 1000,
      verifiedAt: null,
      updatedAt: now,
      psp: cmd.psp,
    };
    this.save(record);
    await this.rearm();
    return { kind: 'created', view: this.view(record) };
  }

  /** The session for its tenant; null when unknown or another tenant's. */
  get(tenantId: string): VerificationView | null {
    const record = this.current(Date.now());
    return record && record.tenantId === tenantId ? this.view(record) : null;
  }

  /** What became of the parallel PSP session after initiate answered (a late success clears the error). */
  recordPspOutcome(tenantId: string, error: string | null): boolean {
    const record = this.load();
    if (!record?.psp || record.tenantId !== tenantId) return false;
    this.save({ ...record, psp: { ...record.psp, error }, updatedAt: Date.now() });
    return true;
  }

  verify(cmd: VerifyCommand): Promise<VerifyResult> {
    const run = this.attempts.then(() => this.verifyNow(cmd));
    this.attempts = run.catch(() => undefined);
    return run;
  }

  private async verifyNow(cmd: VerifyCommand): Promise<VerifyResult> {
    const before = this.current(Date.now());
    if (!before || before.tenantId !== cmd.tenantId) return { kind: 'not_found' };
    const refusal = attemptRefusal(attemptState(before), cmd.factor, Date.now());
    if (refusal) return { kind: 'refused', reason: refusal, view: this.view(before) };

    const check = await userFactorsStub(this.env, before.tenantId, before.userUuid).check({
      tenantId: before.tenantId,
      userUuid: before.userUuid,
      factor: cmd.factor,
      normalized: cmd.normalized,
    });
    // The alarm may have run while the user's object compared: judge against the state as of now.
    const record = this.current(Date.now());
    if (!record) return { kind: 'not_found' };
    if (check.kind === 'locked') return { kind: 'user_locked', until: check.until, view: this.view(record) };
    if (check.kind === 'not_enrolled') return { kind: 'not_enrolled', view: this.view(record) };
    const late = attemptRefusal(attemptState(record), cmd.factor, Date.now());
    if (late) return { kind: 'refused', reason: late, view: this.view(record) };

    const { state, outcome } = applyAttempt(attemptState(record), cmd.factor, check.kind === 'match');
    const now = Date.now();
    const next: SessionRecord = {
      ...record,
      status: state.status,
      passedFactors: state.passed,
      failures: state.failures,
      totalFailures: state.totalFailures,
      verifiedAt: state.status === 'verified' ? now : record.verifiedAt,
      updatedAt: now,
    };
    this.save(next);
    return { kind: outcome, view: this.view(next) };
  }

  // ---- deadlines ----------------------------------------------------------------------------------

  protected override nextDeadline(): number | null {
    const record = this.load();
    if (!record) return null;
    return record.status === 'pending' ? record.expiresAt : record.expiresAt + RETAIN_AFTER_EXPIRY_MS;
  }

  protected override async onDeadline(now: number): Promise<void> {
    const record = this.current(now);
    if (record && record.expiresAt + RETAIN_AFTER_EXPIRY_MS <= now) this.ctx.storage.sql.exec('DELETE FROM session');
  }
}

function attemptState(r: SessionRecord): AttemptState {
  return {
    status: r.status,
    required: r.requiredFactors,
    passed: r.passedFactors,
    failures: r.failures,
    totalFailures: r.totalFailures,
    expiresAt: r.expiresAt,
  };
}
