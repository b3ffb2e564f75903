import { type AuthStore, authorized, emptyAuthStore, type Grant, handleAuth } from './qpay/auth.ts';
import { QpayFailure, qpayError, qpayErrorBody } from './qpay/errors.ts';
import {
  cancelInvoice,
  checkPayment,
  completeInvoice,
  createInvoice,
  emptyQpayState,
  getInvoice,
  getPayment,
  type Op,
  type Result,
  returnPayment,
} from './qpay/invoices.ts';
import type { SandboxProvider, SandboxRequest } from './types.ts';

export { QPAY_TEST_INVOICE_CODE } from './qpay/invoices.ts';

/**
 * QPay merchant API v2 (CONTRACTS.md §7), mounted at /qpay: token and refresh (qpay/auth.ts), invoices,
 * payment check, payment read, refund and card cancel (qpay/invoices.ts). Every call but the token calls
 * needs a Bearer access token this emulator issued (401 AUTHENTICATION_FAILED otherwise). QPay has no
 * idempotency key: two identical invoice calls make two invoices. `complete(invoiceId)` pays an invoice
 * and calls its callback_url with GET, unsigned, as QPay does. Setting `expiresInStyle`: 'epoch' | 'duration'.
 */
const ROUTES: Array<[method: string, path: RegExp, run: (op: Op, id: string) => Result]> = [
  ['POST', /^\/v2\/invoice$/, createInvoice],
  ['GET', /^\/v2\/invoice\/([^/]+)$/, getInvoice],
  ['DELETE', /^\/v2\/invoice\/([^/]+)$/, cancelInvoice],
  ['POST', /^\/v2\/payment\/check$/, checkPayment],
  ['GET', /^\/v2\/payment\/([^/]+)$/, getPayment],
  ['DELETE', /^\/v2\/payment\/refund\/([^/]+)$/, returnPayment],
  ['DELETE', /^\/v2\/payment\/cancel\/([^/]+)$/, returnPayment],
];

export function createQpayProvider(): SandboxProvider & { authorized(req: SandboxRequest, now: number): Grant | null } {
  const auth: AuthStore = emptyAuthStore();
  let state = emptyQpayState();
  return {
    name: 'qpay',
    authorized: (req, now) => authorized(auth, req, now),
    settings: { expiresInStyle: ['epoch', 'duration'] },
    async handle(req, ctx) {
      const token = handleAuth(auth, req, ctx);
      if (token) return token;
      const grant = authorized(auth, req, ctx.now());
      if (!grant) return qpayError(401, 'AUTHENTICATION_FAILED', 'Access token is missing, invalid or expired');
      for (const [method, pattern, run] of ROUTES) {
        const match = method === req.method ? pattern.exec(req.path) : null;
        if (!match) continue;
        try {
          return run({ ctx, state, grant, body: req.body }, decodeURIComponent(match[1] ?? ''));
        } catch (err) {
          if (err instanceof QpayFailure) return qpayError(err.status, err.code, err.message);
          throw err;
        }
      }
      return qpayError(404, 'NOT_FOUND');
    },
    async complete(invoiceId, ctx) {
      return completeInvoice(ctx, state, invoiceId);
    },
    errorBody(status, message) {
      const code =
        status === 401
          ? 'AUTHENTICATION_FAILED'
          : status === 403
            ? 'PERMISSION_DENIED'
            : status >= 500
              ? 'INTERNAL_ERROR'
              : 'VALIDATION_ERROR';
      return qpayErrorBody(code, message);
    },
    reset() {
      auth.grants.clear();
      auth.refreshes.clear();
      state = emptyQpayState();
    },
  };
}
