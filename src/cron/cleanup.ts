import { withDb } from '../db/client';
import { deleteProcessedOlderThan } from '../db/repos/processed-events';
import type { Bindings } from '../env';
import { parseConfig } from '../env';

export const RETENTION_DAYS = 30;

export function cleanupProcessedRecords(env: Bindings, ctx: ExecutionContext) {
  return withDb(parseConfig(env), ctx, (db) => deleteProcessedOlderThan(db, RETENTION_DAYS));
}
