import type {
  CheckoutInput,
  CheckoutNotification,
  CheckoutRef,
  CheckoutRefundInput,
  CheckoutRefundResult,
  CheckoutSnapshot,
  CreatedCheckout,
  InboundNotification,
  NotifyingCheckout,
} from '../checkout';
import { type PspHttpRequest, pspRequest } from '../http';
import { invalidRequest, type PspResult } from '../types';
import {
  adyenIdempotencyKey,
  buildAdyenRefundRequest,
  buildAdyenSessionRequest,
  describeAdyenError,
  refundResponseToResult,
  sessionResponseToCreated,
} from './transformers';
import { importAdyenHmacKey, parseAdyenNotification } from './webhook';

export type AdyenCheckoutConfig = {
  /** Versioned base: https://checkout-test.adyen.com/v71, https://{PREFIX}-checkout-live.adyenpayments.com/checkout/v71 or <sandbox>/adyen/v71. */
  apiUrl: string;
  apiKey: string;
  /** The notification HMAC key as hex (Customer Area form). */
  hmacKey: string;
  timeoutMs: number;
};

/**
 * Adyen Checkout API v71 Hosted Checkout: POST /sessions with mode "hosted", refunds on the
 * payment's pspReference. The outcome of a session and of a refund only arrives in standard notifications.
 */
export class AdyenCheckoutAdapter implements NotifyingCheckout {
  readonly provider = 'adyen' as const;
  private readonly apiUrl: string;
  private hmacKey: Promise<CryptoKey> | null = null;

  constructor(private readonly config: AdyenCheckoutConfig) {
    this.apiUrl = config.apiUrl.replace(/\/+$/, '');
  }

  async createSession(input: CheckoutInput): Promise<PspResult<CreatedCheckout>> {
    const body = buildAdyenSessionRequest(input, Date.now());
    if (!body.ok) return body;
    // Adyen replays the first response for a repeated Idempotency-Key, so a retried create is the same session.
    const res = await this.post('/sessions', body.value, await adyenIdempotencyKey(input.idempotencyKey));
    return res.ok ? sessionResponseToCreated(res.value) : res;
  }

  /**
   * GET /sessions/{sessionId} requires the `sessionResult` query parameter (the extract marks it required), a
   * value only the shopper's Drop-in/Component receives on the client side; a Hosted Checkout server never has
   * it. So the session cannot be read back: its state comes from AUTHORISATION/CANCELLATION/REFUND
   * notifications only (Adyen calls the webhook the authoritative outcome).
   */
  async retrieveSession(_ref: CheckoutRef): Promise<PspResult<CheckoutSnapshot>> {
    return {
      ok: false,
      failure: {
        kind: 'invalid_request',
        retryable: false,
        code: 'not_supported',
        message: 'Adyen sessions cannot be read back without the client-side sessionResult; the outcome arrives by notification',
      },
    };
  }

  /** The Checkout API has no call that closes an unpaid session; it expires at expiresAt. */
  async cancelSession(_ref: CheckoutRef): Promise<PspResult<boolean>> {
    return { ok: true, value: false };
  }

  async refund(input: CheckoutRefundInput): Promise<PspResult<CheckoutRefundResult>> {
    if (!input.paymentReference) return invalidRequest('no_payment', 'the session has no Adyen payment to refund');
    const body = buildAdyenRefundRequest(input);
    if (!body.ok) return body;
    const path = `/payments/${encodeURIComponent(input.paymentReference)}/refunds`;
    const res = await this.post(path, body.value, await adyenIdempotencyKey(input.idempotencyKey));
    return res.ok ? refundResponseToResult(res.value, input.refundAmount) : res;
  }

  async parseNotification(request: InboundNotification): Promise<CheckoutNotification[]> {
    this.hmacKey ??= importAdyenHmacKey(this.config.hmacKey);
    return parseAdyenNotification(request, await this.hmacKey, Date.now());
  }

  /** Every POST carries an Idempotency-Key, so transient failures are retried. */
  private async post(path: string, json: unknown, idempotencyKey: string): Promise<PspResult<unknown>> {
    const req: PspHttpRequest = {
      method: 'POST',
      url: `${this.apiUrl}${path}`,
      headers: { 'x-api-key': this.config.apiKey, 'idempotency-key': idempotencyKey },
      json,
      timeoutMs: this.config.timeoutMs,
      retry: true,
      describeError: describeAdyenError,
    };
    const res = await pspRequest(req);
    if (res.ok) return { ok: true, value: res.value.body };
    const secrets = [this.config.apiKey, this.config.hmacKey].filter((s) => s.length >= 4);
    const message = secrets.reduce((m, s) => m.split(s).join('[redacted]'), res.failure.message);
    return { ok: false, failure: { ...res.failure, message } };
  }
}
