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
import { Deadline, type PspHttpCall, type PspHttpResponse, pspRequest, withBearerToken } from '../http';
import type { TokenSource } from '../tokens';
import type { PspFailure, PspResult } from '../types';
import {
  buildTilopayPaymentRequest,
  describeTilopayError,
  readTilopay,
  readTilopayConsult,
  type TilopayConsultRequest,
  type TilopayConsultRow,
  type TilopayModificationRequest,
  tilopayBodyFailure,
  tilopayModificationToRefund,
  tilopayRowsToSnapshot,
  toTilopayAmount,
} from './transformers';
import { parseTilopayRedirect } from './webhook';
import { TilopayPaymentAnswer } from './wire';

export type TilopayCheckoutConfig = {
  /** https://app.tilopay.com/api/v1 (production and test accounts alike), or `${PSP_SANDBOX_URL}/tilopay`. */
  apiUrl: string;
  /** Integration key (format 0000-0000-0000-0000-0000), sent as `key` and part of the OrderHash. */
  apiKey: string;
  /** API user and password: the /login credentials (the broker's) and half of the OrderHash key. */
  apiUser: string;
  apiPassword: string;
  timeoutMs: number;
};

type Call = Omit<PspHttpCall, 'url' | 'describeError'> & { path: string };

/**
 * Hosted payment page with Tilopay: processPayment returns the page URL, the payer's browser comes
 * back to our notification URL by GET, /consult is the server-side truth, processModification type "2" refunds.
 * `CheckoutInput.merchantAccount` is not sent: the key is the configured `apiKey` (the OrderHash needs its key).
 */
export class TilopayCheckoutAdapter implements NotifyingCheckout {
  readonly provider = 'tilopay' as const;
  private readonly base: string;

  constructor(
    private readonly config: TilopayCheckoutConfig,
    private readonly tokens: TokenSource,
  ) {
    this.base = config.apiUrl.replace(/\/$/, '');
  }

  /** Removes our credentials from a provider message (Tilopay may echo the key or user it refused). */
  private redact(text: string | undefined): string | undefined {
    if (text === undefined) return undefined;
    let out = text;
    for (const secret of [this.config.apiKey, this.config.apiPassword, this.config.apiUser])
      if (secret) out = out.split(secret).join('[redacted]');
    return out;
  }

  private async call(req: Call): Promise<PspResult<PspHttpResponse>> {
    const { path, headers, ...rest } = req;
    // Each public method is one call: its deadline (PSP_TIMEOUT_MS) covers the token fetch and the retries.
    const deadline = Deadline.after(this.config.timeoutMs);
    return withBearerToken(this.tokens, deadline, async (token) => {
      const res = await pspRequest({
        ...rest,
        url: `${this.base}${path}`,
        // Tilopay's examples write the scheme in lower case: `Authorization: bearer <token>`.
        headers: { ...headers, authorization: `bearer ${token}` },
        deadline,
        describeError: (status, body) => {
          const d = describeTilopayError(status, body);
          return { ...(d.code ? { code: d.code } : {}), ...(d.message ? { message: this.redact(d.message) } : {}) };
        },
      });
      if (!res.ok) return res;
      const inBody = tilopayBodyFailure(res.value.body);
      return inBody ? { ok: false, failure: { ...inBody, message: this.redact(inBody.message) ?? '' } as PspFailure } : res;
    });
  }

  async createSession(input: CheckoutInput): Promise<PspResult<CreatedCheckout>> {
    const body = buildTilopayPaymentRequest(input, this.config.apiKey);
    if (!body.ok) return body;
    // No idempotency key at Tilopay and the order number may be used once (**unconfirmed**): never retried.
    const res = await this.call({ method: 'POST', path: '/processPayment', json: body.value, retry: false });
    if (!res.ok) return res;
    const answer = readTilopay(TilopayPaymentAnswer, res.value.body, 'processPayment');
    if (!answer.ok) return answer;
    const { url } = answer.value;
    // Tilopay documents no expiry for the hosted page: expiresAt null.
    return { ok: true, value: { reference: body.value.orderNumber, checkoutUrl: url, expiresAt: null, details: {} } };
  }

  /** POST /consult for one order number (a read: retried). */
  async consult(orderNumber: string): Promise<PspResult<TilopayConsultRow[]>> {
    const json: TilopayConsultRequest = { key: this.config.apiKey, orderNumber, merchantId: '' };
    const res = await this.call({ method: 'POST', path: '/consult', json, retry: true });
    if (!res.ok) return res;
    return readTilopayConsult(res.value.body);
  }

  async retrieveSession(ref: CheckoutRef): Promise<PspResult<CheckoutSnapshot>> {
    const rows = await this.consult(ref.reference);
    return rows.ok ? tilopayRowsToSnapshot(rows.value, ref) : rows;
  }

  /** Tilopay has no call that withdraws a hosted payment page. */
  async cancelSession(_ref: CheckoutRef): Promise<PspResult<boolean>> {
    return { ok: true, value: false };
  }

  /** processModification type "2" (refund, partial or full). No idempotency key: never retried (**unconfirmed** semantics). */
  async refund(input: CheckoutRefundInput): Promise<PspResult<CheckoutRefundResult>> {
    const amount = toTilopayAmount(input.refundAmount, input.currency);
    if (!amount.ok) return amount;
    const json: TilopayModificationRequest = {
      orderNumber: input.reference,
      type: '2',
      amount: amount.value,
      key: this.config.apiKey,
      hashVersion: 'V2',
    };
    const res = await this.call({ method: 'POST', path: '/processModification', json, retry: false });
    if (!res.ok) return res;
    return tilopayModificationToRefund(res.value.body, {
      reference: `${input.reference}:${input.refundId}`,
      amount: input.refundAmount,
      currency: input.currency,
    });
  }

  /** The payer's redirect (GET): checked against /consult and, when present, the OrderHash (see webhook.ts). */
  parseNotification(request: InboundNotification, context?: NotificationContext): Promise<CheckoutNotification[]> {
    return parseTilopayRedirect(request, {
      consult: (orderNumber) => this.consult(orderNumber),
      ...(context ? { ownsSession: (orderNumber: string) => context.ownsSession(orderNumber) } : {}),
      apiKey: this.config.apiKey,
      apiUser: this.config.apiUser,
      apiPassword: this.config.apiPassword,
    });
  }
}
