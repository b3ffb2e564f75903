import { pspRequest } from '../../psp/http';
import type { PspResult } from '../../psp/types';
import type { EmailMessage, EmailSender, SentMessage } from '../types';

/**
 * Email through Postmark's API (POST {apiUrl}/email, `X-Postmark-Server-Token`): one message per call,
 * JSON `{ From, To, Subject, HtmlBody, TextBody, MessageStream }`, answered with `{ MessageID, ErrorCode: 0 }`.
 * Postmark has no idempotency key, so a send is never retried here (retry: false); the deliveries queue
 * retries with backoff, and the recovery object records each accepted message so a redelivered queue
 * message is not sent twice.
 */
export type PostmarkConfig = { apiUrl: string; apiToken: string; from: string; timeoutMs: number; messageStream?: string };

export type PostmarkSendRequest = {
  From: string;
  To: string;
  Subject: string;
  HtmlBody: string;
  TextBody: string;
  MessageStream: string;
  Tag?: string;
};

type PostmarkSendResponse = { To?: string; SubmittedAt?: string; MessageID?: string; ErrorCode?: number; Message?: string };

export function postmarkSendRequest(from: string, message: EmailMessage, messageStream = 'outbound'): PostmarkSendRequest {
  return {
    From: from,
    To: message.to,
    Subject: message.subject,
    HtmlBody: message.htmlBody,
    TextBody: message.textBody,
    MessageStream: messageStream,
    ...(message.tag ? { Tag: message.tag } : {}),
  };
}

/** Postmark's error body `{ ErrorCode, Message }` → code and message (the message never carries the token). */
export function describePostmarkError(_status: number, body: unknown): { code?: string; message?: string } {
  const b = (body ?? {}) as PostmarkSendResponse;
  return {
    ...(typeof b.ErrorCode === 'number' ? { code: String(b.ErrorCode) } : {}),
    ...(typeof b.Message === 'string' ? { message: b.Message.slice(0, 300) } : {}),
  };
}

export class PostmarkEmailAdapter implements EmailSender {
  readonly provider = 'postmark';

  constructor(private readonly config: PostmarkConfig) {}

  async send(message: EmailMessage): Promise<PspResult<SentMessage>> {
    const res = await pspRequest({
      method: 'POST',
      url: `${this.config.apiUrl.replace(/\/+$/, '')}/email`,
      headers: { 'X-Postmark-Server-Token': this.config.apiToken },
      json: postmarkSendRequest(this.config.from, message, this.config.messageStream),
      timeoutMs: this.config.timeoutMs,
      retry: false,
      describeError: describePostmarkError,
    });
    if (!res.ok) return res;
    const body = (res.value.body ?? {}) as PostmarkSendResponse;
    // 200 with a non-zero ErrorCode does not happen in Postmark's API; if it did, the message was not accepted.
    if (body.ErrorCode !== 0 || typeof body.MessageID !== 'string') {
      return {
        ok: false,
        failure: {
          kind: 'unavailable',
          retryable: true,
          code: 'unexpected_response',
          message: `Postmark answered ${res.value.status} without a MessageID`,
        },
      };
    }
    return { ok: true, value: { providerMessageId: body.MessageID } };
  }
}
