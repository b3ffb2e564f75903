import {
  badRequest,
  emptyMercadoPagoState,
  MERCADOPAGO_COLLECTOR_ID,
  MercadoPagoFailure,
  type MercadoPagoState,
  type Obj,
  type Preference,
} from './mercadopago/objects.ts';
import {
  approveRefund,
  createPreference,
  getPayment,
  getPreference,
  getRefund,
  type Op,
  payPreference,
  type Result,
  refundPayment,
} from './mercadopago/operations.ts';
import { type HostedPage, infoPage, PAY_DECLINE_CANCEL, type PageView, withQuery, withSetting } from './pages.ts';
import { canonical } from './stripe/form.ts';
import type { SandboxContext, SandboxProvider, SandboxRequest, SandboxResponse } from './types.ts';

/**
 * MercadoPago emulator, mounted at /mercadopago, Bearer auth (any non-empty token):
 *   POST /checkout/preferences                 201 preference (init_point, sandbox_init_point)
 *   GET  /checkout/preferences/{id}            200 | 404
 *   GET  /v1/payments/{id}                     200 | 404 (cause code 2000)
 *   POST /v1/payments/{id}/refunds             201 refund; 400 cause 4292 without X-Idempotency-Key
 *   GET  /v1/payments/{id}/refunds/{refund}    200 | 404
 * X-Idempotency-Key on a POST: a 201 is stored per (token, endpoint, key) and replayed; the same key with
 * another body is 409 idempotency_key_already_used (MercadoPago's reuse semantics are **unconfirmed**).
 * complete(<preference id>) pays it (setting `payment`: approved | rejected | pending) and notifies;
 * complete(<in_process refund id>) approves that refund. Setting `refunds`: approved | in_process | rejected.
 */
type Stored = { fingerprint: string; result: Result };
const CHECKOUT = 'Mercado Pago Checkout Pro';

const ROUTES: Array<[method: string, path: RegExp, run: (op: Op, ...ids: string[]) => Result]> = [
  ['POST', /^\/checkout\/preferences$/, createPreference],
  ['GET', /^\/checkout\/preferences\/([^/]+)$/, getPreference],
  ['GET', /^\/v1\/payments\/([^/]+)$/, getPayment],
  ['POST', /^\/v1\/payments\/([^/]+)\/refunds$/, refundPayment],
  ['GET', /^\/v1\/payments\/([^/]+)\/refunds\/([^/]+)$/, getRefund],
];

