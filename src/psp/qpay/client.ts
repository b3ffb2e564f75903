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
import { namesOwnedSession } from '../checkout';
import { Deadline, type PspHttpCall, type PspHttpResponse, pspRequest, withBearerToken } from '../http';
import type { TokenSource } from '../tokens';
import { invalidRequest, type PspResult } from '../types';
import {
  describeQpayError,
  fromQpayInvoiceCreated,
  QPAY_CURRENCY,
  type QpayInvoiceSummary,
  snapshotFromInvoice,
  snapshotFromPaymentCheck,
  toInvoiceSummary,
  toQpayCheckRequest,
  toQpayInvoiceRequest,
} from './transformers';
import { parseQpayCallback } from './webhook';
import type { QpayRefundRequest } from './wire';

export type QpayCheckoutConfig = {
  /** Includes the version: `https://merchant.qpay.mn/v2`, or `<sandbox>/qpay/v2` locally. */
  baseUrl: string;
  /** The invoice code QPay issued to the merchant (`invoice_code`). */
  invoiceCode: string;
  timeoutMs: number;
};

/**
 * QPay v2 invoices as hosted checkout sessions: an invoice per session, paid by QR or
 * bank-app deeplink. Bearer tokens come from the broker (`TokenSource`); a 401 invalidates the token and
 * retries once (withBearerToken). QPay has no idempotency key, so only reads are retried.
 */
export class QpayCheckoutAdapter implements NotifyingCheckout {
  readonly provider = 'qpay' as const;
  private readonly baseUrl: string;

  constructor(
    private readonly config: QpayCheckoutConfig,
    private readonly tokens: TokenSource,
  ) {
    this.baseUrl = config.baseUrl.replace(/\/+$/, '');
  }

  /** One operation's calls share one deadline (PSP_TIMEOUT_MS for the whole operation, token included). */
  private deadline(): Deadline {
    return Deadline.after(this.config.timeoutMs);
  }

  private call(
    req: Pick<PspHttpCall, 'method' | 'json' | 'retry'> & { path: string },
    deadline = this.deadline(),
  ): Promise<PspResult<PspHttpResponse>> {
    return withBearerToken(this.tokens, deadline, (token) =>
      pspRequest({
        method: req.method,
        url: `${this.baseUrl}${req.path}`,
        headers: { authorization: `Bearer ${token}` },
        ...(req.json === undefined ? {} : { json: req.json }),
        deadline,
        retry: req.retry,
        describeError: describeQpayError,
      }),
    );
  }

  async createSession(input: CheckoutInput): Promise<PspResult<CreatedCheckout>> {
    const request = toQpayInvoiceRequest(input, this.config.invoiceCode);
    if (!request.ok) return request;
    // Not idempotent: QPay does not enforce sender_invoice_no uniqueness, so a retry could create a second invoice.
    const res = await this.call({ method: 'POST', path: '/invoice', json: request.value, retry: false });
    return res.ok ? fromQpayInvoiceCreated(res.value.body, input) : res;
  }

  async retrieveSession(ref: CheckoutRef): Promise<PspResult<CheckoutSnapshot>> {
    const deadline = this.deadline();
    const check = await this.call(
      { method: 'POST', path: '/payment/check', json: toQpayCheckRequest(ref.reference), retry: true },
      deadline,
    );
    if (!check.ok) return check;
    const fromPayments = snapshotFromPaymentCheck(check.value.body, ref.amount);
    if (!fromPayments.ok) return fromPayments;
    if (fromPayments.value !== null) return { ok: true, value: fromPayments.value };
    const invoice = await this.call({ method: 'GET', path: `/invoice/${encodeURIComponent(ref.reference)}`, retry: true }, deadline);
    return invoice.ok ? snapshotFromInvoice(invoice.value.body, Date.now()) : invoice;
  }

  /**
   * DELETE /v2/invoice/{id}. A paid invoice cannot be cancelled (QPay `INVOICE_PAID`) → ok(false); one
   * already cancelled is as unpayable as we want it → ok(true). Not retried here (no idempotency key);
   * calling it again is safe for the owner, since an already-cancelled invoice answers ok(true).
   */
  async cancelSession(ref: CheckoutRef): Promise<PspResult<boolean>> {
    const res = await this.call({ method: 'DELETE', path: `/invoice/${encodeURIComponent(ref.reference)}`, retry: false });
    if (res.ok) return { ok: true, value: true };
    if (res.failure.code === 'INVOICE_PAID') return { ok: true, value: false };
    if (res.failure.code === 'INVOICE_ALREADY_CANCELED') return { ok: true, value: true };
    return res;
  }

  /**
   * Full refunds only, by DELETE /v2/payment/refund/{payment_id} (the method QPay's client
   * libraries use; one documentation page says POST).
   * QPay has no refund object: the refund's reference is the payment id. The response body is unconfirmed
   * (the emulator answers 200 `{}`); a 2xx means the refund was accepted.
   */
  async refund(input: CheckoutRefundInput): Promise<PspResult<CheckoutRefundResult>> {
    if (input.currency !== QPAY_CURRENCY) return invalidRequest('currency_unsupported', 'QPay refunds are in MNT only');
    if (!input.paymentReference) return invalidRequest('payment_reference_missing', 'the session has no QPay payment to refund');
    if (input.refundAmount !== input.amount) return invalidRequest('partial_refund_unsupported', 'QPay refunds the whole payment only');
    const body: QpayRefundRequest = { note: `refund ${input.refundId}`.slice(0, 255) };
    const res = await this.call({
      method: 'DELETE',
      path: `/payment/refund/${encodeURIComponent(input.paymentReference)}`,
      json: body,
      retry: false,
    });
    if (!res.ok) return res;
    return { ok: true, value: { reference: input.paymentReference, status: 'succeeded', amount: input.refundAmount } };
  }

  /** GET /v2/invoice/{id}: the route finds the owning session by `senderInvoiceNo` (our session id). */
  async invoice(invoiceId: string): Promise<PspResult<QpayInvoiceSummary>> {
    const res = await this.call({ method: 'GET', path: `/invoice/${encodeURIComponent(invoiceId)}`, retry: true });
    return res.ok ? toInvoiceSummary(res.value.body) : res;
  }

  /**
   * The callback is unsigned: with a context, one naming a session that is not ours is dropped here ([]), so
   * that anyone calling the URL can neither make us ask QPay nor make us record anything.
   */
  async parseNotification(request: InboundNotification, context?: NotificationContext): Promise<CheckoutNotification[]> {
    const notifications = parseQpayCallback(request);
    if (context && !(await namesOwnedSession(notifications, context))) return [];
    return notifications;
  }
}
