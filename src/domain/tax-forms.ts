import { z } from 'zod';

/**
 * 1099-DA for resale sellers: what a seller's year of released resales adds up to, whether that needs a
 * form, and the form's content. Money is integer cents (USD). The recipient's TIN only ever appears here
 * masked; its digits are normalised once, on the way into encryption.
 */

/** The first tax year brokers report digital-asset sales on 1099-DA. */
export const FIRST_TAX_YEAR = 2025;
export const DEFAULT_1099DA_THRESHOLD = 60_000;
export const ASSET_DESCRIPTION = 'Event ticket NFT';
/** Forms are in dollars: only USD resales are counted. */
export const TAX_FORM_CURRENCY = 'USD';

export const FORM_STATUSES = ['generated', 'missing_tin'] as const;
export type FormStatus = (typeof FORM_STATUSES)[number];

/** `123-45-6789` (SSN), `12-3456789` (EIN) or `123456789` → the nine digits; anything else → null. */
export function normalizeTin(input: string): string | null {
  const text = input.trim();
  return /^(\d{3}-\d{2}-\d{4}|\d{2}-\d{7}|\d{9})$/.test(text) ? text.replace(/-/g, '') : null;
}

/** The TIN as every answer shows it: only the last four digits. */
export function maskTin(last4: string): string {
  if (!/^\d{4}$/.test(last4)) throw new RangeError('last4 must be four digits');
  return `***-**-${last4}`;
}

export const TaxAddress = z.object({
  street: z.string().trim().min(1).max(200),
  city: z.string().trim().min(1).max(100),
  state: z.string().trim().min(1).max(100),
  zip: z.string().trim().min(1).max(20),
  country: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z]{2}$/, 'an ISO 3166-1 alpha-2 code')
    .default('US'),
});
export type TaxAddress = z.infer<typeof TaxAddress>;

/** What a form says about its recipient. */
export const Recipient = z.object({ name: z.string(), address: TaxAddress, tin: z.string() });
export type Recipient = z.infer<typeof Recipient>;

export function recipientOf(profile: { name: string; address: TaxAddress; tinLast4: string }): Recipient {
  return { name: profile.name, address: profile.address, tin: maskTin(profile.tinLast4) };
}

/** A seller's released resales of one year, as summed from the escrows. */
export type SaleTotals = {
  /** Σ seller_payout: the sale prices net of the transaction costs. */
  totalProceeds: number;
  /** Σ amount: what buyers paid. */
  grossSalesPrice: number;
  /** Σ (venue royalty + platform fee). */
  transactionCosts: number;
  totalCostBasis: number;
  transactionCount: number;
};

export const TaxFigures = z.object({
  totalProceeds: z.number().int(),
  grossSalesPrice: z.number().int(),
  transactionCosts: z.number().int(),
  totalCostBasis: z.number().int(),
  /** totalProceeds − totalCostBasis; negative for a loss. */
  totalGain: z.number().int(),
  transactionCount: z.number().int().min(0),
});
export type TaxFigures = z.infer<typeof TaxFigures>;

export const NO_SALES: SaleTotals = { totalProceeds: 0, grossSalesPrice: 0, transactionCosts: 0, totalCostBasis: 0, transactionCount: 0 };

export function taxFigures(t: SaleTotals): TaxFigures {
  return {
    totalProceeds: t.totalProceeds,
    grossSalesPrice: t.grossSalesPrice,
    transactionCosts: t.transactionCosts,
    totalCostBasis: t.totalCostBasis,
    totalGain: t.totalProceeds - t.totalCostBasis,
    transactionCount: t.transactionCount,
  };
}

/** A form is due when the year's proceeds reach the threshold. */
export function formRequired(totalProceeds: number, threshold: number): boolean {
  return totalProceeds >= threshold;
}

/** The UTC calendar year as a half-open interval [start, end). */
export function taxYearRange(year: number): { start: Date; end: Date } {
  return { start: new Date(Date.UTC(year, 0, 1)), end: new Date(Date.UTC(year + 1, 0, 1)) };
}

/** The year a run at `now` reports on: the one that has just ended. */
export function previousTaxYear(now: Date): number {
  return now.getUTCFullYear() - 1;
}

export function isReportableYear(year: number, now: Date): boolean {
  return Number.isInteger(year) && year >= FIRST_TAX_YEAR && year <= now.getUTCFullYear();
}

export const Form1099daData = z.object({
  formType: z.literal('1099-DA'),
  taxYear: z.number().int(),
  payer: z.object({ name: z.string(), tenantId: z.string() }),
  recipient: Recipient.nullable(),
  figures: TaxFigures,
  currency: z.literal(TAX_FORM_CURRENCY),
  /** The proceeds are reported net of the transaction costs (venue royalty and platform fee). */
  proceedsNetOfCosts: z.literal(true),
  assetDescription: z.string(),
  generatedAt: z.iso.datetime(),
});
export type Form1099daData = z.infer<typeof Form1099daData>;

export function buildForm1099da(input: {
  taxYear: number;
  payer: { name: string; tenantId: string };
  recipient: Recipient | null;
  totals: SaleTotals;
  generatedAt: Date;
}): { status: FormStatus; data: Form1099daData } {
  return {
    status: input.recipient ? 'generated' : 'missing_tin',
    data: {
      formType: '1099-DA',
      taxYear: input.taxYear,
      payer: input.payer,
      recipient: input.recipient,
      figures: taxFigures(input.totals),
      currency: TAX_FORM_CURRENCY,
      proceedsNetOfCosts: true,
      assetDescription: ASSET_DESCRIPTION,
      generatedAt: input.generatedAt.toISOString(),
    },
  };
}

/** Cents as dollars for the printed form: 123456 → "1,234.56", −500 → "-5.00". */
export function formatDollars(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const dollars = Math.floor(abs / 100).toLocaleString('en-US');
  return `${sign}${dollars}.${String(abs % 100).padStart(2, '0')}`;
}
