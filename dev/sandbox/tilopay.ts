import { randomBytes } from 'node:crypto';
import { type HostedPage, infoPage, PAY_DECLINE_CANCEL, type PageView, withSetting } from './pages.ts';
import {
  apiPassword,
  apiUser,
  complete,
  consult,
  emptyState,
  errorBody,
  type Obj,
  type Order,
  processModification,
  processPayment,
  TilopayFailure,
} from './tilopay/operations.ts';
import type { SandboxContext, SandboxProvider, SandboxRequest, SandboxResponse } from './types.ts';

/**
 * Tilopay emulator, mounted at /tilopay (no OpenAPI exists, so the shapes below are the sandbox's
 * where Tilopay's are **unconfirmed**):
 *   POST /login                 { apiuser, password } → { access_token, token_type: "bearer", expires_in (lifetime) }
 *   POST /processPayment        → { url }; order numbers are single use per key
 *   POST /consult               { key, orderNumber, merchantId } → { type: "200", response: [rows] } (no rows before payment)
 *   POST /processModification   type "2" refund, partial or full → { type: "200", response: "1", tpt, amount, refunded, … }
 * Everything but /login needs `Authorization: bearer <token>`. Errors: HTTP 400/401 with `{ type: "400"|"401", message }`.
 * Credentials: SandboxSecrets.tilopayApiUser / tilopayApiPassword (defaults SANDBOX_DEFAULTS). Integration key: any
 * value shaped 0000-0000-0000-0000-0000 (SANDBOX_TILOPAY_KEY is the one the dev stack uses).
 * Setting `outcome`: approved (default) | declined | pending | canceled — what the sandbox's payer gets.
 */
export const SANDBOX_TILOPAY_KEY = '0000-0000-0000-0000-0000';
const HOSTED = 'Tilopay';

export function createTilopayProvider(): SandboxProvider {
  let state = emptyState();
  let tokens = new Map<string, number>();

  function login(body: Obj, ctx: SandboxContext): SandboxResponse {
    if (body.apiuser !== apiUser(ctx) || body.password !== apiPassword(ctx))
      return { status: 401, body: errorBody(401, 'Invalid credentials.') };
    const ttl = ctx.tokenTtlSeconds();
    const token = randomBytes(30).toString('base64url');
    tokens.set(token, ctx.now() + ttl * 1000);
    return { status: 200, body: { access_token: token, token_type: 'bearer', expires_in: ttl } };
  }

  async function handle(req: SandboxRequest, ctx: SandboxContext): Promise<SandboxResponse> {
    const body: Obj = req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? (req.body as Obj) : {};
    if (req.method !== 'POST') return { status: 405, body: errorBody(405, 'Method not allowed.') };
    if (req.path === '/login') return login(body, ctx);
    const token = /^bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const expiresAt = token ? tokens.get(token) : undefined;
    if (expiresAt === undefined || expiresAt <= ctx.now()) return { status: 401, body: errorBody(401, 'Unauthenticated.') };
    try {
      if (req.path === '/processPayment') return { status: 200, body: processPayment(ctx, state, body) };
      if (req.path === '/consult') return { status: 200, body: consult(state, body) };
      if (req.path === '/processModification') return { status: 200, body: processModification(state, body) };
      return { status: 404, body: errorBody(404, 'Not found.') };
    } catch (err) {
      if (err instanceof TilopayFailure) return { status: err.status, body: errorBody(err.status, err.message) };
      throw err;
    }
  }

  return {
    name: 'tilopay',
    settings: { outcome: ['approved', 'declined', 'pending', 'canceled'] },
    handle,
    async complete(orderNumber, ctx) {
      const notified = complete(ctx, state, orderNumber);
      return notified === null ? null : { notified };
    },
    page(path, query) {
      const match = /^\/tilopay\/checkout\/([0-9a-f]+)$/.exec(path);
      if (!match) return null;
      const order = [...state.orders.values()].find((o) => o.page === match[1] && o.orderNumber === query.order);
      return order ? paymentPage(order) : infoPage(HOSTED, 'No such order.', 404);
    },
    errorBody,
    reset() {
      state = emptyState();
      tokens = new Map();
    },
  };

  /**
   * The hosted payment form (processPayment's url). Pay is complete() (setting `outcome`), Decline and Cancel the
   * same as `declined` and `canceled`; each sends the browser to the order's `redirect` with the result and the
   * OrderHash — the redirect the sandbox makes itself when completed through POST /__sandbox/complete.
   */
  function paymentPage(order: Order): HostedPage {
    const approved = order.attempts.some((a) => a.code === '1');
    const view: PageView = {
      provider: HOSTED,
      merchant: 'Tilopay merchant',
      description: `Order ${order.orderNumber}`,
      amount: { value: order.hundredths / 100, currency: order.currency, unit: 'major' },
      actions: approved ? [] : PAY_DECLINE_CANCEL,
      ...(approved ? { notice: 'This order is already paid.' } : {}),
    };
    return {
      view,
      act(action, actCtx) {
        const outcome = action === 'decline' ? 'declined' : action === 'cancel' ? 'canceled' : null;
        complete(outcome ? withSetting(actCtx, 'outcome', outcome) : actCtx, state, order.orderNumber);
        // complete() emitted the redirect (the server sends the browser there); without one, show where things are.
        return { view: paymentPage(order).view };
      },
    };
  }
}
