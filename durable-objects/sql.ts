/**
 * Shared SQLite helpers for Durable Objects. Each object keeps an append-only list of schema steps;
 * `applySchema` runs the ones not yet applied and records the count in a one-row table (`_schema`, or
 * another name for a list kept apart, such as a shared component's later steps).
 * Never edit or reorder a step that has shipped: append a new one.
 */
export function applySchema(storage: DurableObjectStorage, steps: readonly string[], versionTable = '_schema'): void {
  storage.transactionSync(() => {
    const known = storage.sql.exec(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`, versionTable).toArray().length > 0;
    if (!known) {
      // A new object (every payment makes one): all steps and the version row in one exec, one trip into
      // SQLite instead of one per statement.
      storage.sql.exec(
        [
          `CREATE TABLE ${versionTable} (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)`,
          ...steps,
          `INSERT INTO ${versionTable} (id, version) VALUES (1, ${steps.length})`,
        ].join(';\n'),
      );
      return;
    }
    const row = storage.sql.exec<{ version: number }>(`SELECT version FROM ${versionTable} WHERE id = 1`).toArray()[0];
    const applied = row?.version ?? 0;
    for (let i = applied; i < steps.length; i++) storage.sql.exec(steps[i] as string);
    if (steps.length > applied) {
      storage.sql.exec(
        `INSERT INTO ${versionTable} (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version`,
        steps.length,
      );
    }
  });
}

/** Sets the alarm to `at` unless one is already due earlier; objects with several deadlines share one alarm. */
export async function setAlarmNoLaterThan(storage: DurableObjectStorage, at: number): Promise<void> {
  const current = await storage.getAlarm();
  if (current === null || current > at) await storage.setAlarm(at);
}
