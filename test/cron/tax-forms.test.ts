import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { CRON } from '../../src/cron/schedules';
import { previousTaxYear } from '../../src/domain/tax-forms';
import worker from '../../src/index';
import { rows, sql } from '../helpers/db';
import { insertEscrow } from '../helpers/escrows';

describe('yearly cron: 1099-DA', () => {
  it("generates every tenant's forms of the year just ended", async () => {
    const year = previousTaxYear(new Date());
    const tenants = [`cron-tax-${crypto.randomUUID()}`, `cron-tax-${crypto.randomUUID()}`];
    for (const tenantId of tenants) {
      await insertEscrow({
        tenantId,
        sellerId: 'seller',
        amount: 70_000,
        sellerPayout: 65_000,
        costBasis: 30_000,
        releasedAt: `${year}-06-15T00:00:00Z`,
      });
      await insertEscrow({
        tenantId,
        sellerId: 'small',
        amount: 1_000,
        sellerPayout: 900,
        costBasis: 500,
        releasedAt: `${year}-06-15T00:00:00Z`,
      });
    }
    // This year's sales wait for next year's run.
    await insertEscrow({
      tenantId: tenants[0] as string,
      sellerId: 'now',
      amount: 90_000,
      sellerPayout: 90_000,
      costBasis: 1,
      releasedAt: new Date().toISOString(),
    });

    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: CRON.yearly, scheduledTime: new Date() }), env, ctx);
    await waitOnExecutionContext(ctx);

    const forms = await rows<{ tenant_id: string; user_id: string; tax_year: number; status: string; total_proceeds: string }>(
      sql`SELECT tenant_id, user_id, tax_year, status, total_proceeds FROM tax_forms_1099da
          WHERE tenant_id IN (${tenants[0]}, ${tenants[1]}) ORDER BY tenant_id`,
    );
    expect(forms).toEqual(
      [...tenants]
        .sort()
        .map((tenant_id) => ({ tenant_id, user_id: 'seller', tax_year: year, status: 'missing_tin', total_proceeds: '65000' })),
    );
  });
});
