import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { applySchema } from '../../durable-objects/sql';

const STEPS = [
  'CREATE TABLE probe_a (id INTEGER PRIMARY KEY, amount INTEGER NOT NULL)',
  'CREATE INDEX probe_a_amount ON probe_a (amount)',
  'ALTER TABLE probe_a ADD COLUMN note TEXT',
  'CREATE TABLE probe_b (key TEXT PRIMARY KEY, value TEXT)',
];

const freshObject = () => env.HEARTBEATS.get(env.HEARTBEATS.idFromName(`schema-${crypto.randomUUID()}`));

function shape(storage: DurableObjectStorage) {
  return storage.sql
    .exec<{ type: string; name: string; sql: string | null }>(
      `SELECT type, name, sql FROM sqlite_master WHERE name LIKE 'probe%' OR name = '_probe_schema' ORDER BY name`,
    )
    .toArray();
}

const version = (storage: DurableObjectStorage) =>
  storage.sql.exec<{ version: number }>('SELECT version FROM _probe_schema WHERE id = 1').toArray()[0]?.version;

describe('applySchema', () => {
  it('builds a new object in one step exactly as an old one gets there step by step', async () => {
    let stepwise: unknown;
    await runInDurableObject(freshObject(), async (_i, state) => {
      applySchema(state.storage, STEPS.slice(0, 2), '_probe_schema'); // shipped first
      expect(version(state.storage)).toBe(2);
      applySchema(state.storage, STEPS, '_probe_schema'); // an upgrade: only steps 3 and 4 run
      expect(version(state.storage)).toBe(4);
      stepwise = shape(state.storage);
    });
    await runInDurableObject(freshObject(), async (_i, state) => {
      applySchema(state.storage, STEPS, '_probe_schema');
      expect(version(state.storage)).toBe(4);
      expect(shape(state.storage)).toEqual(stepwise);
      applySchema(state.storage, STEPS, '_probe_schema'); // nothing left to run: no error, same shape
      expect(shape(state.storage)).toEqual(stepwise);
    });
  });

  it('a failing step leaves a new object with no table and no version at all', async () => {
    await runInDurableObject(freshObject(), async (_i, state) => {
      expect(() => applySchema(state.storage, [...STEPS.slice(0, 2), 'CREATE TABLE probe_a (id INTEGER)'], '_probe_schema')).toThrow();
      expect(shape(state.storage)).toEqual([]);
    });
  });
});
