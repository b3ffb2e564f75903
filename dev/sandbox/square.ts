import { type HostedPage, infoPage, message, PAY_DECLINE_CANCEL, type PageView, withQuery } from './pages.ts';
import { badRequest, type Obj, SquareFailure } from './square/objects.ts';
import {
  complete,
  createPayment,
  createPaymentLink,
  emptyState,
  getPayment,
  getPaymentLink,
  getRefund,
  type LinkEntry,
  type Op,
  type Result,
  refundPayment,
} from './square/operations.ts';
import { canonical } from './stripe/form.ts';
import type { SandboxContext, SandboxProvider, SandboxRequest, SandboxResponse } from './types.ts';

/**
 * Square emulator, mounted at /square: plain JSON over fetch with `Authorization: Bearer <token>`. Emulates
 * CreatePayment (sandbox cnon:* tokens decide the outcome), GetPayment, RefundPayment, GetPaymentRefund and
 * quick-pay payment links; idempotency as Square does it (key in the body, scoped by token and endpoint);
 * signed webhooks (square/webhooks.ts). Setting `refunds`: 'completed' (default) | 'pending'.
 */
type Route = { endpoint: string; idempotent: boolean; run(op: Op): Result };
const CHECKOUT = 'Square Checkout';

const ROUTES: Array<[method: string, path: RegExp, run: (op: Op, id: string) => Result]> = [
  ['POST', /^\/v2\/payments$/, createPayment],
  ['GET', /^\/v2\/payments\/([^/]+)$/, getPayment],
  ['POST', /^\/v2\/refunds$/, refundPayment],
  ['GET', /^\/v2\/refunds\/([^/]+)$/, getRefund],
  ['POST', /^\/v2\/online-checkout\/payment-links$/, createPaymentLink],
  ['GET', /^\/v2\/online-checkout\/payment-links\/([^/]+)$/, getPaymentLink],
];

function route(method: string, path: string): Route | null {
  for (const [m, pattern, run] of ROUTES) {
    const match = m === method ? pattern.exec(path) : null;
    if (match) {
      return { endpoint: `${method} ${path}`, idempotent: method === 'POST', run: (op) => run(op, decodeURIComponent(match[1] ?? '')) };
    }
  }
  return null;
}

type Stored = { status: number; body: unknown };
type Entry = { fingerprint: string; result?: Stored; done: Promise<void> };

