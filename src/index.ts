import { createApp } from './app';
import { handleScheduled } from './cron';
import type { Bindings } from './env';
import { handleQueue } from './queues';

export { CheckoutSessionDO } from '../durable-objects/CheckoutSessionDO';
export { EventDO } from '../durable-objects/EventDO';
export { HeartbeatDO } from '../durable-objects/HeartbeatDO';
export { ListingDO } from '../durable-objects/ListingDO';
export { PaymentDO } from '../durable-objects/PaymentDO';
export { RecoveryTransactionDO } from '../durable-objects/RecoveryTransactionDO';
export { ReplayGuardDO } from '../durable-objects/ReplayGuardDO';
export { RiskDO } from '../durable-objects/RiskDO';
export { ScalperRegistryDO } from '../durable-objects/ScalperRegistryDO';
export { SellerDO } from '../durable-objects/SellerDO';
export { TicketDO } from '../durable-objects/TicketDO';
export { TicketHolderDO } from '../durable-objects/TicketHolderDO';
export { TokenBrokerDO } from '../durable-objects/TokenBrokerDO';
export { UserFactorsDO } from '../durable-objects/UserFactorsDO';
export { VenueDO } from '../durable-objects/VenueDO';
export { VerificationDO } from '../durable-objects/VerificationDO';
export { WaitingRoomDO } from '../durable-objects/WaitingRoomDO';
export { WaitingRoomShardDO } from '../durable-objects/WaitingRoomShardDO';
export { WebhookInboxDO } from '../durable-objects/WebhookInboxDO';

const app = createApp();

export default {
  fetch: app.fetch,
  queue: handleQueue,
  scheduled: handleScheduled,
} satisfies ExportedHandler<Bindings>;
