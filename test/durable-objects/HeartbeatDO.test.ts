import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { OUTBOX_REDELIVER_AFTER_MS, Outbox } from '../../durable-objects/outbox';
import { eventually } from '../helpers/db';
import { heartbeatRow } from '../helpers/events';

function freshHeartbeat() {
  const id = env.HEARTBEATS.idFromName(`test-${crypto.randomUUID()}`);
  return { id: id.toString(), stub: env.HEARTBEATS.get(id) };
}

type OutboxRow = {
  event_id: string;
  type: string;
  payload: string;
  sent_at: number | null;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
};

describe('HeartbeatDO and the transactional outbox', () => {
  it('writes the state change and its outbox event in one transaction, and arms the alarm', async () => {
    const { stub } = freshHeartbeat();
    const beat = await stub.beat();
    expect(beat.seq).toBe(1);
    await runInDurableObject(stub, async (_instance, state) => {
      const [heartbeat] = state.storage.sql.exec<{ seq: number }>('SELECT seq FROM heartbeat').toArray();
      const outbox = state.storage.sql.exec<OutboxRow>('SELECT * FROM outbox').toArray();
      expect(heartbeat?.seq).toBe(1);
      expect(outbox).toHaveLength(1);
      expect(outbox[0]).toMatchObject({ event_id: beat.eventId, type: 'system.heartbeat', sent_at: null });
      expect(JSON.parse(outbox[0]?.payload ?? '{}')).toEqual({ seq: 1, beatAt: beat.beatAt });
      expect(await state.storage.getAlarm()).not.toBeNull();
    });
  });

  it('alarm sends to the outbox queue and marks rows sent; the consumer applies each event to Postgres once', async () => {
    const { id, stub } = freshHeartbeat();
    await stub.beat();
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    await runInDurableObject(stub, (_i, state) => {
      const rows = state.storage.sql.exec<OutboxRow>('SELECT sent_at FROM outbox').toArray();
      expect(rows.every((r) => r.sent_at !== null)).toBe(true);
    });
    expect(await eventually(() => heartbeatRow(id))).toEqual({ lastSeq: 1, beatsRecorded: 1 });

    await stub.beat();
    await stub.beat();
    await runDurableObjectAlarm(stub);
    expect(await eventually(async () => ((await heartbeatRow(id))?.beatsRecorded === 3 ? heartbeatRow(id) : undefined))).toEqual({
      lastSeq: 3,
      beatsRecorded: 3,
    });
    const status = await stub.status();
    expect(status).toMatchObject({ lastSeq: 3, outbox: { pending: 0, oldestPendingAt: null } });
    expect(status.outbox.lastSentAt).not.toBeNull();
  });

  it('keeps rows with backoff while the queue refuses them, then delivers them', async () => {
    const { stub } = freshHeartbeat();
    await runInDurableObject(stub, async (_instance, state) => {
      const outbox = new Outbox(state.storage, { object: 'HeartbeatDO', id: state.id.toString() });
      const now = Date.now();
      const eventId = state.storage.transactionSync(() =>
        outbox.append({ type: 'system.heartbeat', payload: { seq: 1, beatAt: new Date(now).toISOString() } }, now),
      );
      const refusing = { sendBatch: async () => Promise.reject(new Error('queue unavailable')) } as unknown as Queue;

      expect(await outbox.flush(refusing, now)).toBe(now + 1000);
      expect(await outbox.flush(refusing, now + 500)).toBe(now + 1000); // not due yet: not retried
      expect(await outbox.flush(refusing, now + 1000)).toBe(now + 1000 + 2000);
      const [row] = state.storage.sql.exec<OutboxRow>('SELECT * FROM outbox WHERE event_id = ?', eventId).toArray();
      expect(row).toMatchObject({ attempts: 2, sent_at: null, last_error: 'queue unavailable' });
      expect(outbox.status()).toMatchObject({ pending: 1, failingAttempts: 2 });

      // Sent; due again only if no consumer confirms it in time.
      expect(await outbox.flush(env.OUTBOX_QUEUE, now + 3000)).toBe(now + 3000 + OUTBOX_REDELIVER_AFTER_MS);
      const [sent] = state.storage.sql.exec<OutboxRow>('SELECT * FROM outbox WHERE event_id = ?', eventId).toArray();
      expect(sent).toMatchObject({ sent_at: now + 3000, last_error: null });
    });
  });

  it('re-arms a missing alarm on start so pending rows are never stranded', async () => {
    const { stub } = freshHeartbeat();
    await stub.beat();
    await runInDurableObject(stub, (_i, state) => state.storage.deleteAlarm());
    await evictDurableObject(stub);
    await stub.status(); // constructs the object again
    await runInDurableObject(stub, async (_i, state) => {
      expect(await state.storage.getAlarm()).not.toBeNull();
    });
  });

  it('drops the redelivery alarm once the consumer has confirmed every row, and keeps it while one is open', async () => {
    const { stub } = freshHeartbeat();
    await stub.beat();
    await runDurableObjectAlarm(stub); // sent: the alarm now waits to redeliver an unconfirmed row
    await runInDurableObject(stub, async (_i, state) => expect(await state.storage.getAlarm()).not.toBeNull());
    // The queue consumer confirms the row once Postgres has it.
    expect(await eventually(async () => ((await stub.status()).outbox.unconfirmed === 0 ? true : undefined))).toBe(true);
    await runInDurableObject(stub, async (_i, state) => expect(await state.storage.getAlarm()).toBeNull());

    const first = await stub.beat();
    await stub.beat();
    expect(await stub.confirmOutboxEvents([first.eventId])).toBe(1); // the second is still to be sent
    await runInDurableObject(stub, async (_i, state) => expect(await state.storage.getAlarm()).not.toBeNull());
  });
});
