import { env } from 'cloudflare:workers';
import { PDFDocument } from 'pdf-lib';
import { describe, expect, it, vi } from 'vitest';
import { decryptTin, tinOwner } from '../../src/lib/tin-cipher';
import { call, callWithEnv, json } from '../helpers/app';
import { eventually, rows, sql } from '../helpers/db';
import { insertEscrow } from '../helpers/escrows';
import { bearer, signToken } from '../helpers/tokens';

const PROFILE = '/api/v1/compliance/tax-profile';
const address = { street: '1 Main St', city: 'Knoxville', state: 'TN', zip: '37902' };
const TIN_SPELLINGS = ['123456789', '123-45-6789', '12-3456789'];

async function userHeaders(tenant: string, sub: string, role = 'user') {
  return { ...bearer(await signToken({ tenant_id: tenant, sub, role })), 'content-type': 'application/json' };
}

async function saveProfile(headers: Record<string, string>, body: Record<string, unknown>) {
  return call(PROFILE, { method: 'PUT', headers, body: JSON.stringify(body) });
}

/** The tenant's tax_profiles row of the user once the outbox has projected `version` (or a later one). */
async function projectedProfile(tenant: string, userId: string, version: number) {
  return eventually(async () => {
    const [row] = await rows<Record<string, unknown>>(
      sql`SELECT * FROM tax_profiles WHERE tenant_id = ${tenant} AND user_id = ${userId} AND version >= ${version}`,
    );
    return row;
  });
}

describe('tax profile', () => {
  it('saves the profile, answers the TIN masked, and keeps it in Postgres only as ciphertext', async () => {
    const tenant = `tax-${crypto.randomUUID()}`;
    const ada = await userHeaders(tenant, 'ada');
    expect((await call(PROFILE, { headers: ada })).status).toBe(404);

    const saved = await saveProfile(ada, { name: 'Ada Seller', address, tin: '123-45-6789' });
    expect(saved.status).toBe(200);
    const text = await saved.text();
    for (const t of TIN_SPELLINGS) expect(text).not.toContain(t);
    const body = JSON.parse(text);
    expect(body).toEqual({ name: 'Ada Seller', address: { ...address, country: 'US' }, tin: '***-**-6789', updatedAt: expect.any(String) });
    expect(await json(await call(PROFILE, { headers: ada }))).toEqual(body);

    const row = await projectedProfile(tenant, 'ada', 1);
    expect(row).toMatchObject({ name: 'Ada Seller', tin_last4: '6789', version: 1, address: { ...address, country: 'US' } });
    const [whole] = await rows<{ text: string }>(
      sql`SELECT row_to_json(p)::text AS text FROM tax_profiles p WHERE tenant_id = ${tenant} AND user_id = 'ada'`,
    );
    for (const t of [...TIN_SPELLINGS, '12345']) expect(whole?.text).not.toContain(t);
    // It is the real thing: the configured key opens it, for this seller only.
    expect(await decryptTin(env.TAX_TIN_KEY, String(row.tin_ciphertext), tinOwner(tenant, 'ada'))).toBe('123456789');

    // An EIN replaces it; the projection follows the newer version.
    const ein = await json(await saveProfile(ada, { name: 'Ada LLC', address: { ...address, country: 'us' }, tin: '98-7654321' }));
    expect(ein).toMatchObject({ name: 'Ada LLC', tin: '***-**-4321', address: { country: 'US' } });
    expect(await projectedProfile(tenant, 'ada', 2)).toMatchObject({ name: 'Ada LLC', tin_last4: '4321', version: 2 });

    // Another tenant's user of the same id has no profile.
    expect((await call(PROFILE, { headers: await userHeaders(`other-${tenant}`, 'ada') })).status).toBe(404);
  });

  it('refuses a TIN that is not 9 digits in one of the three spellings with 422 on tin, echoing nothing', async () => {
    const headers = await userHeaders(`tax-${crypto.randomUUID()}`, 'bad');
    for (const tin of ['12345678', '1234567890', '123-456-789', '1234-5-6789', 'abcdefghi', '123 45 6789', 123456789]) {
      const res = await saveProfile(headers, { name: 'X', address, tin });
      expect(res.status, String(tin)).toBe(422);
      const text = await res.text();
      expect(JSON.parse(text)).toMatchObject({ code: 'VALIDATION_ERROR', errors: [{ field: 'tin' }] });
      expect(text).not.toContain(String(tin));
    }
    expect((await saveProfile(headers, { name: 'X', address: { city: 'Knoxville' }, tin: '123-45-6789' })).status).toBe(422);
    expect((await call(PROFILE, { headers })).status).toBe(404);
    expect((await call(PROFILE, { method: 'PUT', body: '{}' })).status).toBe(401);
  });

  it('answers 503 TAX_NOT_CONFIGURED where no TIN key is configured, and GET still works', async () => {
    const headers = await userHeaders(`tax-${crypto.randomUUID()}`, 'nokey');
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const res = await callWithEnv({ TAX_TIN_KEY: '' }, PROFILE, {
      method: 'PUT',
      headers,
      body: JSON.stringify({ name: 'X', address, tin: '123-45-6789' }),
    });
    expect(res.status).toBe(503);
    expect(await json(res)).toMatchObject({ code: 'TAX_NOT_CONFIGURED' });
    expect((await callWithEnv({ TAX_TIN_KEY: '' }, PROFILE, { headers })).status).toBe(404);
    expect(errors.mock.calls.some(([line]) => String(line).includes('"code":"TAX_NOT_CONFIGURED"'))).toBe(true);
    errors.mockRestore();
  });

  it('the TIN never reaches a log line, at debug level, accepted or refused', async () => {
    const tenant = `tax-${crypto.randomUUID()}`;
    const headers = await userHeaders(tenant, 'quiet');
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) => vi.spyOn(console, m).mockImplementation(() => {}));
    try {
      const debug = { LOG_LEVEL: 'debug' };
      const put = (body: Record<string, unknown>) => callWithEnv(debug, PROFILE, { method: 'PUT', headers, body: JSON.stringify(body) });
      expect((await put({ name: 'Quiet', address, tin: '123-45-6789' })).status).toBe(200);
      expect((await put({ name: 'Quiet', address: { ...address, zip: '' }, tin: '123-45-6789' })).status).toBe(422);
      expect((await put({ name: 'Quiet', address, tin: '123-45-67890' })).status).toBe(422);
      // A refusal past validation (no key): a 5xx is logged with its cause.
      expect(
        (
          await callWithEnv({ ...debug, TAX_TIN_KEY: '' }, PROFILE, {
            method: 'PUT',
            headers,
            body: JSON.stringify({ name: 'Q', address, tin: '123456789' }),
          })
        ).status,
      ).toBe(503);
      await projectedProfile(tenant, 'quiet', 1);
      const logged = spies.flatMap((s) => s.mock.calls.map((args) => args.map(String).join(' '))).join('\n');
      expect(logged).toContain('"msg":"request"');
      for (const t of [...TIN_SPELLINGS, '123-45-67890']) expect(logged).not.toContain(t);
    } finally {
      for (const s of spies) s.mockRestore();
    }
  });
});

