import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { WebhookReceived } from '../../durable-objects/inbox/types';
import { webhookInboxStub } from '../../src/lib/stubs';

/** Notifications nobody acts on: kept once per event id, projected as a bounded summary. */
describe('WebhookInboxDO', () => {
  it('records an event once, as a webhook.received payload its schema accepts, with long fields bounded', async () => {
    const stub = webhookInboxStub(env, `probe-${crypto.randomUUID()}`);
    const event = { provider: 'stripe', eventId: `evt_${crypto.randomUUID()}`, type: 'x'.repeat(300), transactionId: 'y'.repeat(400) };
    expect(await stub.recordUnmatched(event, { bytes: 12, sha256: 'ab'.repeat(32) })).toBe('recorded');
    expect(await stub.recordIgnored(event, 'unhandled_type')).toBe('duplicate');
    await runInDurableObject(stub, (_i, state) => {
      const rows = state.storage.sql.exec<{ type: string; payload: string }>('SELECT type, payload FROM outbox').toArray();
      expect(rows.map((r) => r.type)).toEqual(['webhook.received']);
      const payload = WebhookReceived.parse(JSON.parse(rows[0]?.payload ?? 'null'));
      expect(payload).toMatchObject({
        provider: 'stripe',
        status: 'unmatched',
        eventType: 'x'.repeat(128),
        transactionId: 'y'.repeat(255),
      });
      expect(payload.payload).toMatchObject({ outcome: 'unmatched', bodyBytes: 12 });
    });
  });

  it('an object upgraded from its own `seen` table still knows the events it had recorded', async () => {
    const stub = webhookInboxStub(env, `probe-${crypto.randomUUID()}`);
    const known = { provider: 'square', eventId: `evt_${crypto.randomUUID()}`, type: 'payment.updated' };
    expect(await stub.recordUnmatched({ ...known, eventId: 'warm-up' })).toBe('recorded');
    // The storage as the release before dedup_inbox left it: every id in `seen`, two steps fewer applied.
    await runInDurableObject(stub, (_i, state) => {
      state.storage.sql.exec('INSERT INTO seen (event_id, received_at) SELECT event_id, received_at FROM dedup_inbox');
      state.storage.sql.exec('DROP TABLE dedup_inbox');
      state.storage.sql.exec('INSERT INTO seen (event_id, received_at) VALUES (?, ?)', known.eventId, Date.now());
      state.storage.sql.exec('UPDATE _schema SET version = version - 2');
    });
    await evictDurableObject(stub);
    expect(await stub.recordUnmatched(known)).toBe('duplicate');
    expect(await stub.recordUnmatched({ ...known, eventId: 'warm-up' })).toBe('duplicate');
  });
});
