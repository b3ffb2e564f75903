import { createRoute } from '@hono/zod-openapi';
import { createRouter } from '../lib/router';
import { requireAuth, requireRole } from '../middleware/auth';
import { userRateLimit } from '../middleware/rate-limit';
import { EventIdParam } from '../schemas/catalog';
import { BEARER_AUTH, errorResponses } from '../schemas/common';
import { RevokeAdmissionBody, RevokeAdmissionResponse, WaitingRoomPlace } from '../schemas/waiting-room';
import { joinWaitingRoom, leaveWaitingRoom, revokeWaitingRoomUser, waitingRoomStatus } from '../services/waiting-room';

const authed = [requireAuth(), userRateLimit()];
const place = { content: { 'application/json': { schema: WaitingRoomPlace } } };

const join = createRoute({
  method: 'post',
  path: '/api/v1/waiting-room/{eventId}/join',
  tags: ['Waiting room'],
  summary: "Join a high-demand event's waiting room (joining again keeps your place)",
  description:
    'Admission is first come, first served, at most `admitPerMinute` in any minute and `maxActive` unspent tokens at once. ' +
    'Poll the status at least every `abandonAfterSeconds` (default 120) or the place is lost.',
  security: BEARER_AUTH,
  middleware: authed,
  request: { params: EventIdParam },
  responses: { 200: { description: 'Your place, and your token once admitted', ...place }, ...errorResponses(401, 404, 422, 429) },
});

const status = createRoute({
  method: 'get',
  path: '/api/v1/waiting-room/{eventId}/status',
  tags: ['Waiting room'],
  summary: 'Your place in the waiting room (also keeps it)',
  security: BEARER_AUTH,
  middleware: authed,
  request: { params: EventIdParam },
  responses: { 200: { description: 'Your place', ...place }, ...errorResponses(401, 404, 422, 429) },
});

const leave = createRoute({
  method: 'delete',
  path: '/api/v1/waiting-room/{eventId}',
  tags: ['Waiting room'],
  summary: 'Leave the waiting room (an unused admission token is given back)',
  security: BEARER_AUTH,
  middleware: authed,
  request: { params: EventIdParam },
  responses: { 204: { description: 'Left' }, ...errorResponses(401, 404, 422, 429) },
});

const revoke = createRoute({
  method: 'post',
  path: '/admin/waiting-room/{eventId}/revoke',
  tags: ['Admin'],
  summary: 'Take a user out of the waiting room and revoke their unspent admission token',
  security: BEARER_AUTH,
  middleware: [requireAuth(), requireRole('admin'), userRateLimit()],
  request: { params: EventIdParam, body: { required: true, content: { 'application/json': { schema: RevokeAdmissionBody } } } },
  responses: {
    200: { description: 'Revoked', content: { 'application/json': { schema: RevokeAdmissionResponse } } },
    ...errorResponses(400, 401, 403, 404, 413, 422, 429),
  },
});

export const waitingRoomRoutes = createRouter()
  .openapi(join, async (c) => c.json(await joinWaitingRoom(c.env, c.get('principal'), c.req.valid('param').eventId), 200))
  .openapi(status, async (c) => c.json(await waitingRoomStatus(c.env, c.get('principal'), c.req.valid('param').eventId), 200))
  .openapi(leave, async (c) => {
    await leaveWaitingRoom(c.env, c.get('principal'), c.req.valid('param').eventId);
    return c.body(null, 204);
  })
  .openapi(revoke, async (c) =>
    c.json(await revokeWaitingRoomUser(c.env, c.get('principal'), c.req.valid('param').eventId, c.req.valid('json').userId), 200),
  );
