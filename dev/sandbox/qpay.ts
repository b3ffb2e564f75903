import { type HostedPage, infoPage, message, PAY_DECLINE_CANCEL, type PageView } from './pages.ts';
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
  type Invoice,
  isExpired,
  type Op,
  type QpayState,
  type Result,
  returnPayment,
} from './qpay/invoices.ts';
import type { SandboxContext, SandboxProvider, SandboxRequest } from './types.ts';

export { QPAY_TEST_INVOICE_CODE } from './qpay/invoices.ts';

const QPAY = 'QPay';

/**
 * QPay merchant API v2, mounted at /qpay: token and refresh (qpay/auth.ts), invoices,
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
    page(path, _query, ctx) {
      const match = /^\/qpay\/s\/([A-Za-z0-9_-]+)$/.exec(path);
      if (!match) return null;
      const invoice = [...state.invoices.values()].find((i) => i.shortCode === match[1]);
      return invoice ? invoicePage(state, invoice, ctx) : infoPage(QPAY, 'No such invoice.', 404);
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

/**
 * The invoice's short URL: what a payer sees before paying in a bank app. Pay is complete() (the payment row, the
 * invoice CLOSED, the callback to the merchant). QPay sends the payer nowhere afterwards: the page says it is paid.
 */
function invoicePage(state: QpayState, invoice: Invoice, ctx: SandboxContext): HostedPage {
  const payable = invoice.status === 'OPEN' && !isExpired(invoice, ctx.now());
  const view: PageView = {
    provider: QPAY,
    merchant: `Invoice ${invoice.sender_invoice_no}`,
    description: invoice.invoice_description,
    amount: { value: invoice.amount, currency: 'MNT', unit: 'major' },
    actions: payable ? PAY_DECLINE_CANCEL : [],
    ...(payable
      ? {}
      : { notice: `This invoice cannot be paid (${isExpired(invoice, ctx.now()) ? 'expired' : invoice.status.toLowerCase()}).` }),
  };
  return {
    view,
    act(action, actCtx) {
      if (action === 'decline') return { view: { ...view, notice: 'Your bank declined the payment. Try again, or cancel.' } };
      if (action === 'cancel') return message(QPAY, 'You left without paying; the invoice stays open.');
      const result = completeInvoice(actCtx, state, invoice.invoice_id);
      if (!result?.notified) return { view: invoicePage(state, invoice, actCtx).view };
      return { view: { ...view, actions: [], notice: 'Paid. The merchant has been notified.' } };
    },
  };
}
