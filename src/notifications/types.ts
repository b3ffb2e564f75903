import type { PspResult } from '../psp/types';

/**
 * Notification channels and the common shape of a provider's answer. Adapters (email/, sms/) speak one
 * provider's HTTP API each through psp/http.ts's pspRequest, so they share its per-call timeout and typed
 * failures (PspFailure): `invalid_request` is the recipient's or message's fault and will not succeed on a
 * retry; every other kind (unavailable, timeout, rate_limited, authentication, conflict) may.
 */
export const NOTIFICATION_CHANNELS = ['email', 'sms'] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];

/** What a provider returns for an accepted message: its own message id (Postmark MessageID, Twilio SM… sid). */
export type SentMessage = { providerMessageId: string };

export type EmailMessage = { to: string; subject: string; htmlBody: string; textBody: string; tag?: string };
export type SmsMessage = { to: string; body: string };

export interface EmailSender {
  readonly provider: string;
  send(message: EmailMessage): Promise<PspResult<SentMessage>>;
}

export interface SmsSender {
  readonly provider: string;
  send(message: SmsMessage): Promise<PspResult<SentMessage>>;
}

/**
 * The vocabulary recovery shares between its object, its API schemas and its Postgres projection.
 * Recovery status: pending → link_sent → completed | expired (durable-objects/RecoveryTransactionDO.ts).
 */
export const RECOVERY_STATUSES = ['pending', 'link_sent', 'completed', 'expired'] as const;
export type RecoveryStatus = (typeof RECOVERY_STATUSES)[number];
/** One notification delivery (a reminder on one channel): retrying = a provider failure that the queue retries. */
export const DELIVERY_STATUSES = ['queued', 'retrying', 'sent', 'failed', 'skipped', 'cancelled'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
