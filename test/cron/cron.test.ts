import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { CRON } from '../../src/cron/schedules';
import worker from '../../src/index';
import { heartbeatStub } from '../../src/lib/stubs';
import { rows, sql } from '../helpers/db';

async function runCron(cron: string) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ cron, scheduledTime: new Date() }), env, ctx);
  await waitOnExecutionContext(ctx);
}

describe('scheduled handlers', () => {
  it('every 5 minutes: sends a heartbeat through the pipeline probe', async () => {
    const before = (await heartbeatStub(env).status()).lastSeq;
    await runCron(CRON.everyFiveMinutes);
    const after = await heartbeatStub(env).status();
    expect(after.lastSeq).toBe(before + 1);
    expect(after.outbox.pending + (after.outbox.lastSentAt ? 1 : 0)).toBeGreaterThan(0);
  });

  it('daily: removes dedup records and processed webhooks older than 30 days, keeps the rest', async () => {
    const old = `old-${crypto.randomUUID()}`;
    const recent = `recent-${crypto.randomUUID()}`;
    await rows(sql`INSERT INTO processed_events (event_id, event_type, source, processed_at) VALUES
      (${old}, 'x.y', 'test', now() - interval '31 days'), (${recent}, 'x.y', 'test', now() - interval '29 days')`);
    const oldHook = `wh-${crypto.randomUUID()}`;
    const pendingHook = `wh-${crypto.randomUUID()}`;
    await rows(sql`INSERT INTO webhook_inbox (webhook_id, provider, event_type, payload, status, processed_at) VALUES
      (${oldHook}, 'stripe', 'payment_intent.succeeded', '{}', 'processed', now() - interval '40 days'),
      (${pendingHook}, 'stripe', 'payment_intent.succeeded', '{}', 'failed', now() - interval '40 days')`);

    await runCron(CRON.daily);

    const events = await rows<{ event_id: string }>(sql`SELECT event_id FROM processed_events WHERE event_id IN (${old}, ${recent})`);
    expect(events.map((e) => e.event_id)).toEqual([recent]);
    const hooks = await rows<{ webhook_id: string }>(
      sql`SELECT webhook_id FROM webhook_inbox WHERE webhook_id IN (${oldHook}, ${pendingHook})`,
    );
    expect(hooks.map((h) => h.webhook_id)).toEqual([pendingHook]);
  });

  it('yearly: generates the 1099-DA forms of the year just ended, and completes', async () => {
    await expect(runCron(CRON.yearly)).resolves.toBeUndefined();
  });

  it('an unknown schedule fails loudly', async () => {
    await expect(runCron('1 2 3 4 5')).rejects.toThrow('no jobs for cron 1 2 3 4 5');
  });
});
