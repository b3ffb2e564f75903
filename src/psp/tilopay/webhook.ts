import { verifyHmacSha256Hex } from '../../lib/crypto';
import { type CheckoutNotification, type InboundNotification, WebhookPayloadError, WebhookVerificationError } from '../checkout';
import type { PspResult } from '../types';
import {
  decisiveRow,
  type TilopayConsultRow,
  tilopayHundredths,
  tilopayOrderHashKey,
  tilopayOrderHashMessage,
  tilopayRowToPayment,
} from './transformers';
import { TilopayRedirectQuery } from './wire';

/**
 * Tilopay has no server webhook for one-off payments: the payer's browser is redirected by GET to our `redirect`
 * URL with `code, description, auth, order, tpt, OrderHash, returnData, …`. Nothing in the query
 * is trusted: the state comes from a server-side POST /consult, and a present OrderHash must match
 * the V2 formula computed from the consulted amount, currency and email — a mismatch means the query was altered.
 */
export class TilopayConsultUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TilopayConsultUnavailableError';
  }
}

type Deps = {
  consult(orderNumber: string): Promise<PspResult<TilopayConsultRow[]>>;
  /** When given, an order that is not a session of ours is not consulted (the redirect URL is open to anyone). */
  ownsSession?(orderNumber: string): Promise<boolean>;
  apiKey: string;
  apiUser: string;
  apiPassword: string;
};

function decodeReturnData(value: string): string | null {
  try {
    return atob(value);
  } catch {
    return null;
  }
}

/**
 * The parameters we read, checked with TilopayRedirectQuery: no order or code is not a redirect of Tilopay's
 * (verification), an overlong parameter is a malformed one (payload).
 */
function readRedirectQuery(query: URLSearchParams): TilopayRedirectQuery {
  const parsed = TilopayRedirectQuery.safeParse({
    order: query.get('order') ?? '',
    code: query.get('code') ?? '',
    tpt: query.get('tpt') ?? query.get('tilopay-transaction') ?? '',
    auth: query.get('auth') ?? '',
    hash: query.get('OrderHash') ?? query.get('orderHash') ?? '',
    returnData: query.get('returnData') ?? '',
  });
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues;
  if (issues.some((i) => i.code === 'too_small')) throw new WebhookVerificationError('Tilopay redirect without order or code');
  const names = [...new Set(issues.map((i) => String(i.path[0])))];
  throw new WebhookPayloadError(`Tilopay redirect with an overlong ${names.join(', ')}`);
}

export async function parseTilopayRedirect(request: InboundNotification, deps: Deps): Promise<CheckoutNotification[]> {
  if (request.method !== 'GET') throw new WebhookVerificationError('Tilopay redirects the payer with GET');
  let query: URLSearchParams;
  try {
    query = new URL(request.url).searchParams;
  } catch {
    throw new WebhookVerificationError('Tilopay redirect URL is not a URL');
  }
  const q = readRedirectQuery(query);
  const { order, code, tpt, returnData } = q;
  // We send returnData = base64(order number); an echo that decodes to another order is a forged query.
  if (returnData && decodeReturnData(returnData) !== order)
    throw new WebhookVerificationError('Tilopay returnData does not name this order');

  if (deps.ownsSession && !(await deps.ownsSession(order))) return [];
  const consulted = await deps.consult(order);
  if (!consulted.ok) {
    const f = consulted.failure;
    if (f.kind === 'invalid_request' || f.kind === 'authentication') throw new Error(`Tilopay consult refused: ${f.message}`);
    throw new TilopayConsultUnavailableError(f.message);
  }
  const rows = consulted.value;
  const row = tpt ? rows.find((r) => String(r.tpt ?? '') === tpt) : decisiveRow(rows);
  if (!row) throw new WebhookVerificationError('Tilopay has no such transaction for this order');

  const hash = q.hash;
  if (hash) {
    const hundredths = tilopayHundredths(row.amount);
    if (hundredths === null || !tpt) throw new WebhookVerificationError('Tilopay OrderHash cannot be checked against the consult');
    const message = tilopayOrderHashMessage({
      apiKey: deps.apiKey,
      apiUser: deps.apiUser,
      tpt,
      orderNumber: order,
      hundredths,
      currency: String(row.currency ?? ''),
      code,
      auth: q.auth,
      email: String(row.email ?? ''),
    });
    const ok = await verifyHmacSha256Hex(tilopayOrderHashKey(tpt, deps.apiKey, deps.apiPassword), message, hash.trim().toLowerCase());
    if (!ok) throw new WebhookVerificationError('Tilopay OrderHash does not match');
  }

  const payment = tilopayRowToPayment(row);
  if (!payment.ok) throw new WebhookVerificationError(payment.failure.message);
  const { status, amountPaid, amountRefunded, paymentReference } = payment.value;
  return [
    {
      provider: 'tilopay',
      eventId: `tilopay:${order}:${tpt}:${code}`,
      type: 'redirect',
      sessionId: order,
      reference: order,
      paymentReference: tpt || paymentReference,
      observed: {
        kind: 'payment',
        status,
        amount: status === 'processing' || status === 'failed' || status === 'canceled' ? null : amountPaid,
        amountRefunded,
      },
      occurredAt: Date.now(),
    },
  ];
}
