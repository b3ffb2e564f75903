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
import type { PspResult } from '../types';
import {
  describeSquareError,
  openLinkSnapshot,
  paymentLinkRequest,
  paymentView,
  readSquare,
  refundRequest,
  refundResult,
  SQUARE_VERSION,
} from './transformers';
import { parseSquareCheckoutNotification } from './webhook';
import { PaymentLinkResponse, PaymentResponse, RefundResponse, type SquarePayment } from './wire';

export type SquareCheckoutConfig = {
  /** https://connect.squareup.com (production), https://connect.squareupsandbox.com, or `<sandbox>/square`. */
  apiUrl: string;
  accessToken: string;
  /** The webhook subscription's signature key. */
  signatureKey: string;
  /** The notification URL exactly as registered with Square (part of the signed message). */
  notificationUrl: string;
  timeoutMs: number;
};

const encoder = new TextEncoder();

/** RefundPayment takes keys of at most 45 characters: base64url(SHA-256(our key)) is 43, and the same for a retry. */
export async function squareRefundIdempotencyKey(key: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(key)));
  return btoa(String.fromCharCode(...digest))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/**
 * Hosted checkout on Square: quick-pay payment links. We use no expiry and no cancel
 * for links, and there is no lookup of a link's payment without the Orders API (which we do not
 * call): until a payment.updated notification names the payment, a read-back sees the link as open.
 */
export class SquareCheckoutAdapter implements NotifyingCheckout {
  readonly provider = 'square' as const;
  private readonly base: string;

  constructor(private readonly config: SquareCheckoutConfig) {
    this.base = config.apiUrl.replace(/\/$/, '');
  }

  async createSession(input: CheckoutInput): Promise<PspResult<CreatedCheckout>> {
    const body = paymentLinkRequest(input);
    if (!body.ok) return body;
    // idempotency_key in the body: Square answers a retry with the same link.
    const res = await this.request({ method: 'POST', path: '/v2/online-checkout/payment-links', json: body.value, retry: true });
    if (!res.ok) return res;
    const read = readSquare(PaymentLinkResponse, res.value, 'payment link');
    if (!read.ok) return read;
    const link = read.value.payment_link;
    return {
      ok: true,
      value: { reference: link.id, checkoutUrl: link.url, expiresAt: null, details: link.order_id ? { order_id: link.order_id } : {} },
    };
  }

  async retrieveSession(ref: CheckoutRef): Promise<PspResult<CheckoutSnapshot>> {
    if (!ref.paymentReference) {
      const res = await this.request({
        method: 'GET',
        path: `/v2/online-checkout/payment-links/${encodeURIComponent(ref.reference)}`,
        retry: true,
      });
      if (!res.ok) return res;
      const read = readSquare(PaymentLinkResponse, res.value, 'payment link');
      return read.ok ? { ok: true, value: openLinkSnapshot() } : read;
    }
    const payment = await this.payment(ref.paymentReference);
    if (!payment.ok) return payment;
    const view = paymentView(payment.value, ref.currency);
    return view.ok ? { ok: true, value: view.value.snapshot } : view;
  }

  /** Not offered for Square (links do not expire and are not cancelled here). */
  async cancelSession(_ref: CheckoutRef): Promise<PspResult<boolean>> {
    return { ok: true, value: false };
  }

  async refund(input: CheckoutRefundInput): Promise<PspResult<CheckoutRefundResult>> {
    if (!input.paymentReference) {
      return { ok: false, failure: { kind: 'invalid_request', retryable: false, message: 'no Square payment known for this session yet' } };
    }
    const body = refundRequest({
      idempotencyKey: await squareRefundIdempotencyKey(input.idempotencyKey),
      paymentId: input.paymentReference,
      amount: input.refundAmount,
      currency: input.currency,
      sessionId: input.sessionId,
      refundId: input.refundId,
    });
    if (!body.ok) return body;
    const res = await this.request({ method: 'POST', path: '/v2/refunds', json: body.value, retry: true });
    if (!res.ok) return res;
    const read = readSquare(RefundResponse, res.value, 'refund');
    return read.ok ? refundResult(read.value.refund, input.currency) : read;
  }

  async retrieveRefund(ref: CheckoutRef, refundReference: string): Promise<PspResult<CheckoutRefundResult>> {
    const res = await this.request({ method: 'GET', path: `/v2/refunds/${encodeURIComponent(refundReference)}`, retry: true });
    if (!res.ok) return res;
    const read = readSquare(RefundResponse, res.value, 'refund');
    return read.ok ? refundResult(read.value.refund, ref.currency) : read;
  }

  parseNotification(request: InboundNotification): Promise<CheckoutNotification[]> {
    return parseSquareCheckoutNotification(request, this.config.signatureKey, this.config.notificationUrl);
  }

  private async payment(id: string): Promise<PspResult<SquarePayment>> {
    const res = await this.request({ method: 'GET', path: `/v2/payments/${encodeURIComponent(id)}`, retry: true });
    if (!res.ok) return res;
    const read = readSquare(PaymentResponse, res.value, 'payment');
    return read.ok ? { ok: true, value: read.value.payment } : read;
  }

  private async request(req: {
    method: PspHttpRequest['method'];
    path: string;
    json?: unknown;
    retry: boolean;
  }): Promise<PspResult<unknown>> {
    const res = await pspRequest({
      method: req.method,
      url: `${this.base}${req.path}`,
      headers: { authorization: `Bearer ${this.config.accessToken}`, 'square-version': SQUARE_VERSION },
      json: req.json,
      timeoutMs: this.config.timeoutMs,
      retry: req.retry,
      describeError: describeSquareError,
    });
    return res.ok ? { ok: true, value: res.value.body } : res;
  }
}
