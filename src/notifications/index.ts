import type { Config } from '../env';
import { PostmarkEmailAdapter } from './email/postmark';
import { TwilioSmsAdapter } from './sms/twilio';
import type { EmailSender, SmsSender } from './types';

/**
 * The configured notification providers (src/env.ts `config.notifications`), or null per channel when its
 * credentials are not set. Provider calls share the PSP timeout (PSP_TIMEOUT_MS, 5 s by default).
 */
export type NotificationSenders = { email: EmailSender | null; sms: SmsSender | null };

const cache = new WeakMap<Config, NotificationSenders>();

export function notificationSenders(config: Config): NotificationSenders {
  let senders = cache.get(config);
  if (!senders) {
    const { email, sms } = config.notifications;
    const timeoutMs = config.psp.timeoutMs;
    senders = {
      email: email ? new PostmarkEmailAdapter({ ...email, timeoutMs }) : null,
      sms: sms ? new TwilioSmsAdapter({ ...sms, timeoutMs }) : null,
    };
    cache.set(config, senders);
  }
  return senders;
}
