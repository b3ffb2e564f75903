import { describe, expect, it } from 'vitest';
import { ledgerEntries } from '../../src/db/schema';
import { rows, sql, withTestDb } from '../helpers/db';

describe('Postgres schema (migrations applied by the test setup)', () => {
  it('has the foundation tables', async () => {
    const tables = await rows<{ table_name: string }>(
      sql`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
    );
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining([
        'ledger_entries',
        'outbox_dlq',
        'payment_refunds',
        'payment_transactions',
        'pipeline_heartbeats',
        'processed_events',
        'webhook_inbox',
      ]),
    );
  });

  it('accepts a ledger transaction whose entries sum to zero per currency', async () => {
    const tx = `ltx-${crypto.randomUUID()}`;
    await withTestDb((db) =>
      db.insert(ledgerEntries).values([
        { transactionId: tx, eventId: 'e1', account: 'buyer:u1', amount: 11_845, currency: 'USD' },
        { transactionId: tx, eventId: 'e1', account: 'venue:v1:pending', amount: -10_925, currency: 'USD' },
        { transactionId: tx, eventId: 'e1', account: 'platform:fees', amount: -920, currency: 'USD' },
      ]),
    );
    const [sum] = await rows<{ total: string }>(sql`SELECT SUM(amount) AS total FROM ledger_entries WHERE transaction_id = ${tx}`);
    expect(Number(sum?.total)).toBe(0);
  });

  it('rejects, at commit, a ledger transaction that does not balance', async () => {
    const tx = `ltx-${crypto.randomUUID()}`;
    await expect(
      withTestDb((db) =>
        db.insert(ledgerEntries).values([
          { transactionId: tx, eventId: 'e1', account: 'buyer:u1', amount: 1000, currency: 'USD' },
          { transactionId: tx, eventId: 'e1', account: 'platform:fees', amount: -999, currency: 'USD' },
        ]),
      ),
    ).rejects.toThrow();
    expect(await rows(sql`SELECT 1 FROM ledger_entries WHERE transaction_id = ${tx}`)).toEqual([]);
  });

  it('keeps ledger entries append-only', async () => {
    const tx = `ltx-${crypto.randomUUID()}`;
    await withTestDb((db) =>
      db.insert(ledgerEntries).values([
        { transactionId: tx, eventId: 'e1', account: 'a', amount: 5, currency: 'EUR' },
        { transactionId: tx, eventId: 'e1', account: 'b', amount: -5, currency: 'EUR' },
      ]),
    );
    await expect(rows(sql`UPDATE ledger_entries SET amount = 6 WHERE transaction_id = ${tx}`)).rejects.toThrow();
    await expect(rows(sql`DELETE FROM ledger_entries WHERE transaction_id = ${tx}`)).rejects.toThrow();
  });

  it('constrains payment status, amounts and currency codes', async () => {
    await expect(
      rows(sql`INSERT INTO payment_transactions (id, tenant_id, venue_id, user_id, event_id, amount, status, idempotency_key)
               VALUES (gen_random_uuid(), 't', 'v', 'u', 'e', 100, 'bogus', gen_random_uuid())`),
    ).rejects.toThrow();
    await expect(
      rows(sql`INSERT INTO payment_transactions (id, tenant_id, venue_id, user_id, event_id, amount, status, idempotency_key)
               VALUES (gen_random_uuid(), 't', 'v', 'u', 'e', -1, 'completed', gen_random_uuid())`),
    ).rejects.toThrow();
    await expect(
      rows(sql`INSERT INTO ledger_entries (transaction_id, event_id, account, amount, currency) VALUES ('t', 'e', 'a', 0, 'usd')`),
    ).rejects.toThrow();
  });
});
