import { OutboxObject } from './OutboxObject';
import { readTaxProfile, TAX_PROFILE_SCHEMA_STEPS, writeTaxProfile } from './seller/tax-profile';
import { SELLER_TAX_PROFILE_UPDATED, type TaxProfileInput, type TaxProfileRecord } from './seller/types';

/**
 * SellerDO's own schema steps (after the outbox's), applied in order. New parts of the seller append their
 * steps at the end; a step that has shipped is never edited, reordered or removed.
 */
const SCHEMA: readonly string[] = [...TAX_PROFILE_SCHEMA_STEPS];

/**
 * One object per (tenant, user): the user as a resale seller. Today it keeps the seller's tax profile, whose
 * every change leaves as a `seller.tax_profile_updated` event in the same transaction (Postgres
 * `tax_profiles` is its projection).
 */
export class SellerDO extends OutboxObject {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env, 'SellerDO', SCHEMA);
  }

  taxProfile(): TaxProfileRecord | null {
    return readTaxProfile(this.ctx.storage.sql);
  }

  async putTaxProfile(input: TaxProfileInput): Promise<TaxProfileRecord> {
    const now = Date.now();
    const record = this.ctx.storage.transactionSync(() => {
      const saved = writeTaxProfile(this.ctx.storage.sql, input, now);
      this.outbox.append({ type: SELLER_TAX_PROFILE_UPDATED, tenantId: saved.tenantId, payload: saved }, now);
      return saved;
    });
    await this.rearm();
    return record;
  }
}