/** A tenant whose sellers sold tickets on resale; figures in cents. */
async function resaleTenant() {
  const tenant = `tax-${crypto.randomUUID()}`;
  const admin = await userHeaders(tenant, 'boss', 'admin');
  const generate = async (year: number | string, headers = admin) =>
    call(`/admin/compliance/1099-da/${year}/generate`, { method: 'POST', headers });
  const form = async (headers: Record<string, string>, year: number | string = 2025) =>
    call(`/api/v1/compliance/tax-forms/${year}`, { headers });
  return { tenant, admin, generate, form, user: (sub: string) => userHeaders(tenant, sub) };
}

describe('1099-DA forms', () => {
  it('generate one form per seller at the threshold from the released sales of the year, and serve it as JSON and PDF', async () => {
    const shop = await resaleTenant();
    const { tenant } = shop;
    // ada: 36000 + 24000 = 60000 of proceeds in 2025 (UTC), net of 4000 + 2000 of royalty and fees.
    await insertEscrow({
      tenantId: tenant,
      sellerId: 'ada',
      amount: 40_000,
      sellerPayout: 36_000,
      venueRoyalty: 2_000,
      costBasis: 25_000,
      releasedAt: '2025-03-01T12:00:00Z',
    });
    await insertEscrow({
      tenantId: tenant,
      sellerId: 'ada',
      amount: 26_000,
      sellerPayout: 24_000,
      venueRoyalty: 1_000,
      costBasis: 20_000,
      releasedAt: '2025-12-31T23:59:59Z',
    });
    // None of these count: not released, released in another year, refunded after release, not in dollars.
    await insertEscrow({ tenantId: tenant, sellerId: 'ada', amount: 90_000, sellerPayout: 90_000, costBasis: 1, status: 'funded' });
    await insertEscrow({
      tenantId: tenant,
      sellerId: 'ada',
      amount: 90_000,
      sellerPayout: 90_000,
      costBasis: 1,
      releasedAt: '2024-12-31T23:59:59Z',
    });
    await insertEscrow({
      tenantId: tenant,
      sellerId: 'ada',
      amount: 5_000,
      sellerPayout: 5_000,
      costBasis: 4_000,
      releasedAt: '2026-01-01T00:00:00Z',
    });
    await insertEscrow({
      tenantId: tenant,
      sellerId: 'ada',
      amount: 90_000,
      sellerPayout: 90_000,
      costBasis: 1,
      status: 'refunded',
      releasedAt: '2025-06-01T00:00:00Z',
    });
    await insertEscrow({
      tenantId: tenant,
      sellerId: 'ada',
      amount: 90_000,
      sellerPayout: 90_000,
      costBasis: 1,
      releasedAt: '2025-06-01T00:00:00Z',
      currency: 'EUR',
    });
    // bob: one cent short of the threshold.
    await insertEscrow({
      tenantId: tenant,
      sellerId: 'bob',
      amount: 70_000,
      sellerPayout: 59_999,
      costBasis: 50_000,
      releasedAt: '2025-05-05T00:00:00Z',
    });
    // cy: above it, without a tax profile.
    await insertEscrow({
      tenantId: tenant,
      sellerId: 'cy',
      amount: 80_000,
      sellerPayout: 72_000,
      costBasis: 90_000,
      releasedAt: '2025-07-07T00:00:00Z',
    });

    const ada = await shop.user('ada');
    expect((await saveProfile(ada, { name: 'Ada Seller', address, tin: '123-45-6789' })).status).toBe(200);
    await projectedProfile(tenant, 'ada', 1);

    const run = await shop.generate(2025);
    expect(run.status).toBe(200);
    const result = await json<any>(run);
    expect(result).toMatchObject({ year: 2025, required: 2, generated: 1, missingTin: 1 });
    expect(result.sellers).toEqual([
      { userId: 'ada', status: 'generated', totalProceeds: 60_000, transactionCount: 2 },
      { userId: 'cy', status: 'missing_tin', totalProceeds: 72_000, transactionCount: 1 },
    ]);

    const adaForm = await json<any>(await shop.form(ada));
    const summary = { totalProceeds: 60_000, totalCostBasis: 45_000, totalGain: 15_000, transactionCount: 2 };
    expect(adaForm).toEqual({
      year: 2025,
      required: true,
      status: 'generated',
      form: {
        recipientInfo: { name: 'Ada Seller', address: { ...address, country: 'US' }, tin: '***-**-6789' },
        summary,
        generatedAt: expect.any(String),
      },
      summary,
      downloadUrl: '/api/v1/compliance/tax-forms/2025/download',
    });
    const [stored] = await rows<any>(sql`SELECT * FROM tax_forms_1099da WHERE tenant_id = ${tenant} AND user_id = 'ada'`);
    expect(stored).toMatchObject({
      tax_year: 2025,
      status: 'generated',
      total_proceeds: '60000',
      total_cost_basis: '45000',
      transaction_count: 2,
    });
    expect(stored.form_data).toMatchObject({
      payer: { name: 'edgepay', tenantId: tenant },
      recipient: { name: 'Ada Seller', tin: '***-**-6789' },
      assetDescription: 'Event ticket NFT',
    });
    expect(stored.form_data.figures).toEqual({ ...summary, grossSalesPrice: 66_000, transactionCosts: 6_000 });
    expect(JSON.stringify(stored)).not.toContain('123456789');

    const pdf = await call(adaForm.downloadUrl, { headers: ada });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    const doc = await PDFDocument.load(await pdf.arrayBuffer());
    expect(doc.getPageCount()).toBeGreaterThanOrEqual(1);
    expect(doc.getTitle()).toBe('Form 1099-DA 2025');

    // bob: below the threshold, no form; his figures are computed live.
    const bob = await shop.user('bob');
    expect(await json(await shop.form(bob))).toEqual({
      year: 2025,
      required: false,
      status: 'not_generated',
      form: null,
      summary: { totalProceeds: 59_999, totalCostBasis: 50_000, totalGain: 9_999, transactionCount: 1 },
      downloadUrl: null,
    });
    expect((await call('/api/v1/compliance/tax-forms/2025/download', { headers: bob })).status).toBe(404);

    // cy: a form that waits for the recipient; saving a profile completes it.
    const cy = await shop.user('cy');
    expect(await json(await shop.form(cy))).toMatchObject({
      required: true,
      status: 'missing_tin',
      form: { recipientInfo: null },
      downloadUrl: null,
    });
    expect((await call('/api/v1/compliance/tax-forms/2025/download', { headers: cy })).status).toBe(404);
    await saveProfile(cy, { name: 'Cy Seller', address, tin: '111-22-3333' });
    const completed = await eventually(async () => {
      const f = await json<any>(await shop.form(cy));
      return f.status === 'generated' ? f : undefined;
    });
    expect(completed.form.recipientInfo).toEqual({ name: 'Cy Seller', address: { ...address, country: 'US' }, tin: '***-**-3333' });
    expect(completed.summary).toEqual({ totalProceeds: 72_000, totalCostBasis: 90_000, totalGain: -18_000, transactionCount: 1 });
    expect((await call(completed.downloadUrl, { headers: cy })).status).toBe(200);

    // The summary lists every year with a form or sales.
    expect(await json(await call('/api/v1/compliance/tax-summary', { headers: ada }))).toEqual({
      years: [
        {
          year: 2026,
          status: 'not_generated',
          required: false,
          generatedAt: null,
          downloadUrl: null,
          summary: { totalProceeds: 5_000, transactionCount: 1 },
        },
        {
          year: 2025,
          status: 'generated',
          required: true,
          generatedAt: adaForm.form.generatedAt,
          downloadUrl: '/api/v1/compliance/tax-forms/2025/download',
          summary: { totalProceeds: 60_000, transactionCount: 2 },
        },
      ],
    });

    // Another tenant sees none of it, even with the same user ids.
    const other = await resaleTenant();
    const otherAda = await other.user('ada');
    expect(await json(await other.form(otherAda))).toMatchObject({
      required: false,
      form: null,
      summary: { totalProceeds: 0, transactionCount: 0 },
    });
    expect((await call('/api/v1/compliance/tax-forms/2025/download', { headers: otherAda })).status).toBe(404);
    expect(await json(await call('/api/v1/compliance/tax-summary', { headers: otherAda }))).toEqual({ years: [] });
    expect(await json(await other.generate(2025))).toMatchObject({ required: 0, sellers: [] });
  });

  it('regenerating replaces the figures, and removes the unsent form of a seller no longer at the threshold', async () => {
    const shop = await resaleTenant();
    const first = await insertEscrow({
      tenantId: shop.tenant,
      sellerId: 'dee',
      amount: 60_000,
      sellerPayout: 60_000,
      costBasis: 10_000,
      releasedAt: '2025-02-02T00:00:00Z',
    });
    const dee = await shop.user('dee');
    await shop.generate(2025);
    expect(await json(await shop.generate(2025))).toMatchObject({ required: 1, missingTin: 1 });
    await insertEscrow({
      tenantId: shop.tenant,
      sellerId: 'dee',
      amount: 1_000,
      sellerPayout: 1_000,
      costBasis: 500,
      releasedAt: '2025-02-03T00:00:00Z',
    });
    await shop.generate(2025);
    expect((await json<any>(await shop.form(dee))).summary).toEqual({
      totalProceeds: 61_000,
      totalCostBasis: 10_500,
      totalGain: 50_500,
      transactionCount: 2,
    });
    const forms = await rows(sql`SELECT id FROM tax_forms_1099da WHERE tenant_id = ${shop.tenant}`);
    expect(forms).toHaveLength(1);

    await rows(sql`UPDATE payment_escrows SET status = 'disputed' WHERE id = ${first}`);
    await shop.generate(2025);
    expect(await json(await shop.form(dee))).toMatchObject({ required: false, status: 'not_generated', form: null });
    expect(await rows(sql`SELECT id FROM tax_forms_1099da WHERE tenant_id = ${shop.tenant}`)).toEqual([]);
  });

  it('years outside 2025…this year are 422; generation is for admins', async () => {
    const shop = await resaleTenant();
    const user = await shop.user('eve');
    const next = new Date().getUTCFullYear() + 1;
    for (const year of ['2024', String(next), 'abcd', '02025', '2025.0', '20250']) {
      expect((await shop.form(user, year)).status, year).toBe(422);
      expect((await call(`/api/v1/compliance/tax-forms/${year}/download`, { headers: user })).status, year).toBe(422);
      expect((await shop.generate(year)).status, year).toBe(422);
    }
    expect((await shop.generate(2025, user)).status).toBe(403);
    expect((await call('/api/v1/compliance/tax-summary')).status).toBe(401);
  });

  it('the routes are in the OpenAPI document', async () => {
    const doc = await json<any>(await call('/openapi.json'));
    expect(Object.keys(doc.paths).filter((p) => p.includes('compliance'))).toEqual([
      '/api/v1/compliance/tax-profile',
      '/api/v1/compliance/tax-forms/{year}',
      '/api/v1/compliance/tax-forms/{year}/download',
      '/api/v1/compliance/tax-summary',
      '/admin/compliance/1099-da/{year}/generate',
    ]);
    expect(Object.keys(doc.paths['/api/v1/compliance/tax-profile'])).toEqual(['put', 'get']);
    expect(doc.components.schemas.TaxProfileBody.properties.address).toEqual({ $ref: '#/components/schemas/TaxAddress' });
  });
});
