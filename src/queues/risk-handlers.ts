import { RiskAssessedPayload } from '../../durable-objects/payment/types';
import { KnownScalper } from '../../durable-objects/risk/types';
import { WaitingRoomActivityPayload } from '../../durable-objects/waiting-room/types';
import { recordRiskAssessment, recordWaitingRoomActivity, upsertKnownScalper } from '../db/repos/risk';
import type { OutboxHandler } from './messages';

/**
 * Outbox handlers of the fraud and waiting-room records (spread into outboxHandlers):
 * - `risk.assessed` (PaymentDO): fraud_checks, bot_detections and device_activity rows of one attempt;
 * - `waiting_room.activity` (WaitingRoomDO): waiting_room_activity rows;
 * - `risk.scalper` (the tenant's RiskDO registry): the known_scalpers row, added or deactivated.
 */
export const riskOutboxHandlers: Record<string, OutboxHandler> = {
  'risk.assessed': (tx, event) => recordRiskAssessment(tx, RiskAssessedPayload.parse(event.payload)),
  'waiting_room.activity': (tx, event) => recordWaitingRoomActivity(tx, WaitingRoomActivityPayload.parse(event.payload)),
  'risk.scalper': (tx, event) => upsertKnownScalper(tx, KnownScalper.parse(event.payload)),
};
