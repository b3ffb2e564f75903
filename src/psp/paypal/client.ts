import { sha256Hex } from '../../lib/crypto';
import type {
  CheckoutInput,
  CheckoutNotification,
  CheckoutRef,
  CheckoutRefundInput,
  CheckoutRefundResult,
  CheckoutSnapshot,
  CreatedCheckout,
  InboundNotification,
  NotificationContext,
  NotifyingCheckout,
} from '../checkout';
import { namesOwnedSession, WebhookVerificationError } from '../checkout';
import { Deadline, type PspHttpCall, type PspHttpResponse, pspRequest, withBearerToken } from '../http';
import type { TokenSource } from '../tokens';
import { invalidRequest, type PspResult } from '../types';
import {
  buildPaypalOrderRequest,
  buildPaypalRefundRequest,
  describePaypalError,
  PAYPAL_APPROVAL_WINDOW_MS,
  PAYPAL_REQUEST_ID_MAX,
  paypalOrderToSnapshot,
  paypalPayerUrl,
  paypalRefundToResult,
  readPaypal,
  unexpectedResponse,
} from './transformers';
import { PaypalVerificationUnavailableError, paypalEventToNotifications, paypalVerificationRequest, readPaypalEvent } from './webhook';
import { PaypalOrder, PaypalRefund, PaypalVerifyResponse } from './wire';

export type PaypalCheckoutConfig = {
  /** https://api-m.sandbox.paypal.com, https://api-m.paypal.com, or `${PSP_SANDBOX_URL}/paypal`. */
  apiUrl: string;
  /** The id of the webhook registered for our endpoint (verify-webhook-signature checks it). */
  webhookId: string;
  timeoutMs: number;
  /** Clock for the emulated order expiry (tests); Date.now by default. */
  now?: () => number;
};

type Call = Omit<PspHttpCall, 'url' | 'describeError'> & { path: string };

/** Hosted checkout with PayPal Orders v2: create an order, the payer approves it, we capture it. */
export class PaypalCheckoutAdapter implements NotifyingCheckout {
  readonly provider = 'paypal' as const;
  private readonly base: string;
  private readonly now: () => number;

  constructor(
    private readonly config: PaypalCheckoutConfig,
    private readonly tokens: TokenSource,
  ) {
    this.base = config.apiUrl.replace(/\/$/, '');
    this.now = config.now ?? Date.now;
  }

  /** One operation's calls share one deadline (PSP_TIMEOUT_MS for the whole operation, token included). */
  private deadline(): Deadline {
    return Deadline.after(this.config.timeoutMs);
  }

  /** Every API call: bearer token from the broker (a 401 invalidates it and retries once), PayPal's error format. */
  private call(req: Call, deadline = this.deadline()): Promise<PspResult<PspHttpResponse>> {
    const { path, headers, ...rest } = req;
    return withBearerToken(this.tokens, deadline, (token) =>
      pspRequest({
        ...rest,
        url: `${this.base}${path}`,
        headers: { ...headers, authorization: `Bearer ${token}` },
        deadline,
        describeError: describePaypalError,
      }),
    );
  }

  async createSession(input: CheckoutInput): Promise<PspResult<CreatedCheckout>> {
    const body = buildPaypalOrderRequest(input);
    if (!body.ok) return body;
    const res = await this.call({
      method: 'POST',
      path: '/v2/checkout/orders',
      headers: { 'paypal-request-id': await requestId(input.idempotencyKey), prefer: 'return=representation' },
      json: body.value,
      // PayPal-Request-Id makes a repeated create return the same order (201, then 200 on replay).
      retry: true,
    });
    if (!res.ok) return res;
    const read = readPaypal(PaypalOrder, res.value.body, 'create order');
    if (!read.ok) return read;
    const order = read.value;
    const checkoutUrl = paypalPayerUrl(order);
    if (!checkoutUrl) return unexpectedResponse(`PayPal order ${order.id} has no payer-action or approve link`);
    return {
      ok: true,
      value: { reference: order.id, checkoutUrl, expiresAt: this.now() + PAYPAL_APPROVAL_WINDOW_MS, details: { status: order.status } },
    };
  }

  private async readOrder(ref: CheckoutRef, deadline = this.deadline()): Promise<PspResult<PaypalOrder>> {
    const res = await this.call({ method: 'GET', path: `/v2/checkout/orders/${encodeURIComponent(ref.reference)}`, retry: true }, deadline);
    if (!res.ok) return res;
    return readPaypal(PaypalOrder, res.value.body, 'get order');
  }

