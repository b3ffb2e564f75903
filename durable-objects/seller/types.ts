import { z } from 'zod';
import { TaxAddress } from '../../src/domain/tax-forms';

/**
 * The seller object's contract. One SellerDO per (tenant, user) holds what the platform keeps about a user
 * as a resale seller; its `seller.*` events carry what the Postgres projections need.
 */

/** What the Worker hands the object: the TIN already encrypted, and its last four digits for the masked form. */
export const TaxProfileInput = z.object({
  tenantId: z.string().min(1),
  userId: z.string().min(1),
  name: z.string().min(1),
  address: TaxAddress,
  tinCiphertext: z.string().min(1),
  tinLast4: z.string().regex(/^\d{4}$/),
});
export type TaxProfileInput = z.infer<typeof TaxProfileInput>;

/** The stored profile; `version` orders its projections. */
export const TaxProfileRecord = TaxProfileInput.extend({
  version: z.number().int().positive(),
  updatedAt: z.iso.datetime(),
});
export type TaxProfileRecord = z.infer<typeof TaxProfileRecord>;

export const SELLER_TAX_PROFILE_UPDATED = 'seller.tax_profile_updated';

/** `seller.tax_profile_updated` carries the whole record: the TIN as ciphertext and last four only. */
export const SellerTaxProfileUpdated = TaxProfileRecord;
