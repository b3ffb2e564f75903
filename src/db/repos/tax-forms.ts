import { and, asc, desc, eq, gte, isNull, lt, type SQL, sql } from 'drizzle-orm';
import type { TaxProfileRecord } from '../../../durable-objects/seller/types';
import { NO_SALES, type Recipient, type SaleTotals, TAX_FORM_CURRENCY, TaxAddress, taxYearRange } from '../../domain/tax-forms';
import type { Db } from '../client';
import { paymentEscrows, taxForms1099da, taxProfiles } from '../money-out-schema';
import type { Tx } from './processed-events';

/** The tax profile as its latest event has it; an older version never overwrites a newer one. True when it was written. */
export async function upsertTaxProfile(tx: Tx, p: TaxProfileRecord): Promise<boolean> {
  const row = {
    tenantId: p.tenantId,
    userId: p.userId,
    name: p.name,
    address: p.address,
    tinCiphertext: p.tinCiphertext,
    tinLast4: p.tinLast4,
    version: p.version,
    updatedAt: new Date(p.updatedAt),
  };
  const { tenantId: _t, userId: _u, ...set } = row;
  const written = await tx
    .insert(taxProfiles)
    .values(row)
    .onConflictDoUpdate({
      target: [taxProfiles.tenantId, taxProfiles.userId],
      set,
      setWhere: sql`${taxProfiles.version} < excluded.version`,
    })
    .returning({ version: taxProfiles.version });
  return written.length > 0;
}

/** The seller's forms not yet sent name the recipient as the profile now does. */
export async function setFormRecipient(tx: Tx, tenantId: string, userId: string, recipient: Recipient): Promise<void> {
  await tx
    .update(taxForms1099da)
    .set({
      formData: sql`jsonb_set(${taxForms1099da.formData}, '{recipient}', ${JSON.stringify(recipient)}::jsonb)`,
      status: 'generated',
    })
    .where(and(eq(taxForms1099da.tenantId, tenantId), eq(taxForms1099da.userId, userId), isNull(taxForms1099da.sentAt)));
}

const e = paymentEscrows;
const n = (value: string | number | null) => Number(value ?? 0);

/** Released USD resales whose release falls in the year (UTC). */
function releasedIn(year: number, ...more: (SQL | undefined)[]): SQL | undefined {
  const { start, end } = taxYearRange(year);
  return and(eq(e.status, 'released'), eq(e.currency, TAX_FORM_CURRENCY), gte(e.releasedAt, start), lt(e.releasedAt, end), ...more);
}

const TOTALS = {
  totalProceeds: sql<string>`SUM(${e.sellerPayout})`,
  grossSalesPrice: sql<string>`SUM(${e.amount})`,
  transactionCosts: sql<string>`SUM(${e.venueRoyalty} + ${e.platformFee})`,
  totalCostBasis: sql<string>`SUM(${e.costBasis})`,
  transactionCount: sql<string>`COUNT(*)`,
};

function toTotals(row: Record<keyof SaleTotals, string | number | null>): SaleTotals {
  return {
    totalProceeds: n(row.totalProceeds),
    grossSalesPrice: n(row.grossSalesPrice),
    transactionCosts: n(row.transactionCosts),
    totalCostBasis: n(row.totalCostBasis),
    transactionCount: n(row.transactionCount),
  };
}

export type SellerTotals = SaleTotals & {
  tenantId: string;
  sellerId: string;
  profile: { name: string; address: TaxAddress; tinLast4: string } | null;
};

/**
 * Every seller (of one tenant, or of all) whose proceeds of the year reach `threshold`, with their totals and
 * tax profile (null when they have none).
 */
