import { capturePaymentIntent } from './stripe/captures.ts';
import { createPrice, createProduct, retrieveOwned } from './stripe/catalog.ts';
import { createCheckoutSession, expireCheckoutSession, paySession, retrieveCheckoutSession } from './stripe/checkout-sessions.ts';
import { closeDispute, listDisputes, loseDispute, retrieveDispute, updateDispute } from './stripe/disputes.ts';
import { canonical, decodeForm, decodeFormBody, type FormObject } from './stripe/form.ts';
import { createIdempotencyStore } from './stripe/idempotency.ts';
import { DEFAULT_API_VERSION, invalid, randomSuffix, StripeFailure } from './stripe/objects.ts';
import { stripePage } from './stripe/pages.ts';
import {
  cancelPaymentIntent,
  completeAuthentication,
  confirmPaymentIntent,
  createPaymentIntent,
  retrievePaymentIntent,
} from './stripe/payment-intents.ts';
import { createPaymentLink, payLink, retrievePaymentLink } from './stripe/payment-links.ts';
import { createPayout, retrievePayout, settlePayout } from './stripe/payouts.ts';
import { createRefund, retrieve, settleRefund } from './stripe/refunds.ts';
import { type Call, customerCall, emptyState, type Result } from './stripe/state.ts';
import { createTransfer, retrieveTransfer } from './stripe/transfers.ts';
import type { SandboxContext, SandboxProvider, SandboxRequest, SandboxResponse } from './types.ts';

/**
 * Stripe emulator, mounted at /stripe: the official `stripe` package talks to it with host/port/protocol set
 * and a fetch that inserts the /stripe prefix. Emulates PaymentIntents (test pm_card_* tokens decide the
 * outcome; capture_method=manual authorizes, then capture or cancel: stripe/captures.ts), Refunds and Charges
 * read-back, Checkout Sessions (payment mode), Products, Prices and Payment Links, Connect money out (Payouts,
 * Transfers and account debits, Disputes opened by the dispute test cards), Bearer secret-key auth, idempotency
 * (stripe/idempotency.ts) and signed webhook events (stripe/webhooks.ts).
 * Settings: `refunds`: 'succeeded' (default) | 'pending'; `checkout` (how the sandbox's customer pays a
 * session or link): 'card' (default, paid at once) | 'delayed' | 'delayed_failure' (see checkout-sessions.ts);
 * `payouts` (how complete() settles a payout): 'paid' (default) | 'failed' (see payouts.ts); `transfers`:
 * 'succeeded' (default) | 'failed' (POST /v1/transfers refused as for an account that cannot receive them);
 * `captures`: 'succeeded' (default) | 'failed' (POST /v1/payment_intents/:id/capture refused as for an
 * authorization the card network has already let go: 400 charge_expired_for_capture).
 */
type Route = { endpoint: string; run(call: Call): Result };

const ROUTES: Array<[method: string, path: RegExp, run: (call: Call, id: string) => Result]> = [
  ['POST', /^\/v1\/payment_intents$/, createPaymentIntent],
  ['GET', /^\/v1\/payment_intents\/([^/]+)$/, retrievePaymentIntent],
  ['POST', /^\/v1\/payment_intents\/([^/]+)\/confirm$/, confirmPaymentIntent],
  ['POST', /^\/v1\/payment_intents\/([^/]+)\/cancel$/, cancelPaymentIntent],
  ['POST', /^\/v1\/payment_intents\/([^/]+)\/capture$/, capturePaymentIntent],
  ['POST', /^\/v1\/refunds$/, createRefund],
  ['GET', /^\/v1\/refunds\/([^/]+)$/, (call, id) => retrieve(call, 'refund', id)],
  ['GET', /^\/v1\/charges\/([^/]+)$/, (call, id) => retrieve(call, 'charge', id)],
  ['POST', /^\/v1\/checkout\/sessions$/, createCheckoutSession],
  ['GET', /^\/v1\/checkout\/sessions\/([^/]+)$/, retrieveCheckoutSession],
  ['POST', /^\/v1\/checkout\/sessions\/([^/]+)\/expire$/, expireCheckoutSession],
  ['POST', /^\/v1\/products$/, createProduct],
  ['GET', /^\/v1\/products\/([^/]+)$/, (call, id) => retrieveOwned(call, 'product', id)],
  ['POST', /^\/v1\/prices$/, createPrice],
  ['GET', /^\/v1\/prices\/([^/]+)$/, (call, id) => retrieveOwned(call, 'price', id)],
  ['POST', /^\/v1\/payment_links$/, createPaymentLink],
  ['GET', /^\/v1\/payment_links\/([^/]+)$/, retrievePaymentLink],
  ['POST', /^\/v1\/payouts$/, createPayout],
  ['GET', /^\/v1\/payouts\/([^/]+)$/, retrievePayout],
  ['POST', /^\/v1\/transfers$/, createTransfer],
  ['GET', /^\/v1\/transfers\/([^/]+)$/, retrieveTransfer],
  ['GET', /^\/v1\/disputes$/, listDisputes],
  ['GET', /^\/v1\/disputes\/([^/]+)$/, retrieveDispute],
  ['POST', /^\/v1\/disputes\/([^/]+)$/, updateDispute],
  ['POST', /^\/v1\/disputes\/([^/]+)\/close$/, closeDispute],
];

