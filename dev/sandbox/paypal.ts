import { randomBytes } from 'node:crypto';
import { type HostedPage, infoPage, type PageOutcome, type PageView, withQuery } from './pages.ts';
import { authenticationFailure, formatMoney, injectedError, invalidRequest, type Obj, PaypalFailure } from './paypal/objects.ts';
import {
  captureOrder,
  complete,
  createOrder,
  getCapture,
  getOrder,
  getRefund,
  type Op,
  type Result,
  refundCapture,
} from './paypal/operations.ts';
import { emptyState, type Order, orderView, refundView } from './paypal/state.ts';
import { createPaypalSigner } from './paypal/webhooks.ts';
import type { SandboxContext, SandboxProvider, SandboxRequest, SandboxResponse } from './types.ts';

/**
 * PayPal emulator, mounted at /paypal (official extract dev/sandbox/openapi/paypal-orders.json):
 *   POST /v1/oauth2/token                              Basic client credentials → Bearer token (lifetime: knob tokenTtlSeconds)
 *   POST /v2/checkout/orders                           201 (200 on PayPal-Request-Id replay)
 *   GET  /v2/checkout/orders/{id}
 *   POST /v2/checkout/orders/{id}/capture              201 (200 on replay); 422 ORDER_NOT_APPROVED / ORDER_ALREADY_CAPTURED
 *   GET  /v2/payments/captures/{id}
 *   POST /v2/payments/captures/{id}/refund             201; 422 REFUND_AMOUNT_EXCEEDED, DUPLICATE_INVOICE_ID, …
 *   GET  /v2/payments/refunds/{id}
 *   POST /v1/notifications/verify-webhook-signature    SUCCESS only for a webhook this sandbox sent, unchanged
 *   GET  /v1/notifications/certs/{id}                  the webhook signing public key (PEM)
 * Every API call needs a live token from /v1/oauth2/token (401 AUTHENTICATION_FAILURE otherwise). Client
 * credentials: any non-empty id and secret; the first secret seen for a client id is its secret until reset.
 * PayPal-Request-Id (PayPal's idempotency doc): a repeated key returns the latest state of what the first
 * request created, whatever the new body says; failed requests are not stored.
 */
type Grant = { clientId: string; expiresAt: number };
const APPROVAL = 'PayPal';

type Route = { method: string; pattern: RegExp; run: (op: Op, id: string) => Result; idempotent?: 'orders' | 'payments' };
const ROUTES: Route[] = [
  { method: 'POST', pattern: /^\/v2\/checkout\/orders$/, run: createOrder, idempotent: 'orders' },
  { method: 'GET', pattern: /^\/v2\/checkout\/orders\/([^/]+)$/, run: getOrder },
  { method: 'POST', pattern: /^\/v2\/checkout\/orders\/([^/]+)\/capture$/, run: captureOrder, idempotent: 'orders' },
  { method: 'GET', pattern: /^\/v2\/payments\/captures\/([^/]+)$/, run: getCapture },
  { method: 'POST', pattern: /^\/v2\/payments\/captures\/([^/]+)\/refund$/, run: refundCapture, idempotent: 'payments' },
  { method: 'GET', pattern: /^\/v2\/payments\/refunds\/([^/]+)$/, run: getRefund },
];

function oauthError(status: number, error: string, description: string): SandboxResponse {
  return { status, body: { error, error_description: description } };
}