export async function sellersAtThreshold(db: Db, year: number, threshold: number, tenantId?: string): Promise<SellerTotals[]> {
  const totals = db
    .select({
      tenantId: e.tenantId,
      sellerId: e.sellerId,
      totalProceeds: TOTALS.totalProceeds.as('total_proceeds'),
      grossSalesPrice: TOTALS.grossSalesPrice.as('gross_sales_price'),
      transactionCosts: TOTALS.transactionCosts.as('transaction_costs'),
      totalCostBasis: TOTALS.totalCostBasis.as('total_cost_basis'),
      transactionCount: TOTALS.transactionCount.as('transaction_count'),
    })
    .from(e)
    .where(releasedIn(year, tenantId === undefined ? undefined : eq(e.tenantId, tenantId)))
    .groupBy(e.tenantId, e.sellerId)
    .having(sql`SUM(${e.sellerPayout}) >= ${threshold}`)
    .as('totals');
  const rows = await db
    .select({
      tenantId: totals.tenantId,
      sellerId: totals.sellerId,
      totalProceeds: totals.totalProceeds,
      grossSalesPrice: totals.grossSalesPrice,
      transactionCosts: totals.transactionCosts,
      totalCostBasis: totals.totalCostBasis,
      transactionCount: totals.transactionCount,
      name: taxProfiles.name,
      address: taxProfiles.address,
      tinLast4: taxProfiles.tinLast4,
    })
    .from(totals)
    .leftJoin(taxProfiles, and(eq(taxProfiles.tenantId, totals.tenantId), eq(taxProfiles.userId, totals.sellerId)))
    .orderBy(asc(totals.tenantId), asc(totals.sellerId));
  return rows.map((r) => ({
    tenantId: r.tenantId,
    sellerId: r.sellerId,
    ...toTotals(r),
    profile: r.name !== null && r.tinLast4 !== null ? { name: r.name, address: TaxAddress.parse(r.address), tinLast4: r.tinLast4 } : null,
  }));
}

/** One seller's totals per year from `fromYear` on, for the years with any released sale. */
export async function sellerYearTotals(db: Db, tenantId: string, sellerId: string, fromYear: number): Promise<Map<number, SaleTotals>> {
  const year = sql<string>`EXTRACT(YEAR FROM ${e.releasedAt} AT TIME ZONE 'UTC')::int`;
  const rows = await db
    .select({ year, ...TOTALS })
    .from(e)
    .where(
      and(
        eq(e.tenantId, tenantId),
        eq(e.sellerId, sellerId),
        eq(e.status, 'released'),
        eq(e.currency, TAX_FORM_CURRENCY),
        gte(e.releasedAt, taxYearRange(fromYear).start),
      ),
    )
    .groupBy(year);
  return new Map(rows.map((r) => [n(r.year), toTotals(r)]));
}

/** One seller's totals of one year. */
export async function sellerTotals(db: Db, tenantId: string, sellerId: string, year: number): Promise<SaleTotals> {
  const [row] = await db
    .select(TOTALS)
    .from(e)
    .where(releasedIn(year, eq(e.tenantId, tenantId), eq(e.sellerId, sellerId)));
  return row ? toTotals(row) : NO_SALES;
}

export type FormRow = typeof taxForms1099da.$inferInsert;

/**
 * Writes the forms of one run and removes the forms of the same scope (year, and tenant when given) that the
 * run did not write and that were never sent: their seller is no longer at the threshold. Every row of the
 * run carries the run's `generatedAt`, which is how the others are told apart. Returns how many were removed.
 */
export async function replaceForms(db: Db, forms: FormRow[], scope: { year: number; tenantId?: string; generatedAt: Date }) {
  return db.transaction(async (tx) => {
    for (let i = 0; i < forms.length; i += 500) {
      await tx
        .insert(taxForms1099da)
        .values(forms.slice(i, i + 500))
        .onConflictDoUpdate({
          target: [taxForms1099da.tenantId, taxForms1099da.userId, taxForms1099da.taxYear],
          set: {
            formData: sql`excluded.form_data`,
            totalProceeds: sql`excluded.total_proceeds`,
            totalCostBasis: sql`excluded.total_cost_basis`,
            transactionCount: sql`excluded.transaction_count`,
            status: sql`excluded.status`,
            generatedAt: sql`excluded.generated_at`,
          },
        });
    }
    const removed = await tx
      .delete(taxForms1099da)
      .where(
        and(
          eq(taxForms1099da.taxYear, scope.year),
          scope.tenantId === undefined ? undefined : eq(taxForms1099da.tenantId, scope.tenantId),
          isNull(taxForms1099da.sentAt),
          lt(taxForms1099da.generatedAt, scope.generatedAt),
        ),
      )
      .returning({ id: taxForms1099da.id });
    return removed.length;
  });
}

export type StoredForm = typeof taxForms1099da.$inferSelect;

export async function findForm(db: Db, tenantId: string, userId: string, year: number): Promise<StoredForm | null> {
  const [row] = await db
    .select()
    .from(taxForms1099da)
    .where(and(eq(taxForms1099da.tenantId, tenantId), eq(taxForms1099da.userId, userId), eq(taxForms1099da.taxYear, year)));
  return row ?? null;
}

export async function formsOf(db: Db, tenantId: string, userId: string): Promise<StoredForm[]> {
  return db
    .select()
    .from(taxForms1099da)
    .where(and(eq(taxForms1099da.tenantId, tenantId), eq(taxForms1099da.userId, userId)))
    .orderBy(desc(taxForms1099da.taxYear));
}