function route(method: string, path: string): Route | null {
  for (const [m, pattern, run] of ROUTES) {
    const match = m === method ? pattern.exec(path) : null;
    if (match) return { endpoint: `${method} ${path}`, run: (call) => run(call, decodeURIComponent(match[1] ?? '')) };
  }
  return null;
}

/** The secret key from `Authorization: Bearer sk_…` (or HTTP Basic with the key as user name), else the 401 message. */
function secretKey(header: string | undefined): { key: string } | { error: string } {
  if (!header) {
    return {
      error:
        "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
    };
  }
  const [scheme = '', value = ''] = header.trim().split(/\s+/, 2);
  let key = value;
  if (/^basic$/i.test(scheme)) key = Buffer.from(value, 'base64').toString('utf8').split(':')[0] ?? '';
  else if (!/^bearer$/i.test(scheme)) return { error: 'Invalid authorization header. Use Bearer auth with your secret key.' };
  if (!/^sk_(test|live)_[A-Za-z0-9_]+$/.test(key)) {
    const masked = key.length > 12 ? `${key.slice(0, 8)}${'*'.repeat(key.length - 12)}${key.slice(-4)}` : key;
    return { error: `Invalid API Key provided: ${masked}` };
  }
  return { key };
}

export function createStripeProvider(): SandboxProvider {
  let state = emptyState();
  const idempotency = createIdempotencyStore();
  const errorResult = (f: StripeFailure): Result => ({ status: f.status, body: { error: f.error } });

  async function handle(req: SandboxRequest, ctx: SandboxContext): Promise<SandboxResponse> {
    const requestId = `req_${randomSuffix(14)}`;
    const apiVersion = req.headers['stripe-version'] || DEFAULT_API_VERSION;
    const headers: Record<string, string> = { 'request-id': requestId, 'stripe-version': apiVersion };
    const answer = async (r: Result, extra: Record<string, string> = {}): Promise<SandboxResponse> => {
      await ctx.latency();
      return { status: r.status, body: r.body, headers: { ...headers, ...extra } };
    };
    const auth = secretKey(req.headers.authorization);
    if ('error' in auth) return answer({ status: 401, body: { error: { type: 'invalid_request_error', message: auth.error } } });
    const target = route(req.method, req.path);
    if (!target) {
      const message = `Unrecognized request URL (${req.method}: ${req.path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`;
      return answer({ status: 404, body: { error: { type: 'invalid_request_error', message } } });
    }
    let params: FormObject;
    try {
      params = req.method === 'GET' ? decodeForm(Object.entries(req.query)) : decodeFormBody(req.rawBody);
    } catch (err) {
      return answer(errorResult(invalid(err instanceof Error ? err.message : String(err))));
    }
    const account = req.headers['stripe-account'] || null;
    const key = req.method === 'POST' ? req.headers['idempotency-key'] || null : null;
    if (key) headers['idempotency-key'] = key;
    let finish: ((r: { status: number; body: unknown; headers: Record<string, string> } | null) => void) | undefined;
    if (key) {
      if (key.length > 255) return answer(errorResult(invalid('Idempotency-Key must be at most 255 characters long.')));
      const begin = idempotency.begin(`${auth.key}\u0000${account ?? ''}`, key, target.endpoint, canonical(params), ctx.now());
      const retry = `Try using a key other than '${key}' if you meant to execute a different request.`;
      switch (begin.kind) {
        case 'replay':
          await ctx.latency();
          return { ...begin.result, headers: { ...begin.result.headers, 'idempotent-replayed': 'true' } };
        case 'in_flight':
          return answer({
            status: 409,
            body: {
              error: {
                type: 'invalid_request_error',
                code: 'idempotency_key_in_use',
                message:
                  'There is currently another in-progress request using this Idempotent Key (probably because of a timeout). Please retry this request later.',
              },
            },
          });
        case 'endpoint_mismatch':
        case 'params_mismatch': {
          const message =
            begin.kind === 'endpoint_mismatch'
              ? `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${begin.firstEndpoint}' vs '${target.endpoint}'). ${retry}`
              : `Keys for idempotent requests can only be used with the same parameters they were first used with. ${retry}`;
          return answer({ status: 400, body: { error: { type: 'idempotency_error', message } } });
        }
        case 'new':
          finish = begin.finish;
      }
    }
    await ctx.latency();
    let result: Result;
    try {
      const call: Call = {
        ctx,
        state,
        params,
        owner: account ?? '',
        origin: { requestId, idempotencyKey: key, account, apiVersion },
        livemode: auth.key.startsWith('sk_live_'),
        now: Math.floor(ctx.now() / 1000),
      };
      result = target.run(call);
    } catch (err) {
      result =
        err instanceof StripeFailure
          ? errorResult(err)
          : { status: 500, body: { error: { type: 'api_error', message: `sandbox error: ${err instanceof Error ? err.message : err}` } } };
    }
    const body = structuredClone(result.body);
    // Stored once the endpoint executed (2xx, card errors, 5xx); validation failures (400/404) free the key.
    const stored = result.status < 400 || result.status === 402 || result.status >= 500;
    finish?.(stored ? { status: result.status, body, headers } : null);
    return { status: result.status, body, headers };
  }

  return {
    name: 'stripe',
    deferLatency: true,
    settings: {
      refunds: ['succeeded', 'pending'],
      checkout: ['card', 'delayed', 'delayed_failure'],
      payouts: ['paid', 'failed'],
      transfers: ['succeeded', 'failed'],
      captures: ['succeeded', 'failed'],
    },
    handle,
    /**
     * `pi_…` in requires_action: the customer passed 3-D Secure. `re_…` pending: the refund settles.
     * `cs_…`: the customer pays the Checkout Session (checkout.session.completed); an expired one cannot be
     * paid: { notified: false, status: 409 }. `plink_…`: a customer pays the link (a new paid session).
     * `po_…` pending: the payout reaches the bank, paid or (setting payouts=failed) failed. `du_…` not yet
     * decided: the issuer decides the dispute against the merchant (lost, charge.dispute.closed).
     */
    async complete(id, ctx) {
      const entry =
        state.intents.get(id) ??
        state.refunds.get(id) ??
        state.sessions.get(id) ??
        state.links.get(id) ??
        state.payouts.get(id) ??
        state.disputes.get(id);
      if (!entry) return null;
      const call = customerCall(ctx, state, entry);
      const payout = state.payouts.get(id);
      if (payout) return { notified: settlePayout(call, payout) };
      const dispute = state.disputes.get(id);
      if (dispute) return { notified: loseDispute(call, dispute) };
      const intent = state.intents.get(id);
      if (intent) return { notified: completeAuthentication(call, intent) };
      const session = state.sessions.get(id);
      if (session) {
        const paid = paySession(call, session);
        return paid === 'expired' ? { notified: false, status: 409 } : { notified: paid };
      }
      const link = state.links.get(id);
      if (link) {
        const paid = payLink(call, link);
        return paid === 'inactive' ? { notified: false, status: 409 } : { notified: paid.paid };
      }
      return { notified: settleRefund(call, entry.object) };
    },
    page: (path, _query, ctx) => stripePage(path, state, ctx),
    errorBody(status, message) {
      if (status === 429) return { error: { type: 'invalid_request_error', code: 'rate_limit', message } };
      return { error: { type: 'api_error', message } };
    },
    reset() {
      state = emptyState();
      idempotency.reset();
    },
  };
}
