import type { Bindings, Config, Principal } from '../env';
import { NotFoundError } from '../lib/errors';
import { CHECKOUT_SESSION_ID } from '../lib/ids';
import { pspFailureError } from '../lib/psp-errors';
import { checkoutStub } from '../lib/stubs';
import { pspWith } from '../psp/registry';
import { createCheckoutSession, notConfigured } from './checkout';

/**
 * The QPay invoice flow on the checkout-session service: an invoice is a QPay checkout session (purpose
 * qpay_invoice) owned by its object; the invoice code and credentials come from the deployment's config.
 */
export async function createQpayPaymentSession(
  env: Bindings,
  config: Config,
  principal: Principal,
  body: { amount: number; description?: string; orderId?: string },
  clientKey: string | null,
  origin: string,
) {
  const q = config.psp.providers.qpay;
  if (!q) throw notConfigured('qpay');
  const { view, replayed } = await createCheckoutSession(env, config, principal, {
    amount: body.amount,
    description: body.description ?? (body.orderId ? `Order ${body.orderId}` : 'QPay payment'),
    pspConfig: {
      psp: 'qpay',
      psp_merchant_id: q.invoiceCode,
      currency: 'MNT',
      ...(body.orderId ? { metadata: { order_id: body.orderId } } : {}),
    },
    purpose: 'qpay_invoice',
    ttlSeconds: null,
    // The same orderId (else Idempotency-Key) meets the same invoice: QPay itself does not deduplicate.
    clientKey: body.orderId ? `order:${body.orderId}` : clientKey,
    origin,
  });
  const d = view.details as { qr_text?: string; qr_image?: string; short_url?: string; urls?: unknown[] };
  return {
    replayed,
    body: {
      invoice_id: view.providerSessionId,
      qr_text: d.qr_text ?? '',
      qr_image: d.qr_image ?? '',
      short_url: d.short_url ?? view.checkoutUrl,
      urls: (d.urls ?? []) as { name?: string; description?: string; logo?: string; link?: string }[],
      session_id: view.sessionId,
      status: view.status,
      expires_at: view.expiresAt === null ? null : new Date(view.expiresAt).toISOString(),
    },
  };
}

/** Paid or not, asked of QPay's payment check, for the invoice's owner only. */
export async function qpayPaymentStatus(env: Bindings, config: Config, principal: Principal, invoiceId: string) {
  const adapter = pspWith(env, config, 'qpay', 'invoices');
  if (!adapter) throw notConfigured('qpay');
  const invoice = await adapter.invoices.invoice(invoiceId);
  if (!invoice.ok) {
    if (invoice.failure.status === 404 || invoice.failure.code === 'INVOICE_NOTFOUND') throw new NotFoundError('Invoice not found');
    throw pspFailureError('qpay', invoice.failure);
  }
  const sessionId = invoice.value.senderInvoiceNo;
  // Invoices not made by edgepay, or another tenant's, are not found.
  if (!sessionId || !CHECKOUT_SESSION_ID.test(sessionId)) throw new NotFoundError('Invoice not found');
  const view = await checkoutStub(env, sessionId).refresh(principal.tenantId);
  if (!view || view.providerSessionId !== invoiceId) throw new NotFoundError('Invoice not found');
  const paid = view.amountPaid > 0;
  return {
    invoice_id: invoiceId,
    session_id: view.sessionId,
    paid,
    status: view.status,
    amount: view.amount,
    currency: 'MNT' as const,
    payments:
      paid && view.paymentReference
        ? [
            {
              payment_id: view.paymentReference,
              amount: view.amountPaid,
              currency: view.currency,
              status: view.status === 'refunded' ? 'REFUNDED' : 'PAID',
            },
          ]
        : [],
  };
}
