import { createRoute } from '@hono/zod-openapi';
import { createRouter } from '../lib/router';
import { requireAuth, requireRole } from '../middleware/auth';
import { userRateLimit } from '../middleware/rate-limit';
import { EventIdParam, EventProfile, EventProfileBody, VenueIdParam, VenueProfile, VenueProfileBody } from '../schemas/catalog';
import { BEARER_AUTH, errorResponses } from '../schemas/common';
import { getEvent, getVenue, putEvent, putVenue } from '../services/catalog';

const authed = [requireAuth(), userRateLimit()];

const putVenueRoute = createRoute({
  method: 'put',
  path: '/api/v1/venues/{venueId}',
  tags: ['Catalog'],
  summary: 'Create or replace a venue profile',
  security: BEARER_AUTH,
  middleware: [requireAuth(), requireRole('admin'), userRateLimit()],
  request: { params: VenueIdParam, body: { required: true, content: { 'application/json': { schema: VenueProfileBody } } } },
  responses: {
    200: { description: 'Replaced', content: { 'application/json': { schema: VenueProfile } } },
    201: { description: 'Created', content: { 'application/json': { schema: VenueProfile } } },
    ...errorResponses(400, 401, 403, 413, 422, 429),
  },
});

const getVenueRoute = createRoute({
  method: 'get',
  path: '/api/v1/venues/{venueId}',
  tags: ['Catalog'],
  summary: 'A venue profile of the caller’s tenant',
  security: BEARER_AUTH,
  middleware: authed,
  request: { params: VenueIdParam },
  responses: {
    200: { description: 'The stored profile', content: { 'application/json': { schema: VenueProfile } } },
    ...errorResponses(401, 404, 422, 429),
  },
});

const putEventRoute = createRoute({
  method: 'put',
  path: '/api/v1/events/{eventId}',
  tags: ['Catalog'],
  summary: 'Create or replace an event profile (ticket types, prices, purchase limits)',
  description: 'Admin, or a venue_manager of the event’s venue.',
  security: BEARER_AUTH,
  middleware: authed,
  request: { params: EventIdParam, body: { required: true, content: { 'application/json': { schema: EventProfileBody } } } },
  responses: {
    200: { description: 'Replaced', content: { 'application/json': { schema: EventProfile } } },
    201: { description: 'Created', content: { 'application/json': { schema: EventProfile } } },
    ...errorResponses(400, 401, 403, 413, 422, 429),
  },
});

const getEventRoute = createRoute({
  method: 'get',
  path: '/api/v1/events/{eventId}',
  tags: ['Catalog'],
  summary: 'An event profile of the caller’s tenant',
  security: BEARER_AUTH,
  middleware: authed,
  request: { params: EventIdParam },
  responses: {
    200: { description: 'The stored profile', content: { 'application/json': { schema: EventProfile } } },
    ...errorResponses(401, 404, 422, 429),
  },
});

export const catalogRoutes = createRouter()
  .openapi(putVenueRoute, async (c) => {
    const { profile, created } = await putVenue(c.env, c.get('principal'), c.req.valid('param').venueId, c.req.valid('json'));
    return created ? c.json(profile, 201) : c.json(profile, 200);
  })
  .openapi(getVenueRoute, async (c) => c.json(await getVenue(c.env, c.get('principal').tenantId, c.req.valid('param').venueId), 200))
  .openapi(putEventRoute, async (c) => {
    const { profile, created } = await putEvent(c.env, c.get('principal'), c.req.valid('param').eventId, c.req.valid('json'));
    return created ? c.json(profile, 201) : c.json(profile, 200);
  })
  .openapi(getEventRoute, async (c) => c.json(await getEvent(c.env, c.get('principal').tenantId, c.req.valid('param').eventId), 200));