export function createSquareProvider(): SandboxProvider {
  let state = emptyState();
  let keys = new Map<string, Entry>();
  const errors = (f: SquareFailure): Result => ({ status: f.status, body: { errors: f.errors, ...f.extra } });

  async function handle(req: SandboxRequest, ctx: SandboxContext): Promise<SandboxResponse> {
    const answer = async (r: Result): Promise<SandboxResponse> => {
      await ctx.latency();
      return r;
    };
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!token) {
      return answer({
        status: 401,
        body: { errors: [{ category: 'AUTHENTICATION_ERROR', code: 'UNAUTHORIZED', detail: 'This request could not be authorized.' }] },
      });
    }
    const target = route(req.method, req.path);
    if (!target) {
      const detail = `API endpoint for URL path \`${req.path}\` and HTTP method \`${req.method}\` is not found.`;
      return answer({ status: 404, body: { errors: [{ category: 'INVALID_REQUEST_ERROR', code: 'NOT_FOUND', detail }] } });
    }
    let body: Obj = {};
    if (req.method === 'POST') {
      if (!req.body || typeof req.body !== 'object' || Array.isArray(req.body)) {
        return answer(errors(badRequest('EXPECTED_JSON_BODY', 'The request body must be a JSON object.')));
      }
      body = req.body as Obj;
    }
    const key = target.idempotent && typeof body.idempotency_key === 'string' && body.idempotency_key ? body.idempotency_key : null;
    const scope = `${token}\u0000${target.endpoint}\u0000${key}`;
    const fingerprint = canonical(body);
    let release: (() => void) | undefined;
    let entry: Entry | undefined;
    // A retry while the first request with its key is in flight waits for it, then is judged like any retry.
    while (key) {
      const existing = keys.get(scope);
      if (!existing) {
        const done = new Promise<void>((resolve) => {
          release = resolve;
        });
        entry = { fingerprint, done };
        keys.set(scope, entry);
        break;
      }
      if (!existing.result) {
        await existing.done;
        continue;
      }
      if (existing.fingerprint !== fingerprint) {
        return answer(
          errors(
            badRequest('IDEMPOTENCY_KEY_REUSED', 'The idempotency key can only be retried with the same request data.', 'idempotency_key'),
          ),
        );
      }
      return answer(existing.result);
    }
    await ctx.latency();
    let result: Result;
    let stored = true;
    try {
      result = target.run({ ctx, state, body });
    } catch (err) {
      stored = err instanceof SquareFailure && err.stored;
      result =
        err instanceof SquareFailure
          ? errors(err)
          : { status: 500, body: { errors: [{ category: 'API_ERROR', code: 'INTERNAL_SERVER_ERROR', detail: String(err) }] } };
    }
    result = { status: result.status, body: structuredClone(result.body) };
    if (entry) {
      if (keys.get(scope) === entry) {
        if (stored) entry.result = result;
        else keys.delete(scope);
      }
      release?.();
    }
    return result;
  }

  return {
    name: 'square',
    deferLatency: true,
    settings: { refunds: ['completed', 'pending'] },
    handle,
    /** A payment link id: the customer pays it. An APPROVED payment id: completed. A PENDING refund id: completed. */
    async complete(id, ctx) {
      const changed = complete({ ctx, state, body: {} }, id);
      return changed === null ? null : { notified: changed };
    },
    page(path) {
      const match = /^\/__sandbox\/pay\/square\/([A-Za-z0-9]+)$/.exec(path);
      if (!match) return null;
      const entry = state.links.get(match[1] as string);
      return entry ? linkPage(entry) : infoPage(CHECKOUT, 'No such payment link.', 404);
    },
    errorBody(status, message) {
      const code =
        status === 429
          ? 'RATE_LIMITED'
          : status === 503
            ? 'SERVICE_UNAVAILABLE'
            : status === 504
              ? 'GATEWAY_TIMEOUT'
              : 'INTERNAL_SERVER_ERROR';
      return { errors: [{ category: status === 429 ? 'RATE_LIMIT_ERROR' : 'API_ERROR', code, detail: message }] };
    },
    reset() {
      state = emptyState();
      keys = new Map();
    },
  };

  /**
   * The payment link's checkout page. Pay is complete() (a COMPLETED card payment for the link's order); then the
   * buyer goes to checkout_options.redirect_url with checkoutId, orderId and transactionId appended (the parameters
   * of Square's Checkout API redirect; for payment links **unconfirmed**), or sees a confirmation without one.
   * A declined card stays on the page, as Square's does.
   */
  function linkPage(entry: LinkEntry): HostedPage {
    const { link, order, price } = entry;
    const view: PageView = {
      provider: CHECKOUT,
      merchant: `Square location ${order.location_id}`,
      description: link.description ?? order.line_items?.[0]?.name ?? '',
      amount: { value: price.amount, currency: price.currency, unit: 'minor' },
      actions: entry.paymentId ? [] : PAY_DECLINE_CANCEL,
      ...(entry.paymentId ? { notice: 'This link is already paid.' } : {}),
    };
    return {
      view,
      act(action, actCtx) {
        if (action === 'decline') return { view: { ...view, notice: 'Your card was declined. Try again, or cancel.' } };
        if (action === 'cancel') return message(CHECKOUT, 'You left the checkout; nothing was charged.');
        if (!complete({ ctx: actCtx, state, body: {} }, link.id)) return { view: linkPage(entry).view };
        const redirect = link.checkout_options?.redirect_url;
        if (typeof redirect !== 'string' || !redirect) return { view: { ...view, actions: [], notice: 'Payment complete. Thank you!' } };
        return { redirect: withQuery(redirect, { checkoutId: link.id, orderId: order.id, transactionId: order.id }) };
      },
    };
  }
}
