import { basicAuthorization } from '../../lib/crypto';
import { pspRequest } from '../../psp/http';
import type { PspResult } from '../../psp/types';
import type { SentMessage, SmsMessage, SmsSender } from '../types';

/**
 * SMS through Twilio's Programmable Messaging API: POST
 * {apiUrl}/2010-04-01/Accounts/{AccountSid}/Messages.json with HTTP Basic auth (AccountSid:AuthToken) and a
 * form body `To, From, Body`; 201 answers the Message resource (`sid` SM…, `status` queued). Twilio has no
 * idempotency key, so a send is not retried here (retry: false): the deliveries queue retries with backoff.
 */
export type TwilioConfig = { apiUrl: string; accountSid: string; authToken: string; from: string; timeoutMs: number };

type TwilioMessage = { sid?: string; status?: string; error_code?: number | null };
type TwilioError = { code?: number; message?: string; status?: number };

export function twilioMessagesUrl(apiUrl: string, accountSid: string): string {
  return `${apiUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(accountSid)}/Messages.json`;
}

export function twilioSendForm(from: string, message: SmsMessage): string {
  return new URLSearchParams({ To: message.to, From: from, Body: message.body }).toString();
}

/** Twilio's error body `{ code, message, more_info, status }` → code and message. */
export function describeTwilioError(_status: number, body: unknown): { code?: string; message?: string } {
  const b = (body ?? {}) as TwilioError;
  return {
    ...(typeof b.code === 'number' ? { code: String(b.code) } : {}),
    ...(typeof b.message === 'string' ? { message: b.message.slice(0, 300) } : {}),
  };
}

export class TwilioSmsAdapter implements SmsSender {
  readonly provider = 'twilio';

  constructor(private readonly config: TwilioConfig) {}

  async send(message: SmsMessage): Promise<PspResult<SentMessage>> {
    const res = await pspRequest({
      method: 'POST',
      url: twilioMessagesUrl(this.config.apiUrl, this.config.accountSid),
      headers: {
        authorization: basicAuthorization(this.config.accountSid, this.config.authToken),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: twilioSendForm(this.config.from, message),
      timeoutMs: this.config.timeoutMs,
      retry: false,
      describeError: describeTwilioError,
    });
    if (!res.ok) return res;
    const body = (res.value.body ?? {}) as TwilioMessage;
    if (typeof body.sid !== 'string' || !body.sid.startsWith('SM')) {
      return {
        ok: false,
        failure: {
          kind: 'unavailable',
          retryable: true,
          code: 'unexpected_response',
          message: `Twilio answered ${res.value.status} without a message sid`,
        },
      };
    }
    return { ok: true, value: { providerMessageId: body.sid } };
  }
}
