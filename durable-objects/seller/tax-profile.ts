import type { TaxProfileInput, TaxProfileRecord } from './types';

/** The seller's tax identity: one row, the TIN only as ciphertext (encrypted by the Worker) and its last four digits. */
export const TAX_PROFILE_SCHEMA_STEPS = [
  `CREATE TABLE tax_profile (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     tenant_id TEXT NOT NULL, user_id TEXT NOT NULL, name TEXT NOT NULL, address TEXT NOT NULL,
     tin_ciphertext TEXT NOT NULL, tin_last4 TEXT NOT NULL,
     version INTEGER NOT NULL, updated_at INTEGER NOT NULL
   )`,
] as const;

type Row = {
  tenant_id: string;
  user_id: string;
  name: string;
  address: string;
  tin_ciphertext: string;
  tin_last4: string;
  version: number;
  updated_at: number;
};

function toRecord(row: Row): TaxProfileRecord {
  return {
    tenantId: row.tenant_id,
    userId: row.user_id,
    name: row.name,
    address: JSON.parse(row.address),
    tinCiphertext: row.tin_ciphertext,
    tinLast4: row.tin_last4,
    version: row.version,
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

export function readTaxProfile(sql: SqlStorage): TaxProfileRecord | null {
  const row = sql.exec<Row>('SELECT * FROM tax_profile WHERE id = 1').toArray()[0];
  return row ? toRecord(row) : null;
}

/** Replaces the profile with the next version; call inside the transaction that appends its event. */
export function writeTaxProfile(sql: SqlStorage, input: TaxProfileInput, now: number): TaxProfileRecord {
  const previous = readTaxProfile(sql);
  if (previous && (previous.tenantId !== input.tenantId || previous.userId !== input.userId)) throw new Error('seller object collision');
  const version = (previous?.version ?? 0) + 1;
  sql.exec(
    `INSERT INTO tax_profile (id, tenant_id, user_id, name, address, tin_ciphertext, tin_last4, version, updated_at)
     VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET name = excluded.name, address = excluded.address, tin_ciphertext = excluded.tin_ciphertext,
       tin_last4 = excluded.tin_last4, version = excluded.version, updated_at = excluded.updated_at`,
    input.tenantId,
    input.userId,
    input.name,
    JSON.stringify(input.address),
    input.tinCiphertext,
    input.tinLast4,
    version,
    now,
  );
  return { ...input, version, updatedAt: new Date(now).toISOString() };
}
