import type { Logger } from '../../src/lib/logger';
import type { Outbox } from '../outbox';

/** What the recovery modules work with: the object's SQLite storage, its outbox and its logger. */
export type RecoveryContext = { sql: SqlStorage; outbox: Outbox; logger: Logger };
