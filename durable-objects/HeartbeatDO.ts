import type { HeartbeatBeat, HeartbeatPayload, HeartbeatStatus } from './heartbeat/types';
import { OutboxObject } from './OutboxObject';

/**
 * The pipeline probe: one object whose every beat travels the whole write path of the platform —
 * state change + outbox row in one transaction → alarm → `outbox` queue → consumer → Postgres
 * (`pipeline_heartbeats`). Cron beats it every 5 minutes; /health reads its outbox to judge the queues,
 * and `beats_recorded` versus `last_seq` in Postgres shows whether any beat was lost or applied twice.
 */
const SCHEMA = ['CREATE TABLE heartbeat (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, beat_at INTEGER NOT NULL)'] as const;

export class HeartbeatDO extends OutboxObject {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env, 'HeartbeatDO', SCHEMA);
  }

  async beat(): Promise<HeartbeatBeat> {
    const now = Date.now();
    const beat = this.ctx.storage.transactionSync(() => {
      const row = this.ctx.storage.sql.exec<{ seq: number }>('SELECT seq FROM heartbeat WHERE id = 1').toArray()[0];
      const seq = (row?.seq ?? 0) + 1;
      this.ctx.storage.sql.exec(
        'INSERT INTO heartbeat (id, seq, beat_at) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, beat_at = excluded.beat_at',
        seq,
        now,
      );
      const beatAt = new Date(now).toISOString();
      const payload: HeartbeatPayload = { seq, beatAt };
      const eventId = this.outbox.append({ type: 'system.heartbeat', payload }, now);
      return { seq, eventId, beatAt };
    });
    await this.rearm();
    return beat;
  }

  status(): HeartbeatStatus {
    const row = this.ctx.storage.sql.exec<{ seq: number; beat_at: number }>('SELECT seq, beat_at FROM heartbeat WHERE id = 1').toArray()[0];
    return {
      lastSeq: row?.seq ?? 0,
      lastBeatAt: row ? new Date(row.beat_at).toISOString() : null,
      outbox: this.outbox.status(),
    };
  }
}
