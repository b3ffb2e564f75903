import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import type { Bindings } from '../../src/env';
import worker from '../../src/index';

/**
 * A Queue binding that keeps what is sent to it instead of delivering it. A test that passes it to the app
 * (callWithEnv) then hands the bodies to the consumer itself with `deliverBatch`: it knows when every copy has
 * been consumed, so it can assert that nothing more happened without waiting for a background consumer.
 */
export function holdingQueue() {
  const sent: unknown[] = [];
  const queue = {
    async send(body: unknown) {
      sent.push(structuredClone(body));
    },
    async sendBatch(messages: Iterable<{ body: unknown }>) {
      for (const m of messages) sent.push(structuredClone(m.body));
    },
    async metrics() {
      return { backlogCount: sent.length, backlogBytes: 0 };
    },
  };
  return { queue: queue as unknown as Queue, sent, take: () => sent.splice(0) };
}

/**
 * One batch of `bodies` through the Worker's queue handler, as the named queue would deliver it (with bindings
 * replaced by `overrides`, e.g. an unreachable chain); returns its acks and retries.
 */
export async function deliverBatch(queue: string, bodies: unknown[], attempts = 1, overrides: Partial<Bindings> = {}) {
  const batch = createMessageBatch(
    queue,
    bodies.map((body) => ({ id: crypto.randomUUID(), timestamp: new Date(), attempts, body })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, { ...env, ...overrides } as Bindings, ctx);
  return getQueueResult(batch, ctx);
}
