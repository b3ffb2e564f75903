import { emitAdyenNotification } from './adyen/notifications.ts';
import {
  ADYEN_API_VERSION,
  ADYEN_SANDBOX_API_KEY,
  AdyenFailure,
  type AdyenSession,
  type AdyenState,
  adyenDate,
  checkoutSessionId,
  emptyAdyenState,
  type Obj,
  pspReference,
  sessionData,
  unauthorized,
  unprocessable,
} from './adyen/objects.ts';
import { validateCreateSession, validateRefund } from './adyen/validation.ts';
import { type HostedPage, infoPage, message, PAY_DECLINE_CANCEL, type PageView, withQuery, withSetting } from './pages.ts';
import { canonical } from './stripe/form.ts';
import type { SandboxContext, SandboxProvider, SandboxRequest, SandboxResponse } from './types.ts';

/**
 * Adyen Checkout API v71 emulator, mounted at /adyen/v71 (official extract dev/sandbox/openapi/adyen-checkout.json):
 *   POST /sessions                        201 CreateCheckoutSessionResponse (url for mode=hosted)
 *   GET  /sessions/{id}?sessionResult=…   200 SessionResultResponse (sessionResult required, any value)
 *   POST /payments/{psp}/refunds          201 { status: "received" } then a signed REFUND notification
 * Auth: X-API-Key; setting `auth` 'any' (default: any non-empty key) | 'strict' (only ADYEN_SANDBOX_API_KEY).
 * Idempotency-Key (≤ 64 chars): a 201 is stored per (API key, endpoint, key) and replayed with the key echoed
 * in the `idempotency-key` header; the same key with another body is 422 errorCode 704 (Adyen's reuse error is
 * **unconfirmed**). Validation failures are not stored.
 * complete(<session id>) pays the session (setting `authorisation`: 'authorised' | 'refused') and sends an
 * AUTHORISATION notification; setting `refunds`: 'success' | 'failure' decides the REFUND notification.
 */
type Result = { status: number; body: unknown; headers?: Record<string, string> };
const HOSTED = 'Adyen hosted checkout';
type Stored = { fingerprint: string; result: Result };

