import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { createRouter } from '../lib/router';
import { requireAuth, requireRole } from '../middleware/auth';
import { userRateLimit } from '../middleware/rate-limit';
import { BEARER_AUTH, ErrorBodySchema, errorResponses } from '../schemas/common';
import {
  EnrolFactorBody,
  EnrolFactorResponse,
  FactorListResponse,
  InitiateVerificationBody,
  InitiateVerificationResponse,
  JwksResponse,
  SessionIdParam,
  UserRefParam,
  VerificationStateResponse,
  VerifyFactorBody,
  VerifyFactorResponse,
} from '../schemas/verification';
import { enrolFactor, listFactors } from '../services/factors';
import { getVerification, initiateVerification, jwks, type RequestContext, verifyFactor } from '../services/verification';

const TAGS = ['NoTap verification'];
const merchantOnly = () => [requireAuth(), requireRole('merchant', 'admin'), userRateLimit()];
const error = (description: string) => ({ description, content: { 'application/json': { schema: ErrorBodySchema } } });

const enrolRoute = createRoute({
  method: 'post',
  path: '/v1/users/{userUuid}/factors',
  tags: TAGS,
  summary: 'Enrol (or replace) one authentication factor of a user',
  description:
    'The value is checked by its factor’s rule and stored only as a keyed HMAC digest bound to tenant, user and factor; it is never returned. ' +
    'Enrolling a factor again replaces it.',
  security: BEARER_AUTH,
  middleware: merchantOnly(),
  request: { params: UserRefParam, body: { required: true, content: { 'application/json': { schema: EnrolFactorBody } } } },
  responses: {
    201: { description: 'Enrolled', content: { 'application/json': { schema: EnrolFactorResponse } } },
    200: { description: 'Replaced an earlier value', content: { 'application/json': { schema: EnrolFactorResponse } } },
    ...errorResponses(400, 401, 403, 413, 422, 429),
  },
});

const listRoute = createRoute({
  method: 'get',
  path: '/v1/users/{userUuid}/factors',
  tags: TAGS,
  summary: 'The factors a user has enrolled (names and times only)',
  security: BEARER_AUTH,
  middleware: merchantOnly(),
  request: { params: UserRefParam },
  responses: {
    200: { description: 'Enrolled factors', content: { 'application/json': { schema: FactorListResponse } } },
    ...errorResponses(401, 403, 404, 422, 429),
  },
});

const initiateRoute = createRoute({
  method: 'post',
  path: '/v1/verification/initiate',
  tags: TAGS,
  summary: 'Start a step-up verification, optionally with a PSP checkout session created in parallel',
  description:
    'Resolves the user, checks enrolment (404 when never enrolled, 422 INSUFFICIENT_FACTORS under 2 factors, 423 USER_LOCKED during a lockout), ' +
    'selects the required factors (LOW 2, MEDIUM 3, HIGH 4; +1 from 1,000.00 and +1 from 10,000.00; never more than enrolled; in the order ' +
    'PIN, PATTERN, EMOJI, COLOR) and opens a session that expires after 300 s. With psp_config the checkout session is created at the same ' +
    'time; the answer waits for it at most PSP_TIMEOUT_MS. A PSP problem never fails the request: psp_ready false with psp_error. ' +
    'Without psp_config the answer has no psp_ready, psp_session or psp_error.',
  security: BEARER_AUTH,
  middleware: merchantOnly(),
  request: { body: { required: true, content: { 'application/json': { schema: InitiateVerificationBody } } } },
  responses: {
    200: { description: 'Session created', content: { 'application/json': { schema: InitiateVerificationResponse } } },
    423: error('USER_LOCKED: too many wrong values for this user recently (Retry-After)'),
    ...errorResponses(400, 401, 403, 404, 413, 422, 429),
  },
});

const verifyRoute = createRoute({
  method: 'post',
  path: '/v1/verification/{sessionId}/verify',
  tags: TAGS,
  summary: 'Check one required factor',
  description:
    'Compared in constant time with the enrolled digest. A wrong value is 422 FACTOR_MISMATCH (attempts left in errors[].message); the 3rd wrong value ' +
    'for a factor or the 5th in the session locks it (423 VERIFICATION_LOCKED, also for every later attempt). 10 wrong values for a user within 15 minutes ' +
    'lock the user for 15 minutes (423 USER_LOCKED). An expired session answers 410 SESSION_EXPIRED. When the last required factor passes: status ' +
    'verified, a verification_token and the checkout_url of the parallel PSP session.',
  security: BEARER_AUTH,
  middleware: merchantOnly(),
  request: { params: SessionIdParam, body: { required: true, content: { 'application/json': { schema: VerifyFactorBody } } } },
  responses: {
    200: { description: 'The factor passed', content: { 'application/json': { schema: VerifyFactorResponse } } },
    409: error('INVALID_STATE_TRANSITION: already verified'),
    410: error('SESSION_EXPIRED'),
    423: error('VERIFICATION_LOCKED or USER_LOCKED'),
    ...errorResponses(400, 401, 403, 404, 413, 422, 429),
  },
});

const stateRoute = createRoute({
  method: 'get',
  path: '/v1/verification/{sessionId}',
  tags: TAGS,
  summary: 'The state of a verification session (no secrets)',
  security: BEARER_AUTH,
  middleware: merchantOnly(),
  request: { params: SessionIdParam },
  responses: {
    200: { description: 'The session', content: { 'application/json': { schema: VerificationStateResponse } } },
    ...errorResponses(401, 403, 404, 422, 429),
  },
});

const jwksRoute = createRoute({
  method: 'get',
  path: '/.well-known/jwks.json',
  tags: TAGS,
  summary: 'Public keys of verification tokens (ES256)',
  responses: { 200: { description: 'JWK set', content: { 'application/json': { schema: JwksResponse } } } },
});

function requestContext(c: Context<AppEnv>): RequestContext {
  return { origin: new URL(c.req.url).origin, waitUntil: (p) => c.executionCtx.waitUntil(p), logger: c.get('logger') };
}

export const verificationRoutes = createRouter()
  .openapi(enrolRoute, async (c) => {
    const { body, replaced } = await enrolFactor(
      c.env,
      c.get('config'),
      c.get('principal'),
      c.req.valid('param').userUuid,
      c.req.valid('json'),
    );
    return c.json(body, replaced ? 200 : 201);
  })
  .openapi(listRoute, async (c) =>
    c.json(await listFactors(c.env, c.get('config'), c.get('principal'), c.req.valid('param').userUuid), 200),
  )
  .openapi(initiateRoute, async (c) =>
    c.json(await initiateVerification(c.env, c.get('config'), c.get('principal'), c.req.valid('json'), requestContext(c)), 200),
  )
  .openapi(verifyRoute, async (c) =>
    c.json(
      await verifyFactor(
        c.env,
        c.get('config'),
        c.get('principal'),
        c.req.valid('param').sessionId,
        c.req.valid('json'),
        requestContext(c),
      ),
      200,
    ),
  )
  .openapi(stateRoute, async (c) => c.json(await getVerification(c.env, c.get('principal'), c.req.valid('param').sessionId), 200))
  .openapi(jwksRoute, async (c) => {
    c.header('Cache-Control', 'public, max-age=300');
    return c.json(await jwks(c.get('config')), 200);
  });
