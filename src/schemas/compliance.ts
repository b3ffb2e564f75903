import { z } from '@hono/zod-openapi';
import { FIRST_TAX_YEAR, FORM_STATUSES, isReportableYear, normalizeTin, TaxAddress } from '../domain/tax-forms';

const Address = TaxAddress.openapi('TaxAddress', { description: 'country: ISO 3166-1 alpha-2, default US' });

export const TaxProfileBody = z
  .object({
    name: z.string().trim().min(1).max(200).openapi({ description: 'The name the TIN is registered to' }),
    address: Address,
    tin: z
      .string()
      .max(20)
      .refine((v) => normalizeTin(v) !== null, 'a US SSN or EIN: 9 digits, as NNN-NN-NNNN, NN-NNNNNNN or NNNNNNNNN')
      .openapi({ description: 'SSN or EIN; stored encrypted, never shown again in full', example: '123-45-6789' }),
  })
  .openapi('TaxProfileBody');

export const TaxProfileView = z
  .object({
    name: z.string(),
    address: Address,
    tin: z.string().openapi({ description: 'Masked: only the last four digits', example: '***-**-6789' }),
    updatedAt: z.string(),
  })
  .openapi('TaxProfile');

export const TaxYearParam = z.object({
  year: z
    .string()
    .regex(/^\d{4}$/, 'a four-digit year')
    .refine((v) => isReportableYear(Number(v), new Date()), `a tax year from ${FIRST_TAX_YEAR} to the current year`)
    .openapi({ param: { name: 'year', in: 'path' }, example: String(FIRST_TAX_YEAR) }),
});

const Summary = z.object({
  totalProceeds: z.number().int().openapi({ description: 'Cents: the sale prices net of the venue royalty and platform fee' }),
  totalCostBasis: z.number().int().openapi({ description: 'Cents: what the seller paid for the tickets sold' }),
  totalGain: z.number().int().openapi({ description: 'totalProceeds − totalCostBasis (negative: a loss)' }),
  transactionCount: z.number().int(),
});

const STATUSES = [...FORM_STATUSES, 'not_generated'] as const;

export const TaxFormResponse = z
  .object({
    year: z.number().int(),
    required: z.boolean().openapi({ description: 'Whether the year’s proceeds reach the 1099-DA threshold' }),
    status: z.enum(STATUSES).openapi({
      description: 'generated: the form is ready; missing_tin: generated, but waits for your tax profile; not_generated: live figures',
    }),
    form: z
      .object({
        recipientInfo: z.object({ name: z.string(), address: Address, tin: z.string() }).nullable(),
        summary: Summary,
        generatedAt: z.string(),
      })
      .nullable(),
    summary: Summary.openapi({ description: 'The form’s figures, or the live figures of a year without a form' }),
    downloadUrl: z.string().nullable().openapi({ description: 'The PDF, once the form has its recipient' }),
  })
  .openapi('TaxForm');

export const TaxSummaryResponse = z
  .object({
    years: z.array(
      z.object({
        year: z.number().int(),
        status: z.enum(STATUSES),
        required: z.boolean(),
        generatedAt: z.string().nullable(),
        downloadUrl: z.string().nullable(),
        summary: z.object({ totalProceeds: z.number().int(), transactionCount: z.number().int() }),
      }),
    ),
  })
  .openapi('TaxSummary');

export const GenerationResponse = z
  .object({
    year: z.number().int(),
    required: z.number().int().openapi({ description: 'Sellers at or above the threshold: one form each' }),
    generated: z.number().int().openapi({ description: 'Forms with their recipient' }),
    missingTin: z.number().int().openapi({ description: 'Forms whose seller has no tax profile yet' }),
    removed: z.number().int().openapi({ description: 'Unsent forms of sellers no longer at the threshold' }),
    sellers: z.array(
      z.object({
        userId: z.string(),
        status: z.enum(FORM_STATUSES),
        totalProceeds: z.number().int(),
        transactionCount: z.number().int(),
      }),
    ),
  })
  .openapi('TaxFormGeneration');
