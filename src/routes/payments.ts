import { createRoute } from '@hono/zod-openapi';
import { createRouter } from '../lib/router';
import { requireAuth } from '../middleware/auth';
import { requireIdempotencyKey } from '../middleware/idempotency-key';
import { userRateLimit } from '../middleware/rate-limit';
import { BEARER_AUTH, ErrorBodySchema, errorResponses } from '../schemas/common';
import {
  IdempotencyKeyHeader,
  ProcessHeaders,
  ProcessPaymentBody,
  ProcessPaymentResponse,
  RefundBody,
  RefundResponse,
  TransactionIdParam,
  TransactionView,
} from '../schemas/payments';
import { getTransaction, type PaymentAnswer, processPayment, refundPayment } from '../services/payments';

const processRoute = createRoute({
  method: 'post',
  path: '/api/v1/payments/process',
  tags: ['Payments'],
  summary: 'Charge for tickets (idempotent)',
  description:
    'Prices come from the event catalog. Before the charge, in this order: a high-demand event needs a waiting-room token (x-access-token, spent by the first ' +
    "completed payment); bot detection from sessionData, the user agent and Cloudflare's bot score (403 BOT_DETECTED); a fraud and scalper score " +
    '(403 FRAUD_DETECTED, or 403 VERIFICATION_REQUIRED: retry with x-verification-token from a NoTap verification of this user); velocity per user, ' +
    'IP, card and device (429 with Retry-After); then the purchase limits (per order, user, card and address), which reserve the tickets. ' +
    'A refused purchase holds nothing. ' +
    'Same Idempotency-Key and body → the stored response with Idempotent-Replayed: true; while the first runs → 409; another body → 422.',
  security: BEARER_AUTH,
  // No per-user rate limit here: duplicates of one request are answered by its object (replay or 409),
  // and how much one buyer may purchase is the event's purchase limits' to judge.
  middleware: [requireAuth(), requireIdempotencyKey()],
  request: { headers: ProcessHeaders, body: { required: true, content: { 'application/json': { schema: ProcessPaymentBody } } } },
  responses: {
    200: { description: 'Charged', content: { 'application/json': { schema: ProcessPaymentResponse } } },
    202: {
      description: 'Accepted by the PSP, outcome pending (webhook follows)',
      content: { 'application/json': { schema: ProcessPaymentResponse } },
    },
    402: {
      description: 'PAYMENT_FAILED (declineCode) or PAYMENT_REQUIRES_ACTION (nextAction)',
      content: { 'application/json': { schema: ErrorBodySchema } },
    },
    502: { description: 'PSP_UNAVAILABLE: retry with the same key', content: { 'application/json': { schema: ErrorBodySchema } } },
    ...errorResponses(400, 401, 403, 409, 413, 422, 429),
  },
});

const transactionRoute = createRoute({
  method: 'get',
  path: '/api/v1/payments/transaction/{transactionId}',
  tags: ['Payments'],
  summary: 'A transaction and its status (owner or admin)',
  security: BEARER_AUTH,
  middleware: [requireAuth(), userRateLimit()],
  request: { params: TransactionIdParam },
  responses: {
    200: { description: 'The transaction', content: { 'application/json': { schema: TransactionView } } },
    ...errorResponses(401, 404, 422, 429),
  },
});

const refundRoute = createRoute({
  method: 'post',
  path: '/api/v1/payments/transaction/{transactionId}/refund',
  tags: ['Payments'],
  summary: 'Refund a payment, fully or partly (owner or admin; idempotent)',
  description: 'Full when amount is omitted. The sum of refunds never exceeds the payment (400 REFUND_EXCEEDS_ORIGINAL).',
  security: BEARER_AUTH,
  middleware: [requireAuth(), userRateLimit(), requireIdempotencyKey()],
  request: {
    params: TransactionIdParam,
    headers: IdempotencyKeyHeader,
    body: { required: true, content: { 'application/json': { schema: RefundBody } } },
  },
  responses: {
    200: { description: 'Refund completed or pending at the PSP', content: { 'application/json': { schema: RefundResponse } } },
    402: { description: 'The PSP failed the refund', content: { 'application/json': { schema: ErrorBodySchema } } },
    502: { description: 'PSP_UNAVAILABLE: retry with the same key', content: { 'application/json': { schema: ErrorBodySchema } } },
    ...errorResponses(400, 401, 404, 409, 413, 422, 429),
  },
});

/** Cloudflare's bot score for the request (1 automated … 99 human), when the zone runs Bot Management. */
function cloudflareBotScore(request: Request): number | undefined {
  const score = (request.cf as { botManagement?: { score?: unknown } } | undefined)?.botManagement?.score;
  return typeof score === 'number' && score >= 1 && score <= 99 ? score : undefined;
}

/**
 * A success as the object stored it: the stored text is JSON.stringify's output, so parsing and rendering it
 * again gives the same bytes and a replay is byte-identical. Refusals were thrown and rendered by renderError.
 */
function storedBody<T>(answer: PaymentAnswer): T {
  return JSON.parse(answer.body) as T;
}

export const paymentRoutes = createRouter()
  .openapi(processRoute, async (c) => {
    const result = await processPayment(c.env, c.get('config'), c.get('principal'), c.get('idempotencyKey'), c.req.valid('json'), {
      requestId: c.get('requestId'),
      path: c.req.path,
      ip: c.req.header('cf-connecting-ip'),
      userAgent: c.req.header('user-agent'),
      accessToken: c.req.header('x-access-token'),
      verificationToken: c.req.header('x-verification-token'),
      cfBotScore: cloudflareBotScore(c.req.raw),
    });
    if (result.replayed) c.header('Idempotent-Replayed', 'true');
    return c.json(storedBody<ProcessPaymentResponse>(result), result.status);
  })
  .openapi(refundRoute, async (c) => {
    const result = await refundPayment(
      c.env,
      c.get('principal'),
      c.req.valid('param').transactionId,
      c.get('idempotencyKey'),
      c.req.valid('json'),
      {
        requestId: c.get('requestId'),
        path: c.req.path,
      },
    );
    if (result.replayed) c.header('Idempotent-Replayed', 'true');
    // A refund answers 200 (completed or pending at the PSP) or is refused; it is never 202.
    return c.json(storedBody<RefundResponse>(result), 200);
  })
  .openapi(transactionRoute, async (c) => c.json(await getTransaction(c.env, c.get('principal'), c.req.valid('param').transactionId), 200));
