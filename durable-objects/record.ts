/**
 * An object's state kept as one JSON document in a one-row table (`id = 1`): the session of a checkout or a
 * verification, a recovery transaction. The owning object's schema creates the table (`jsonRecordTable`).
 */
export function jsonRecordTable(table: string): string {
  return `CREATE TABLE ${table} (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL)`;
}

export class JsonRecord<T> {
  constructor(
    private readonly sql: SqlStorage,
    private readonly table: string,
  ) {}

  load(): T | null {
    const row = this.sql.exec<{ data: string }>(`SELECT data FROM ${this.table} WHERE id = 1`).toArray()[0];
    return row ? (JSON.parse(row.data) as T) : null;
  }

  save(record: T): void {
    this.sql.exec(
      `INSERT INTO ${this.table} (id, data) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET data = excluded.data`,
      JSON.stringify(record),
    );
  }

  delete(): void {
    this.sql.exec(`DELETE FROM ${this.table} WHERE id = 1`);
  }
}
