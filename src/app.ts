import { Scalar } from '@scalar/hono-api-reference';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import { type AppEnv, ConfigError, parseConfig } from './env';
import { allowedMethodsFinder } from './lib/allowed-methods';
import {
  AppError,
  asAppError,
  BadRequestError,
  InternalError,
  MalformedJsonError,
  MethodNotAllowedError,
  NotFoundError,
  toErrorBody,
  UnsupportedMediaTypeError,
} from './lib/errors';
import { loggerFor } from './lib/logger';
import { createRouter } from './lib/router';
import { bodyLimit } from './middleware/body-limit';
import { unauthenticatedRateLimit } from './middleware/rate-limit';
import { noteRoutePattern, requestLog } from './middleware/request-log';
import { textGuard } from './middleware/text-guard';
import { adminRoutes } from './routes/admin';
import { catalogRoutes } from './routes/catalog';
import { checkoutRoutes } from './routes/checkout';
import { checkoutWebhookRoutes } from './routes/checkout-webhooks';
import { complianceRoutes } from './routes/compliance';
import { feeRoutes } from './routes/fees';
import { fraudAdminRoutes } from './routes/fraud-admin';
import { healthRoutes } from './routes/health';
import { internalRoutes } from './routes/internal';
import { marketplaceRoutes } from './routes/marketplace';
import { paymentRoutes } from './routes/payments';
import { qpayRoutes } from './routes/qpay';
import { recoveryRoutes } from './routes/recovery';
import { ticketRoutes } from './routes/tickets';
import { venueRoutes } from './routes/venues';
import { verificationRoutes } from './routes/verification';
import { waitingRoomRoutes } from './routes/waiting-room';
import { webhookRoutes } from './routes/webhooks';

/** Where the Scalar UI bundle is served from (Workers static assets, filled by `npm run assets`). */
export const DOCS_SCRIPT_PATH = '/docs/scalar.js';

/** Lower layers throw precise errors; this is the one place they become the contract's codes. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof HTTPException) {
    if (err.status === 400 && /json/i.test(err.message)) return new MalformedJsonError();
    if (err.status === 413) return new AppError('PAYLOAD_TOO_LARGE', 'Request body too large');
    // @hono/zod-openapi's media-type gate: a body whose Content-Type the route does not declare.
    if (err.status === 415) return new UnsupportedMediaTypeError();
    return err.status >= 500 ? new InternalError(err) : new BadRequestError(err.status, err.message);
  }
  return asAppError(err);
}

export function renderError(c: Context<AppEnv>, err: unknown): Response {
  const appError = toAppError(err);
  if (appError.status >= 500) {
    const logger = c.get('logger') ?? loggerFor(c.env, { requestId: c.get('requestId') });
    const cause = appError.cause ?? err;
    logger.error('request.error', {
      code: appError.code,
      // Config problems name variables, never values; anything else is logged by class and message.
      err: cause instanceof ConfigError ? cause.problems : cause,
    });
  }
  const body = toErrorBody(appError, c.req.path, c.get('requestId') ?? '', new Date());
  return c.json(body, appError.status as 400, appError.headers);
}

export function createApp() {
  const app = createRouter();
  const allowedMethods = allowedMethodsFinder(() => app.routes);

  app.use(requestId({ headerName: 'X-Request-Id' }));
  app.use(requestLog());
  app.use(async (c, next) => {
    c.set('config', parseConfig(c.env));
    await next();
  });
  app.use(unauthenticatedRateLimit());
  app.use(bodyLimit());
  // A path parameter with bad text is named by the route it would reach (same table as the 405's Allow).
  app.use(textGuard((path) => allowedMethods(path).pattern));

  app.route('/', healthRoutes);
  app.route('/', adminRoutes);
  app.route('/', catalogRoutes);
  app.route('/', paymentRoutes);
  app.route('/', webhookRoutes);
  app.route('/', checkoutRoutes);
  app.route('/', qpayRoutes);
  app.route('/', verificationRoutes);
  app.route('/', recoveryRoutes);
  app.route('/', checkoutWebhookRoutes);
  app.route('/', feeRoutes);
  app.route('/', internalRoutes);
  app.route('/', waitingRoomRoutes);
  app.route('/', ticketRoutes);
  app.route('/', venueRoutes);
  app.route('/', marketplaceRoutes);
  app.route('/', fraudAdminRoutes);
  app.route('/', complianceRoutes);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'RS256 or ES256 JWT with claims sub, tenant_id, role (user | merchant | venue_manager | admin), venues',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'internalHmac', {
    type: 'apiKey',
    in: 'header',
    name: 'x-internal-signature',
    description:
      'hex HMAC-SHA256(INTERNAL_SERVICE_SECRET, service\\ntimestamp\\nMETHOD\\npath\\nrawBody) with x-internal-service and x-internal-timestamp (±300 s); each signature is accepted once',
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/openapi.json',
    tags: ['Docs'],
    summary: 'This OpenAPI 3.1 document',
    responses: { 200: { description: 'OpenAPI document', content: { 'application/json': { schema: { type: 'object' } } } } },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/docs',
    tags: ['Docs'],
    summary: 'API reference (Scalar)',
    responses: { 200: { description: 'HTML page', content: { 'text/html': { schema: { type: 'string' } } } } },
  });

  app.doc31('/openapi.json', (c) => ({
    openapi: '3.1.0',
    info: {
      title: 'edgepay API',
      version: c.get('config').serviceVersion,
      description: 'Payments at the edge. Errors share one envelope: { error, code, timestamp, path, requestId, errors? }.',
    },
  }));
  app.get('/docs', Scalar({ url: '/openapi.json', pageTitle: 'edgepay API', cdn: DOCS_SCRIPT_PATH, withDefaultFonts: false }));

  app.notFound((c) => {
    const allowed = allowedMethods(c.req.path);
    if (!allowed.pattern) return renderError(c, new NotFoundError(`No route for ${c.req.method} ${c.req.path}`));
    noteRoutePattern(c, allowed.pattern);
    return renderError(c, new MethodNotAllowedError(c.req.method, allowed.methods));
  });
  app.onError((err, c) => renderError(c, err));
  return app;
}