  async retrieveSession(ref: CheckoutRef, deadline = this.deadline()): Promise<PspResult<CheckoutSnapshot>> {
    const order = await this.readOrder(ref, deadline);
    if (!order.ok) return order;
    return paypalOrderToSnapshot(order.value, ref, this.now());
  }

  /** Captures an approved order; deterministic PayPal-Request-Id per session, and an order captured before is read back. */
  async capture(ref: CheckoutRef): Promise<PspResult<CheckoutSnapshot>> {
    const deadline = this.deadline();
    const res = await this.call(
      {
        method: 'POST',
        path: `/v2/checkout/orders/${encodeURIComponent(ref.reference)}/capture`,
        headers: { 'paypal-request-id': await requestId(`${ref.sessionId}-capture`), prefer: 'return=representation' },
        json: {},
        retry: true,
      },
      deadline,
    );
    if (!res.ok) {
      if (res.failure.code === 'ORDER_ALREADY_CAPTURED') return this.retrieveSession(ref, deadline);
      return res;
    }
    const order = readPaypal(PaypalOrder, res.value.body, 'capture');
    if (!order.ok) return order;
    return paypalOrderToSnapshot(order.value, ref, this.now());
  }

  /** PayPal has no call that voids an unapproved CAPTURE order; it lapses after the approval window. */
  async cancelSession(_ref: CheckoutRef): Promise<PspResult<boolean>> {
    return { ok: true, value: false };
  }

  async refund(input: CheckoutRefundInput): Promise<PspResult<CheckoutRefundResult>> {
    if (!input.paymentReference) return invalidRequest('not_captured', 'the session has no PayPal capture to refund');
    const body = buildPaypalRefundRequest(input);
    if (!body.ok) return body;
    const res = await this.call({
      method: 'POST',
      path: `/v2/payments/captures/${encodeURIComponent(input.paymentReference)}/refund`,
      headers: { 'paypal-request-id': await requestId(input.idempotencyKey), prefer: 'return=representation' },
      json: body.value,
      retry: true,
    });
    if (!res.ok) return res;
    const refund = readPaypal(PaypalRefund, res.value.body, 'refund');
    if (!refund.ok) return refund;
    return paypalRefundToResult(refund.value, input.currency);
  }

  async retrieveRefund(ref: CheckoutRef, refundReference: string): Promise<PspResult<CheckoutRefundResult>> {
    const res = await this.call({ method: 'GET', path: `/v2/payments/refunds/${encodeURIComponent(refundReference)}`, retry: true });
    if (!res.ok) return res;
    const refund = readPaypal(PaypalRefund, res.value.body, 'get refund');
    if (!refund.ok) return refund;
    return paypalRefundToResult(refund.value, ref.currency);
  }

  /**
   * Webhooks are verified online (POST /v1/notifications/verify-webhook-signature): anything but SUCCESS is a
   * WebhookVerificationError; PayPal not answering is PaypalVerificationUnavailableError (the route answers 5xx
   * so that PayPal delivers again). With a context, an event that names no session of ours is not sent to
   * PayPal at all (nothing would act on it, and the endpoint must not let anyone make us call PayPal): [].
   */
  async parseNotification(request: InboundNotification, context?: NotificationContext): Promise<CheckoutNotification[]> {
    const event = readPaypalEvent(request);
    const notifications = paypalEventToNotifications(event);
    if (context && !(await namesOwnedSession(notifications, context))) return [];
    const res = await this.call({
      method: 'POST',
      path: '/v1/notifications/verify-webhook-signature',
      json: paypalVerificationRequest(request, this.config.webhookId),
      retry: true,
    });
    if (!res.ok) {
      if (res.failure.kind === 'invalid_request')
        throw new WebhookVerificationError(`PayPal refused the verification request: ${res.failure.message}`);
      throw new PaypalVerificationUnavailableError(res.failure.message);
    }
    // An answer of another shape is no verdict of SUCCESS: refused like a FAILURE.
    const verdict = PaypalVerifyResponse.safeParse(res.value.body);
    if (!verdict.success) throw new WebhookVerificationError('PayPal answered the verification with a body we cannot read');
    if (verdict.data.verification_status !== 'SUCCESS') throw new WebhookVerificationError('PayPal did not verify the webhook signature');
    return notifications;
  }
}

/** PayPal-Request-Id from our idempotency key: as is up to 108 characters, else its SHA-256 (64 hex). */
async function requestId(key: string): Promise<string> {
  return key.length >= 1 && key.length <= PAYPAL_REQUEST_ID_MAX ? key : sha256Hex(key);
}