export function createMercadoPagoProvider(): SandboxProvider {
  let state: MercadoPagoState = emptyMercadoPagoState();
  let keys = new Map<string, Stored>();

  function run(req: SandboxRequest, ctx: SandboxContext): Result {
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!token) throw new MercadoPagoFailure(401, 'unauthorized', 'invalid access token');
    for (const [method, pattern, handler] of ROUTES) {
      const match = method === req.method ? pattern.exec(req.path) : null;
      if (!match) continue;
      const ids = match.slice(1).map((s) => decodeURIComponent(s));
      if (method === 'GET') return handler({ ctx, state, body: {} }, ...ids);
      const body = req.body === null || req.body === '' ? {} : req.body;
      if (typeof body !== 'object' || Array.isArray(body)) throw badRequest('invalid_body', 'the body must be a JSON object');
      const key = req.headers['x-idempotency-key'];
      const isRefund = pattern.source.includes('refunds');
      if (!key) {
        if (isRefund) throw badRequest(4292, "Header-X-Idempotency-Key-can't-be-null");
        return handler({ ctx, state, body: body as Obj }, ...ids);
      }
      const scope = `${token}\u0000${req.method} ${req.path}\u0000${key}`;
      const fingerprint = canonical(body);
      const stored = keys.get(scope);
      if (stored) {
        if (stored.fingerprint !== fingerprint) {
          throw new MercadoPagoFailure(409, 'conflict', 'The idempotency key was already used with a different request', [
            { code: 'idempotency_key_already_used', description: 'The idempotency key was already used with a different request' },
          ]);
        }
        return stored.result;
      }
      const result = handler({ ctx, state, body: body as Obj }, ...ids);
      keys.set(scope, { fingerprint, result: { status: result.status, body: structuredClone(result.body) } });
      return result;
    }
    throw new MercadoPagoFailure(404, 'not_found', `resource ${req.method} ${req.path} not found`);
  }

  return {
    name: 'mercadopago',
    settings: { payment: ['approved', 'rejected', 'pending'], refunds: ['approved', 'in_process', 'rejected'] },
    async handle(req, ctx): Promise<SandboxResponse> {
      try {
        return run(req, ctx);
      } catch (err) {
        if (err instanceof MercadoPagoFailure) return { status: err.status, body: err.body };
        throw err;
      }
    },
    async complete(id, ctx) {
      const op: Op = { ctx, state, body: {} };
      const paid = payPreference(op, id);
      if (paid !== null) return { notified: paid };
      const approved = approveRefund(op, id);
      return approved === null ? null : { notified: approved };
    },
    page(path, query, ctx) {
      if (path !== '/mercadopago/checkout/v1/redirect' && path !== '/mercadopago/sandbox/checkout/v1/redirect') return null;
      const pref = query.pref_id ? state.preferences.get(query.pref_id) : undefined;
      return pref ? checkoutPage(pref, ctx) : infoPage(CHECKOUT, 'No such preference.', 404);
    },
    errorBody(status, message) {
      const error = status === 429 ? 'too_many_requests' : status >= 500 ? 'internal_server_error' : 'bad_request';
      return { message, error, status, cause: [] };
    },
    reset() {
      state = emptyMercadoPagoState();
      keys = new Map();
    },
  };

  /**
   * Checkout Pro at init_point / sandbox_init_point. Pay is complete() (setting `payment`), Decline the same
   * as `rejected`; then the payer returns to back_urls.success / pending / failure by the payment's status, with
   * the query MercadoPago adds (collection_id, collection_status, payment_id, status, external_reference,
   * payment_type, preference_id, processing_mode). Cancel returns to back_urls.failure with status null, as
   * "return to the store" does. Without that back URL the page says what happened.
   */
  function checkoutPage(pref: Preference, ctx: SandboxContext): HostedPage {
    const body = pref.body;
    const payable = !pref.paymentId && (pref.expiresAt === null || ctx.now() < pref.expiresAt);
    const view: PageView = {
      provider: CHECKOUT,
      merchant: `Mercado Pago seller ${MERCADOPAGO_COLLECTOR_ID}`,
      description: (body.items as Obj[]).map((i) => `${i.quantity} × ${i.title}`).join(', '),
      amount: { value: pref.totalHundredths / 100, currency: pref.currency, unit: 'major' },
      actions: payable ? PAY_DECLINE_CANCEL : [],
      ...(payable ? {} : { notice: pref.paymentId ? 'This preference is already paid.' : 'This preference has expired.' }),
    };
    const back = (which: 'success' | 'pending' | 'failure', params: Record<string, string>) => {
      const url = body.back_urls[which] as string;
      if (url) return { redirect: withQuery(url, params) };
      const notice = params.status === 'null' ? 'You left the checkout; nothing was charged.' : `Payment ${params.status}.`;
      return { view: { ...view, actions: [], notice } };
    };
    const common = { external_reference: body.external_reference || 'null', preference_id: body.id, processing_mode: 'aggregator' };
    return {
      view,
      act(action, actCtx) {
        if (action === 'cancel') {
          return back('failure', { collection_id: 'null', collection_status: 'null', payment_id: 'null', status: 'null', ...common });
        }
        const paid = payPreference(
          { ctx: action === 'decline' ? withSetting(actCtx, 'payment', 'rejected') : actCtx, state, body: {} },
          body.id,
        );
        const payment = paid && pref.paymentId ? state.payments.get(pref.paymentId) : undefined;
        if (!payment) return { view: checkoutPage(pref, actCtx).view };
        const status = String(payment.body.status);
        const which = status === 'approved' ? 'success' : status === 'rejected' ? 'failure' : 'pending';
        const id = String(payment.body.id);
        return back(which, {
          collection_id: id,
          collection_status: status,
          payment_id: id,
          status,
          payment_type: 'credit_card',
          ...common,
        });
      },
    };
  }
}
