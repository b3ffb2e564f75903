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
import { invalidRequest, type PspFailure, type PspResult } from '../types';
import {
  buildPreferenceRequest,
  describeMercadoPagoError,
  type MercadoPagoPaymentView,
  paymentToView,
  preferenceToCreated,
  preferenceToSnapshot,
  refundToResult,
  toMercadoPagoNumber,
} from './transformers';
import { finalLookupFailure, ignoredMercadoPagoNotification, verifyMercadoPagoNotification } from './webhook';

export type MercadoPagoCheckoutConfig = {
  /** https://api.mercadopago.com or <sandbox>/mercadopago. */
  apiUrl: string;
  accessToken: string;
  /** The application's webhook secret signature. */
  webhookSecret: string;
  timeoutMs: number;
};

/**
 * A verified notification whose payment could not be read: not a verification problem, so the webhook
 * route should answer 5xx and let MercadoPago deliver it again.
 */
export class MercadoPagoLookupError extends Error {
  constructor(readonly failure: PspFailure) {
    super(`MercadoPago payment lookup failed: ${failure.message}`);
    this.name = 'MercadoPagoLookupError';
  }
}

/**
 * MercadoPago Checkout Pro: preferences, payments read-back, refunds. Every POST carries an
 * X-Idempotency-Key derived from our deterministic key, so POSTs are retried like reads.
 */
export class MercadoPagoCheckoutAdapter implements NotifyingCheckout {
  readonly provider = 'mercadopago' as const;
  private readonly apiUrl: string;

  constructor(private readonly config: MercadoPagoCheckoutConfig) {
    this.apiUrl = config.apiUrl.replace(/\/+$/, '');
  }

  async createSession(input: CheckoutInput): Promise<PspResult<CreatedCheckout>> {
    const body = buildPreferenceRequest(input);
    if (!body.ok) return body;
    const res = await this.call('POST', '/checkout/preferences', body.value, input.idempotencyKey);
    return res.ok ? preferenceToCreated(res.value, input.expiresAt, this.config.accessToken.startsWith('TEST-')) : res;
  }

  /**
   * With a payment: GET /v1/payments/{id}. Without one, the payer has not paid through this
   * preference as far as we know: GET /checkout/preferences/{id} tells open, or expired once past
   * expiration_date_to (preferences are created with expires=true).
   */
  async retrieveSession(ref: CheckoutRef): Promise<PspResult<CheckoutSnapshot>> {
    if (!ref.paymentReference) {
      const res = await this.call('GET', `/checkout/preferences/${encodeURIComponent(ref.reference)}`);
      return res.ok ? preferenceToSnapshot(res.value, Date.now()) : res;
    }
    const payment = await this.payment(ref.paymentReference);
    if (!payment.ok) return payment;
    const { externalReference, amount: _, currency, ...snapshot } = payment.value;
    if (externalReference !== ref.sessionId || currency !== ref.currency) {
      return invalidRequest('payment_mismatch', 'the payment belongs to another session');
    }
    return { ok: true, value: snapshot };
  }

  /** No cancel call is made for a Checkout Pro preference: it stops being payable at expiration_date_to. */
  async cancelSession(_ref: CheckoutRef): Promise<PspResult<boolean>> {
    return { ok: true, value: false };
  }

  /** Always sends `amount` (partial or full); X-Idempotency-Key is mandatory for refunds (error 4292 without). */
  async refund(input: CheckoutRefundInput): Promise<PspResult<CheckoutRefundResult>> {
    if (!input.paymentReference) return invalidRequest('no_payment', 'the session has no MercadoPago payment to refund');
    const amount = toMercadoPagoNumber(input.refundAmount, input.currency);
    if (amount === null) {
      return {
        ok: false,
        failure: {
          kind: 'invalid_request',
          retryable: false,
          code: 'unsupported_amount',
          message: `MercadoPago cannot take ${input.refundAmount} minor units of ${input.currency}`,
        },
      };
    }
    const path = `/v1/payments/${encodeURIComponent(input.paymentReference)}/refunds`;
    const res = await this.call('POST', path, { amount }, input.idempotencyKey);
    return res.ok ? refundToResult(res.value, input.currency) : res;
  }

  /** GET /v1/payments/{id}/refunds/{refund_id}: the read-back of an in_process refund. */
  async retrieveRefund(ref: CheckoutRef, refundReference: string): Promise<PspResult<CheckoutRefundResult>> {
    if (!ref.paymentReference) return invalidRequest('no_payment', 'the session has no MercadoPago payment');
    const path = `/v1/payments/${encodeURIComponent(ref.paymentReference)}/refunds/${encodeURIComponent(refundReference)}`;
    const res = await this.call('GET', path);
    return res.ok ? refundToResult(res.value, ref.currency) : res;
  }

  /**
   * Verifies x-signature, then reads the named payment (the body only names it): the payment's
   * external_reference is our sessionId. Other types, and payments MercadoPago cannot give us, are ignored
   * notifications. A read that may succeed later throws MercadoPagoLookupError (MercadoPago retries on a 5xx).
   */
  async parseNotification(request: InboundNotification): Promise<CheckoutNotification[]> {
    const trigger = await verifyMercadoPagoNotification(request, this.config.webhookSecret, Date.now());
    if (trigger.type !== 'payment' || !trigger.dataId) return [ignoredMercadoPagoNotification(trigger, 'unhandled_type')];
    const payment = await this.payment(trigger.dataId);
    if (!payment.ok) {
      const final = finalLookupFailure(payment.failure);
      if (final) return [ignoredMercadoPagoNotification(trigger, final)];
      throw new MercadoPagoLookupError(payment.failure);
    }
    const p = payment.value;
    return [
      {
        provider: 'mercadopago',
        eventId: trigger.eventId,
        type: trigger.action ?? 'payment',
        sessionId: p.externalReference,
        reference: null,
        paymentReference: p.paymentReference,
        observed: { kind: 'payment', status: p.status, amount: p.amount, amountRefunded: p.amountRefunded },
        occurredAt: trigger.occurredAt,
      },
    ];
  }

  private async payment(id: string): Promise<PspResult<MercadoPagoPaymentView>> {
    const res = await this.call('GET', `/v1/payments/${encodeURIComponent(id)}`);
    return res.ok ? paymentToView(res.value) : res;
  }

  /** GETs and POSTs with an X-Idempotency-Key are both safe to retry. */
  private async call(method: 'GET' | 'POST', path: string, json?: unknown, idempotencyKey?: string): Promise<PspResult<unknown>> {
    const req: PspHttpRequest = {
      method,
      url: `${this.apiUrl}${path}`,
      headers: { authorization: `Bearer ${this.config.accessToken}`, ...(idempotencyKey ? { 'x-idempotency-key': idempotencyKey } : {}) },
      ...(json !== undefined ? { json } : {}),
      timeoutMs: this.config.timeoutMs,
      retry: method === 'GET' || !!idempotencyKey,
      describeError: describeMercadoPagoError,
    };
    const res = await pspRequest(req);
    if (res.ok) return { ok: true, value: res.value.body };
    const secrets = [this.config.accessToken, this.config.webhookSecret].filter((s) => s.length >= 4);
    const message = secrets.reduce((m, s) => m.split(s).join('[redacted]'), res.failure.message);
    return { ok: false, failure: { ...res.failure, message } };
  }
}