function basic(header: string | undefined): { id: string; secret: string } | null {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0 || colon === decoded.length - 1) return null;
  return { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

export function createPaypalProvider(): SandboxProvider {
  let state = emptyState();
  const signer = createPaypalSigner();
  let grants = new Map<string, Grant>();
  let secrets = new Map<string, string>();
  let requestIds = new Map<string, { kind: 'order' | 'refund'; id: string }>();

  function token(req: SandboxRequest, ctx: SandboxContext): SandboxResponse {
    const client = basic(req.headers.authorization);
    if (!client) return oauthError(401, 'invalid_client', 'Client Authentication failed');
    const known = secrets.get(client.id);
    if (known !== undefined && known !== client.secret) return oauthError(401, 'invalid_client', 'Client Authentication failed');
    const form = req.body && typeof req.body === 'object' ? (req.body as Record<string, string>) : {};
    if (!form.grant_type) return oauthError(400, 'unsupported_grant_type', 'Grant Type is NULL');
    if (form.grant_type !== 'client_credentials')
      return oauthError(400, 'unsupported_grant_type', `Grant Type ${form.grant_type} is not supported`);
    secrets.set(client.id, client.secret);
    const ttl = ctx.tokenTtlSeconds();
    const accessToken = `A21AA${randomBytes(48).toString('base64url')}`;
    grants.set(accessToken, { clientId: client.id, expiresAt: ctx.now() + ttl * 1000 });
    return {
      status: 200,
      body: {
        scope:
          'https://uri.paypal.com/services/payments/payment https://uri.paypal.com/services/payments/refund https://uri.paypal.com/services/applications/webhooks',
        access_token: accessToken,
        token_type: 'Bearer',
        app_id: 'APP-80W284485P519543T',
        expires_in: ttl,
        nonce: `${new Date(ctx.now()).toISOString().slice(0, 19)}Z${randomBytes(16).toString('base64url')}`,
      },
    };
  }

  function bearer(req: SandboxRequest, ctx: SandboxContext): Grant | null {
    const value = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const grant = value ? grants.get(value) : undefined;
    return grant && grant.expiresAt > ctx.now() ? grant : null;
  }

  /** A replay: the latest state of the resource the first request created (order create/capture 200, refund 201). */
  function replay(entry: { kind: 'order' | 'refund'; id: string }, ctx: SandboxContext, representation: boolean): SandboxResponse {
    if (entry.kind === 'order') return { status: 200, body: orderView(state, state.orders.get(entry.id) as never, ctx, representation) };
    const view = refundView(state, state.refunds.get(entry.id) as never, ctx);
    return { status: 201, body: representation ? view : { id: view.id, status: view.status, links: view.links } };
  }

  async function handle(req: SandboxRequest, ctx: SandboxContext): Promise<SandboxResponse> {
    if (req.method === 'POST' && req.path === '/v1/oauth2/token') return token(req, ctx);
    if (req.method === 'GET' && req.path.startsWith('/v1/notifications/certs/')) return { status: 200, body: signer.publicKeyPem() };
    const grant = bearer(req, ctx);
    try {
      if (!grant) throw authenticationFailure();
      let body: Obj = {};
      if (req.method === 'POST' && req.rawBody) {
        if (!req.body || typeof req.body !== 'object' || Array.isArray(req.body)) {
          throw invalidRequest('MALFORMED_REQUEST_JSON', 'The request JSON is not well formed.', '/');
        }
        body = req.body as Obj;
      }
      if (req.method === 'POST' && req.path === '/v1/notifications/verify-webhook-signature') {
        return { status: 200, body: { verification_status: signer.verify(body, ctx) } };
      }
      const route = ROUTES.map((r) => ({ r, m: r.method === req.method ? r.pattern.exec(req.path) : null })).find((x) => x.m);
      if (!route?.m)
        throw new PaypalFailure(404, {
          name: 'RESOURCE_NOT_FOUND',
          message: 'The specified resource does not exist.',
          debug_id: randomBytes(7).toString('hex').slice(0, 13),
        });
      const representation = /return=representation/i.test(req.headers.prefer ?? '');
      const requestId = req.headers['paypal-request-id'];
      if (requestId !== undefined && route.r.idempotent === 'orders' && (requestId.length < 1 || requestId.length > 108)) {
        throw invalidRequest(
          'INVALID_STRING_LENGTH',
          'The value of a field is either too short or too long',
          'PayPal-Request-Id',
          'header',
        );
      }
      const scope = requestId && route.r.idempotent ? `${grant.clientId}\u0000${req.path}\u0000${requestId}` : null;
      const stored = scope ? requestIds.get(scope) : undefined;
      if (stored) return replay(stored, ctx, representation);
      const result = route.r.run({ ctx, state, signer, body, representation }, decodeURIComponent(route.m[1] ?? ''));
      if (scope && result.resource) requestIds.set(scope, result.resource);
      return { status: result.status, body: result.body };
    } catch (err) {
      if (err instanceof PaypalFailure) return { status: err.status, body: err.body };
      throw err;
    }
  }

  return {
    name: 'paypal',
    settings: { captures: ['completed', 'pending', 'declined'], refunds: ['completed', 'pending'] },
    handle,
    async complete(id, ctx) {
      const changed = complete({ ctx, state, signer }, id);
      return changed === null ? null : { notified: changed };
    },
    page(path, query) {
      if (path !== '/paypal/checkoutnow') return null;
      const order = query.token ? state.orders.get(query.token) : undefined;
      return order ? approvalPage(order) : infoPage(APPROVAL, 'No such order.', 404);
    },
    errorBody: injectedError,
    reset() {
      state = emptyState();
      grants = new Map();
      secrets = new Map();
      requestIds = new Map();
      signer.reset();
    },
  };

  /**
   * The payer's approval page (the order's approve / payer-action link). Approve is complete() (the order becomes
   * APPROVED, CHECKOUT.ORDER.APPROVED is sent); then the payer returns to the experience_context return_url with
   * token (the order id) and PayerID, as PayPal does. Cancel changes nothing and returns to cancel_url with token.
   */
  function approvalPage(order: Order): HostedPage {
    const approvable = order.status === 'CREATED' || order.status === 'PAYER_ACTION_REQUIRED';
    const money = formatMoney(order.unit.amount);
    const view: PageView = {
      provider: APPROVAL,
      merchant: order.unit.payee.email_address ?? `PayPal merchant ${order.unit.payee.merchant_id}`,
      description: order.unit.description ?? `Order ${order.unit.reference_id}`,
      amount: { value: Number(money.value), currency: money.currency_code, unit: 'major' },
      actions: approvable
        ? [
            { id: 'approve', label: 'Approve' },
            { id: 'cancel', label: 'Cancel' },
          ]
        : [],
      ...(approvable ? {} : { notice: `This order is ${order.status.toLowerCase().replaceAll('_', ' ')}; there is nothing to approve.` }),
    };
    const back = (url: string | undefined, params: Record<string, string>, done: string): PageOutcome =>
      url ? { redirect: withQuery(url, params) } : { view: { ...view, actions: [], notice: done } };
    return {
      view,
      act(action, actCtx) {
        if (action === 'cancel') return back(order.cancelUrl, { token: order.id }, 'You cancelled; nothing was paid.');
        if (!complete({ ctx: actCtx, state, signer }, order.id)) return { view: approvalPage(order).view };
        return back(order.returnUrl, { token: order.id, PayerID: String(order.payer?.payer_id) }, 'Approved.');
      },
    };
  }
}
