import { type WaitUntil, withDb } from '../db/client';
import {
  type FormRow,
  findForm,
  formsOf,
  replaceForms,
  type StoredForm,
  sellersAtThreshold,
  sellerTotals,
  sellerYearTotals,
} from '../db/repos/tax-forms';
import {
  buildForm1099da,
  FIRST_TAX_YEAR,
  Form1099daData,
  type FormStatus,
  formRequired,
  previousTaxYear,
  recipientOf,
  type SaleTotals,
  type TaxFigures,
  taxFigures,
} from '../domain/tax-forms';
import type { Config, Principal } from '../env';
import { NotFoundError } from '../lib/errors';
import { renderForm1099da } from './tax-form-pdf';

export const downloadUrl = (year: number) => `/api/v1/compliance/tax-forms/${year}/download`;

export type GenerationResult = {
  year: number;
  required: number;
  generated: number;
  missingTin: number;
  removed: number;
  sellers: { tenantId: string; userId: string; status: FormStatus; totalProceeds: number; transactionCount: number }[];
};

/**
 * The year's 1099-DA forms of one tenant (or of every tenant): one row per seller whose released resales of
 * the year (UTC) reach the threshold, with the figures summed from `payment_escrows` now. Running it again
 * replaces the figures; a seller without a tax profile still gets a form, `missing_tin`, completed when they
 * save one. Unsent forms of sellers no longer at the threshold are removed.
 */
export async function generate1099da(
  config: Config,
  ctx: WaitUntil,
  scope: { year: number; tenantId?: string },
  now = new Date(),
): Promise<GenerationResult> {
  return withDb(config, ctx, async (db) => {
    const sellers = await sellersAtThreshold(db, scope.year, config.tax.threshold, scope.tenantId);
    const forms: FormRow[] = sellers.map((s) => {
      const form = buildForm1099da({
        taxYear: scope.year,
        payer: { name: config.tax.payerName, tenantId: s.tenantId },
        recipient: s.profile ? recipientOf(s.profile) : null,
        totals: s,
        generatedAt: now,
      });
      return {
        id: `tf_${crypto.randomUUID()}`,
        tenantId: s.tenantId,
        userId: s.sellerId,
        taxYear: scope.year,
        formData: form.data,
        totalProceeds: s.totalProceeds,
        totalCostBasis: s.totalCostBasis,
        transactionCount: s.transactionCount,
        status: form.status,
        generatedAt: now,
      };
    });
    const removed = await replaceForms(db, forms, { year: scope.year, tenantId: scope.tenantId, generatedAt: now });
    const missingTin = forms.filter((f) => f.status === 'missing_tin').length;
    return {
      year: scope.year,
      required: forms.length,
      generated: forms.length - missingTin,
      missingTin,
      removed,
      sellers: forms.map((f) => ({
        tenantId: f.tenantId,
        userId: f.userId,
        status: f.status as FormStatus,
        totalProceeds: f.totalProceeds,
        transactionCount: f.transactionCount,
      })),
    };
  });
}

/** The yearly run: every tenant's forms of the year that has just ended. Counts only, for the cron's log line. */
export async function generatePreviousYear1099da(config: Config, ctx: WaitUntil, now = new Date()) {
  const { sellers: _sellers, ...counts } = await generate1099da(config, ctx, { year: previousTaxYear(now) }, now);
  return counts;
}

type FormView = {
  year: number;
  required: boolean;
  status: FormStatus | 'not_generated';
  form: { recipientInfo: Form1099daData['recipient']; summary: Summary; generatedAt: string } | null;
  summary: Summary;
  downloadUrl: string | null;
};
type Summary = Pick<TaxFigures, 'totalProceeds' | 'totalCostBasis' | 'totalGain' | 'transactionCount'>;

const summaryOf = (f: TaxFigures): Summary => ({
  totalProceeds: f.totalProceeds,
  totalCostBasis: f.totalCostBasis,
  totalGain: f.totalGain,
  transactionCount: f.transactionCount,
});

/** A form is downloadable once it names its recipient. */
const downloadable = (form: StoredForm) => form.status === 'generated';

function formView(row: StoredForm): FormView {
  const data = Form1099daData.parse(row.formData);
  const summary = summaryOf(data.figures);
  return {
    year: row.taxYear,
    required: true,
    status: row.status as FormStatus,
    form: { recipientInfo: data.recipient, summary, generatedAt: row.generatedAt.toISOString() },
    summary,
    downloadUrl: downloadable(row) ? downloadUrl(row.taxYear) : null,
  };
}

function liveView(year: number, totals: SaleTotals, threshold: number): FormView {
  return {
    year,
    required: formRequired(totals.totalProceeds, threshold),
    status: 'not_generated',
    form: null,
    summary: summaryOf(taxFigures(totals)),
    downloadUrl: null,
  };
}

/** The caller's 1099-DA of the year: the generated form, or for a year without one the figures as they stand. */
export async function taxForm(config: Config, ctx: WaitUntil, principal: Principal, year: number): Promise<FormView> {
  return withDb(config, ctx, async (db) => {
    const row = await findForm(db, principal.tenantId, principal.sub, year);
    if (row) return formView(row);
    return liveView(year, await sellerTotals(db, principal.tenantId, principal.sub, year), config.tax.threshold);
  });
}

/** Every year the caller has a form or released sales in, newest first. */
export async function taxSummary(config: Config, ctx: WaitUntil, principal: Principal) {
  const { forms, live } = await withDb(config, ctx, async (db) => ({
    forms: await formsOf(db, principal.tenantId, principal.sub),
    live: await sellerYearTotals(db, principal.tenantId, principal.sub, FIRST_TAX_YEAR),
  }));
  const views = new Map<number, FormView>();
  for (const [year, totals] of live) views.set(year, liveView(year, totals, config.tax.threshold));
  for (const row of forms) views.set(row.taxYear, formView(row));
  return {
    years: [...views.values()]
      .sort((a, b) => b.year - a.year)
      .map((v) => ({
        year: v.year,
        status: v.status,
        required: v.required,
        generatedAt: v.form?.generatedAt ?? null,
        downloadUrl: v.downloadUrl,
        summary: { totalProceeds: v.summary.totalProceeds, transactionCount: v.summary.transactionCount },
      })),
  };
}

/** The caller's form of the year as a PDF; 404 when there is none, or it does not name its recipient yet. */
export async function taxFormPdf(config: Config, ctx: WaitUntil, principal: Principal, year: number): Promise<Uint8Array<ArrayBuffer>> {
  const row = await withDb(config, ctx, (db) => findForm(db, principal.tenantId, principal.sub, year));
  if (!row) throw new NotFoundError(`No 1099-DA for ${year}`);
  if (!downloadable(row)) throw new NotFoundError(`The ${year} 1099-DA waits for your tax profile`);
  return renderForm1099da(Form1099daData.parse(row.formData));
}