export function createAdyenProvider(): SandboxProvider {
  let state: AdyenState = emptyAdyenState();
  let keys = new Map<string, Stored>();

  function createSession(body: Obj, ctx: SandboxContext): Result {
    const now = ctx.now();
    const valid = validateCreateSession(body, now);
    const id = checkoutSessionId();
    const response: Obj = {
      ...structuredClone(body),
      amount: valid.amount,
      expiresAt: adyenDate(valid.expiresAt),
      id,
      merchantAccount: valid.merchantAccount,
      mode: valid.mode,
      reference: valid.reference,
      returnUrl: valid.returnUrl,
      shopperLocale: body.shopperLocale ?? 'en-US',
      sessionData: sessionData(),
      ...(valid.mode === 'hosted' ? { url: `${ctx.sandboxUrl}/adyen/checkoutshopper/sessions/${id}` } : {}),
    };
    state.sessions.set(id, {
      id,
      request: structuredClone(body),
      response,
      merchantAccount: valid.merchantAccount,
      reference: valid.reference,
      amount: valid.amount,
      expiresAt: valid.expiresAt,
      status: 'active',
      payments: [],
    });
    return { status: 201, body: response };
  }

  function sessionResult(id: string, query: Record<string, string>, ctx: SandboxContext): Result {
    if (!query.sessionResult) throw unprocessable('702', "Required query parameter 'sessionResult' is not provided.");
    const session = state.sessions.get(id);
    if (!session) throw new AdyenFailure(404, '000', `Session ${id} not found`);
    if (session.status === 'active' && ctx.now() >= session.expiresAt) session.status = 'expired';
    return {
      status: 200,
      body: {
        id: session.id,
        reference: session.reference,
        status: session.status,
        ...(session.payments.length ? { payments: session.payments } : {}),
      },
    };
  }

  function refund(paymentPsp: string, body: Obj, ctx: SandboxContext): Result {
    const valid = validateRefund(body);
    const payment = state.payments.get(paymentPsp);
    if (!payment) throw unprocessable('167', 'Original pspReference required for this operation');
    if (payment.merchantAccount !== valid.merchantAccount) throw new AdyenFailure(403, '901', 'Invalid Merchant Account', 'security');
    if (valid.amount.currency !== payment.amount.currency)
      throw unprocessable('137', 'Invalid amount specified: currency does not match the payment');
    if (valid.amount.value > payment.amount.value - payment.refunded) {
      throw unprocessable('137', `Invalid amount specified: exceeds the refundable ${payment.amount.value - payment.refunded}`);
    }
    const refundPsp = pspReference();
    const success = ctx.setting('refunds') !== 'failure';
    if (success) payment.refunded += valid.amount.value;
    emitAdyenNotification(ctx, {
      eventCode: 'REFUND',
      success,
      pspReference: refundPsp,
      originalReference: payment.pspReference,
      merchantAccountCode: payment.merchantAccount,
      merchantReference: valid.reference ?? payment.merchantReference,
      amount: valid.amount,
      reason: success ? '' : 'Insufficient balance on payment',
      checkoutSessionId: payment.sessionId,
    });
    return {
      status: 201,
      body: {
        merchantAccount: valid.merchantAccount,
        paymentPspReference: payment.pspReference,
        ...(valid.reference !== undefined ? { reference: valid.reference } : {}),
        pspReference: refundPsp,
        status: 'received',
        amount: valid.amount,
      },
    };
  }

  function route(req: SandboxRequest, ctx: SandboxContext): { endpoint: string; run: () => Result } | null {
    const prefix = `/${ADYEN_API_VERSION}`;
    if (!req.path.startsWith(`${prefix}/`)) return null;
    const path = req.path.slice(prefix.length);
    const body = (req.body ?? {}) as Obj;
    if (req.method === 'POST' && path === '/sessions') return { endpoint: 'POST /sessions', run: () => createSession(body, ctx) };
    const get = /^\/sessions\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && get) return { endpoint: 'GET', run: () => sessionResult(decodeURIComponent(get[1]!), req.query, ctx) };
    const refunds = /^\/payments\/([^/]+)\/refunds$/.exec(path);
    if (req.method === 'POST' && refunds) {
      return { endpoint: `POST ${path}`, run: () => refund(decodeURIComponent(refunds[1]!), body, ctx) };
    }
    return null;
  }

  async function handle(req: SandboxRequest, ctx: SandboxContext): Promise<SandboxResponse> {
    try {
      const apiKey = (req.headers['x-api-key'] ?? '').trim();
      if (!apiKey || (ctx.setting('auth') === 'strict' && apiKey !== ADYEN_SANDBOX_API_KEY)) throw unauthorized();
      const target = route(req, ctx);
      if (!target) throw new AdyenFailure(404, '000', `No endpoint ${req.method} ${req.path}`, 'validation');
      if (req.method !== 'POST') return target.run();
      if (!req.body || typeof req.body !== 'object' || Array.isArray(req.body)) {
        throw new AdyenFailure(400, '702', 'Unexpected input: the body must be a JSON object');
      }
      const idempotencyKey = req.headers['idempotency-key'];
      if (idempotencyKey === undefined) return target.run();
      if (!idempotencyKey || idempotencyKey.length > 64) throw unprocessable('702', 'Idempotency-Key must have 1 to 64 characters');
      const scope = `${apiKey}\u0000${target.endpoint}\u0000${idempotencyKey}`;
      const fingerprint = canonical(req.body);
      const echo = { 'idempotency-key': idempotencyKey };
      const stored = keys.get(scope);
      if (stored) {
        if (stored.fingerprint !== fingerprint) throw unprocessable('704', 'request already processed or in progress');
        return { ...stored.result, headers: echo };
      }
      const result = target.run();
      keys.set(scope, { fingerprint, result: { status: result.status, body: structuredClone(result.body) } });
      return { ...result, headers: echo };
    } catch (err) {
      if (err instanceof AdyenFailure) return { status: err.status, body: err.body };
      throw err;
    }
  }

  return {
    name: 'adyen',
    settings: { auth: ['any', 'strict'], authorisation: ['authorised', 'refused'], refunds: ['success', 'failure'] },
    handle,
    complete: pay,
    page(path, _query, ctx) {
      const match = /^\/adyen\/checkoutshopper\/sessions\/([A-Z0-9]+)$/.exec(path);
      if (!match) return null;
      const session = state.sessions.get(match[1] as string);
      return session ? hostedPage(session, ctx) : infoPage(HOSTED, 'No such payment session.', 404);
    },
    errorBody(status, message) {
      return { status, errorCode: status === 401 ? '000' : '905', message, errorType: status >= 500 ? 'internal' : 'validation' };
    },
    reset() {
      state = emptyAdyenState();
      keys = new Map();
    },
  };

  /**
   * The hosted payment page (`url` of a mode=hosted session). Pay is complete(); an authorised payment sends the
   * shopper to returnUrl with sessionId and sessionResult (which GET /sessions/{id} accepts), a refused one
   * (setting `authorisation`, or Decline) stays on the page to try again, as Adyen's page does.
   */
  function hostedPage(session: AdyenSession, ctx: SandboxContext): HostedPage {
    const payable = session.status === 'active' && ctx.now() < session.expiresAt;
    const view: PageView = {
      provider: HOSTED,
      merchant: session.merchantAccount,
      description: `Reference ${session.reference}`,
      amount: { value: session.amount.value, currency: session.amount.currency, unit: 'minor' },
      actions: payable ? PAY_DECLINE_CANCEL : [],
      ...(payable
        ? {}
        : session.status === 'completed'
          ? { notice: 'This session is already paid.' }
          : { notice: 'This session has expired.', status: 410 }),
    };
    return {
      view,
      async act(action, actCtx) {
        if (action === 'cancel') return message(HOSTED, 'You left the payment page; nothing was charged.');
        const paid = await pay(session.id, action === 'decline' ? withSetting(actCtx, 'authorisation', 'refused') : actCtx);
        if (!paid?.notified) return { view: hostedPage(session, actCtx).view };
        if (session.status !== 'completed') return { view: { ...view, notice: 'The payment was refused. Try again, or cancel.' } };
        return { redirect: withQuery(String(session.response.returnUrl), { sessionId: session.id, sessionResult: sessionData() }) };
      },
    };
  }

  /** `sessionId` is Adyen's session id (CS…): the shopper pays it once; later calls notify nothing. */
  async function pay(sessionId: string, ctx: SandboxContext): Promise<{ notified: boolean } | null> {
    const session = state.sessions.get(sessionId);
    if (!session) return null;
    if (session.status !== 'active' || ctx.now() >= session.expiresAt) return { notified: false };
    const psp = pspReference();
    const authorised = ctx.setting('authorisation') !== 'refused';
    if (authorised) {
      session.status = 'completed';
      session.payments.push({
        amount: session.amount,
        pspReference: psp,
        resultCode: 'Authorised',
        paymentMethod: { type: 'scheme', brand: 'visa' },
      });
      state.payments.set(psp, {
        pspReference: psp,
        sessionId: session.id,
        merchantAccount: session.merchantAccount,
        merchantReference: session.reference,
        amount: session.amount,
        refunded: 0,
      });
    }
    emitAdyenNotification(ctx, {
      eventCode: 'AUTHORISATION',
      success: authorised,
      pspReference: psp,
      merchantAccountCode: session.merchantAccount,
      merchantReference: session.reference,
      amount: session.amount,
      reason: authorised ? '053291:1111:03/2030' : 'Refused',
      checkoutSessionId: session.id,
      ...(authorised ? { operations: ['CANCEL', 'CAPTURE', 'REFUND'] } : {}),
    });
    return { notified: true };
  }
}
