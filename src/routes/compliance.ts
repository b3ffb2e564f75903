import { createRoute, z } from '@hono/zod-openapi';
import { createRouter } from '../lib/router';
import { requireAuth, requireRole } from '../middleware/auth';
import { userRateLimit } from '../middleware/rate-limit';
import { BEARER_AUTH, errorResponses } from '../schemas/common';
import {
  GenerationResponse,
  TaxFormResponse,
  TaxProfileBody,
  TaxProfileView,
  TaxSummaryResponse,
  TaxYearParam,
} from '../schemas/compliance';
import { generate1099da, taxForm, taxFormPdf, taxSummary } from '../services/tax-forms';
import { getTaxProfile, putTaxProfile } from '../services/tax-profiles';

const authed = [requireAuth(), userRateLimit()];

const putProfile = createRoute({
  method: 'put',
  path: '/api/v1/compliance/tax-profile',
  tags: ['Compliance'],
  summary: 'Save your tax profile (name, address, TIN) for 1099-DA reporting of your resales',
  description: 'The TIN is stored encrypted (AES-256-GCM); every answer shows only its last four digits.',
  security: BEARER_AUTH,
  middleware: authed,
  request: { body: { content: { 'application/json': { schema: TaxProfileBody } }, required: true } },
  responses: {
    200: { description: 'The saved profile, TIN masked', content: { 'application/json': { schema: TaxProfileView } } },
    ...errorResponses(400, 401, 413, 422, 429, 503),
  },
});

const getProfile = createRoute({
  method: 'get',
  path: '/api/v1/compliance/tax-profile',
  tags: ['Compliance'],
  summary: 'Your tax profile, TIN masked',
  security: BEARER_AUTH,
  middleware: authed,
  responses: {
    200: { description: 'The profile', content: { 'application/json': { schema: TaxProfileView } } },
    ...errorResponses(401, 404, 429),
  },
});

const form = createRoute({
  method: 'get',
  path: '/api/v1/compliance/tax-forms/{year}',
  tags: ['Compliance'],
  summary: 'Your 1099-DA of a year, or the figures so far for a year without one',
  security: BEARER_AUTH,
  middleware: authed,
  request: { params: TaxYearParam },
  responses: {
    200: { description: 'The form or the live figures', content: { 'application/json': { schema: TaxFormResponse } } },
    ...errorResponses(401, 422, 429, 503),
  },
});

const download = createRoute({
  method: 'get',
  path: '/api/v1/compliance/tax-forms/{year}/download',
  tags: ['Compliance'],
  summary: 'Your 1099-DA of a year as a PDF',
  security: BEARER_AUTH,
  middleware: authed,
  request: { params: TaxYearParam },
  responses: {
    200: { description: 'The form', content: { 'application/pdf': { schema: z.string().openapi({ format: 'binary' }) } } },
    ...errorResponses(401, 404, 422, 429, 503),
  },
});

const summary = createRoute({
  method: 'get',
  path: '/api/v1/compliance/tax-summary',
  tags: ['Compliance'],
  summary: 'Every year you have a 1099-DA or resales in, newest first',
  security: BEARER_AUTH,
  middleware: authed,
  responses: {
    200: { description: 'The years', content: { 'application/json': { schema: TaxSummaryResponse } } },
    ...errorResponses(401, 429, 503),
  },
});

const generate = createRoute({
  method: 'post',
  path: '/admin/compliance/1099-da/{year}/generate',
  tags: ['Admin'],
  summary: "Generate (or regenerate) the tenant's 1099-DA forms of a year",
  description:
    'One form per seller whose released resales of the year reach TAX_1099DA_THRESHOLD; the yearly cron does this for the year just ended.',
  security: BEARER_AUTH,
  middleware: [requireAuth(), requireRole('admin'), userRateLimit()],
  request: { params: TaxYearParam },
  responses: {
    200: { description: 'What was generated', content: { 'application/json': { schema: GenerationResponse } } },
    ...errorResponses(401, 403, 422, 429, 503),
  },
});

const year = (param: { year: string }) => Number(param.year);

export const complianceRoutes = createRouter()
  .openapi(putProfile, async (c) => c.json(await putTaxProfile(c.env, c.get('config'), c.get('principal'), c.req.valid('json')), 200))
  .openapi(getProfile, async (c) => c.json(await getTaxProfile(c.env, c.get('principal')), 200))
  .openapi(form, async (c) => c.json(await taxForm(c.get('config'), c.executionCtx, c.get('principal'), year(c.req.valid('param'))), 200))
  .openapi(download, async (c) => {
    const y = year(c.req.valid('param'));
    const pdf = await taxFormPdf(c.get('config'), c.executionCtx, c.get('principal'), y);
    return c.body(pdf, 200, {
      'Content-Type': 'application/pdf',
      'Content-Disposition': `attachment; filename="1099-DA-${y}.pdf"`,
      'Cache-Control': 'private, no-store',
    });
  })
  .openapi(summary, async (c) => c.json(await taxSummary(c.get('config'), c.executionCtx, c.get('principal')), 200))
  .openapi(generate, async (c) => {
    const result = await generate1099da(c.get('config'), c.executionCtx, {
      year: year(c.req.valid('param')),
      tenantId: c.get('principal').tenantId,
    });
    return c.json({ ...result, sellers: result.sellers.map(({ tenantId: _t, ...s }) => s) }, 200);
  });
