import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { OUTBOX_COALESCE_MS, OUTBOX_REDELIVER_AFTER_MS, Outbox } from '../../durable-objects/outbox';

/** A queue that records each sendBatch call. */
function recordingQueue() {
  const batches: unknown[][] = [];
  const queue = {
    async sendBatch(messages: Iterable<{ body: unknown }>) {
      batches.push([...messages].map((m) => m.body));
    },
  } as unknown as Queue;
  return { queue, batches };
}

describe('outbox: what one request and its follow-ups append leaves in one flush', () => {
  it('a first send waits OUTBOX_COALESCE_MS, takes every row appended meanwhile in one batch, then waits for redelivery', async () => {
    const stub = env.HEARTBEATS.get(env.HEARTBEATS.idFromName(`coalesce-${crypto.randomUUID()}`));
    await runInDurableObject(stub, async (_instance, state) => {
      const outbox = new Outbox(state.storage, { object: 'HeartbeatDO', id: 'coalesce' });
      const t0 = 1_000_000;
      outbox.append({ type: 'system.test', payload: { n: 1 } }, t0);
      expect(outbox.nextDueAt()).toBe(t0 + OUTBOX_COALESCE_MS);
      outbox.append({ type: 'system.test', payload: { n: 2 } }, t0 + 100);
      expect(outbox.nextDueAt()).toBe(t0 + OUTBOX_COALESCE_MS); // the second joins the first flush

      const { queue, batches } = recordingQueue();
      const next = await outbox.flush(queue, t0 + OUTBOX_COALESCE_MS);
      expect(batches).toHaveLength(1);
      expect(batches[0]?.map((m) => (m as { payload: { n: number } }).payload.n)).toEqual([1, 2]);
      // Sent, not yet confirmed: due again only for redelivery, without the coalescing delay.
      expect(next).toBe(t0 + OUTBOX_COALESCE_MS + OUTBOX_REDELIVER_AFTER_MS);
    });
  });

  it('a row the queue refused is retried on its backoff, not delayed further', async () => {
    const stub = env.HEARTBEATS.get(env.HEARTBEATS.idFromName(`coalesce-${crypto.randomUUID()}`));
    await runInDurableObject(stub, async (_instance, state) => {
      const outbox = new Outbox(state.storage, { object: 'HeartbeatDO', id: 'coalesce' });
      const t0 = 2_000_000;
      outbox.append({ type: 'system.test', payload: {} }, t0);
      const failing = { sendBatch: async () => Promise.reject(new Error('queue down')) } as unknown as Queue;
      const next = await outbox.flush(failing, t0 + OUTBOX_COALESCE_MS);
      expect(next).toBe(t0 + OUTBOX_COALESCE_MS + 1000); // first retry after 1 s, no extra wait
    });
  });
});

/** The storage, with the production limit of 100 bound parameters per statement that the local runtime does not apply. */
function withParameterLimit(storage: DurableObjectStorage): DurableObjectStorage {
  const sql = new Proxy(storage.sql, {
    get(target, prop, receiver) {
      if (prop !== 'exec') return Reflect.get(target, prop, receiver);
      return (query: string, ...bindings: unknown[]) => {
        if (bindings.length > 100) throw new Error(`${bindings.length} bound parameters; a Durable Object allows 100`);
        return target.exec(query, ...bindings);
      };
    },
  });
  return new Proxy(storage, { get: (target, prop, receiver) => (prop === 'sql' ? sql : Reflect.get(target, prop, receiver)) });
}

describe('outbox: statements stay within 100 bound parameters', () => {
  it('a full batch of 100 rows is sent, marked and confirmed', async () => {
    const stub = env.HEARTBEATS.get(env.HEARTBEATS.idFromName(`limit-${crypto.randomUUID()}`));
    await runInDurableObject(stub, async (_instance, state) => {
      const outbox = new Outbox(withParameterLimit(state.storage), { object: 'HeartbeatDO', id: 'limit' });
      const t0 = 3_000_000;
      const ids = Array.from({ length: 100 }, (_, n) => outbox.append({ type: 'system.test', payload: { n } }, t0));
      const { queue, batches } = recordingQueue();
      expect(await outbox.flush(queue, t0 + OUTBOX_COALESCE_MS)).toBe(t0 + OUTBOX_COALESCE_MS + OUTBOX_REDELIVER_AFTER_MS);
      expect(batches.map((b) => b.length)).toEqual([100]);
      expect(outbox.status()).toMatchObject({ pending: 0, unconfirmed: 100 });
      expect(outbox.confirm(ids, t0 + 1000)).toBe(100);
      expect(outbox.nextDueAt()).toBeNull();
    });
  });

  it('a refused full batch is put back on its backoff', async () => {
    const stub = env.HEARTBEATS.get(env.HEARTBEATS.idFromName(`limit-${crypto.randomUUID()}`));
    await runInDurableObject(stub, async (_instance, state) => {
      const outbox = new Outbox(withParameterLimit(state.storage), { object: 'HeartbeatDO', id: 'limit' });
      const t0 = 4_000_000;
      for (let n = 0; n < 100; n++) outbox.append({ type: 'system.test', payload: { n } }, t0);
      const failing = { sendBatch: async () => Promise.reject(new Error('queue down')) } as unknown as Queue;
      expect(await outbox.flush(failing, t0 + OUTBOX_COALESCE_MS)).toBe(t0 + OUTBOX_COALESCE_MS + 1000);
      expect(outbox.status()).toMatchObject({ pending: 100, failingAttempts: 1 });
    });
  });
});
