import { createRoute } from '@hono/zod-openapi';
import { createRouter } from '../lib/router';
import { requireAuth, requireRole } from '../middleware/auth';
import { userRateLimit } from '../middleware/rate-limit';
import { BEARER_AUTH, errorResponses } from '../schemas/common';
import { MintJobsQuery, MintJobsResponse, Ticket, TicketIdParam, TicketList, TicketListQuery } from '../schemas/tickets';
import { getTicket, listMyTickets, mintJobs } from '../services/tickets';

const authed = [requireAuth(), userRateLimit()];

const list = createRoute({
  method: 'get',
  path: '/api/v1/tickets',
  tags: ['Tickets'],
  summary: 'Your tickets, newest first',
  description:
    "A completed payment issues one ticket per seat; each is minted to your custodial address on the event's chain after the payment.",
  security: BEARER_AUTH,
  middleware: authed,
  request: { query: TicketListQuery },
  responses: {
    200: { description: 'A page of tickets', content: { 'application/json': { schema: TicketList } } },
    ...errorResponses(401, 422, 429),
  },
});

const one = createRoute({
  method: 'get',
  path: '/api/v1/tickets/{ticketId}',
  tags: ['Tickets'],
  summary: 'One ticket (its owner or an admin)',
  security: BEARER_AUTH,
  middleware: authed,
  request: { params: TicketIdParam },
  responses: {
    200: { description: 'The ticket', content: { 'application/json': { schema: Ticket } } },
    ...errorResponses(401, 404, 422, 429),
  },
});

const jobs = createRoute({
  method: 'get',
  path: '/admin/mint-jobs',
  tags: ['Admin'],
  summary: "The tenant's NFT mint jobs (one per paid order), newest first",
  security: BEARER_AUTH,
  middleware: [requireAuth(), requireRole('admin'), userRateLimit()],
  request: { query: MintJobsQuery },
  responses: {
    200: { description: 'Jobs', content: { 'application/json': { schema: MintJobsResponse } } },
    ...errorResponses(401, 403, 422, 429, 503),
  },
});

export const ticketRoutes = createRouter()
  .openapi(list, async (c) => c.json(await listMyTickets(c.env, c.get('principal'), c.req.valid('query')), 200))
  .openapi(one, async (c) => c.json(await getTicket(c.env, c.get('principal'), c.req.valid('param').ticketId), 200))
  .openapi(jobs, async (c) =>
    c.json({ jobs: await mintJobs(c.get('config'), c.executionCtx, c.get('principal'), c.req.valid('query')) }, 200),
  );
