import { DurableObject } from 'cloudflare:workers';
import type { Config } from '../src/env';
import { type Logger, loggerFor } from '../src/lib/logger';
import { objectConfig } from './config';
import { OUTBOX_SCHEMA_STEPS, OUTBOX_UPGRADE_STEPS, Outbox } from './outbox';
import { applySchema, setAlarmNoLaterThan } from './sql';

/**
 * Base for every object that emits events: schema steps (outbox first), the transactional outbox, and
 * one alarm shared by the outbox flush and the subclass's own deadlines (expiries, reminders). On start
 * it re-arms the alarm, so a crash between a commit and its setAlarm cannot strand a row or a deadline.
 */
export abstract class OutboxObject extends DurableObject<Env> {
  protected readonly outbox: Outbox;

  constructor(
    ctx: DurableObjectState,
    env: Env,
    protected readonly objectName: string,
    ownSchemaSteps: readonly string[],
  ) {
    super(ctx, env);
    this.outbox = new Outbox(ctx.storage, { object: objectName, id: ctx.id.toString() });
    ctx.blockConcurrencyWhile(async () => {
      await null; // let the subclass constructor finish before its hooks are called
      applySchema(ctx.storage, [...OUTBOX_SCHEMA_STEPS, ...ownSchemaSteps]);
      applySchema(ctx.storage, OUTBOX_UPGRADE_STEPS, '_outbox_schema');
      await this.rearm();
    });
  }

  /** The Worker's configuration, as this object sees it. */
  protected get config(): Config {
    return objectConfig(this.env);
  }

  /** Log lines of this object name it. */
  protected get logger(): Logger {
    return loggerFor(this.env, { object: this.objectName });
  }

  /** The outbox consumer confirms events it has put in Postgres, so they are not sent again. */
  async confirmOutboxEvents(eventIds: string[]): Promise<number> {
    const confirmed = this.outbox.confirm(eventIds, Date.now());
    // The alarm still armed for redelivery has nothing left to do once every row is confirmed and no
    // deadline waits: drop it, so a finished object (one per payment) is not woken again for nothing.
    if (this.outbox.nextDueAt() === null && this.nextDeadline() === null) await this.ctx.storage.deleteAlarm();
    return confirmed;
  }

  /** The subclass's earliest pending deadline (ms), or null. */
  protected nextDeadline(): number | null {
    return null;
  }

  /** Runs due deadlines; called by alarm() before the outbox flush, so events it appends go out at once. */
  protected async onDeadline(_now: number): Promise<void> {}

  /** Call after a transaction that appended outbox rows or moved a deadline. */
  protected async rearm(): Promise<void> {
    const candidates = [this.outbox.nextDueAt(), this.nextDeadline()].filter((t): t is number => t !== null);
    if (candidates.length === 0) return;
    await setAlarmNoLaterThan(this.ctx.storage, Math.min(...candidates));
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    await this.onDeadline(now);
    await this.outbox.flush(this.env.OUTBOX_QUEUE, now);
    await this.rearm();
  }
}
