import { OutboxObject } from './OutboxObject';
import { readTaxProfile, TAX_PROFILE_SCHEMA_STEPS, writeTaxProfile } from './seller/tax-profile';
import { SELLER_TAX_PROFILE_UPDATED, type TaxProfileInput, type TaxProfileRecord } from './seller/types';

/**
 * SellerDO's own schema steps (after the outbox's), applied in order. New parts of the seller append their
 * steps at the end; a step that has shipped is never edited, reordered or removed.
 */
const SCHEMA: readonly string[] = [
  ...TAX_PROFILE_SCHEMA_STEPS,
  // Where resale proceeds go: the seller's Stripe connected account, else held here until they add one.
  'CREATE TABLE payout_account (id INTEGER PRIMARY KEY CHECK (id = 1), stripe_account_id TEXT NOT NULL, updated_at INTEGER NOT NULL)',
  'CREATE TABLE held_proceeds (escrow_id TEXT PRIMARY KEY, amount INTEGER NOT NULL, currency TEXT NOT NULL, held_at INTEGER NOT NULL)',
];

/**
 * One object per (tenant, user): the user as a resale seller. It keeps the seller's tax profile, whose every
 * change leaves as a `seller.tax_profile_updated` event in the same transaction (Postgres `tax_profiles` is
 * its projection), the connected account resale proceeds are transferred to, and the proceeds held for a
 * seller who has none (the ledger's `seller:<id>:balance`).
 */
export class SellerDO extends OutboxObject {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env, 'SellerDO', SCHEMA);
  }

  taxProfile(): TaxProfileRecord | null {
    return readTaxProfile(this.ctx.storage.sql);
  }

  payoutAccount(): string | null {
    return (
      this.ctx.storage.sql.exec<{ stripe_account_id: string }>('SELECT stripe_account_id FROM payout_account WHERE id = 1').toArray()[0]
        ?.stripe_account_id ?? null
    );
  }

  setPayoutAccount(stripeAccountId: string): void {
    this.ctx.storage.sql.exec(
      'INSERT INTO payout_account (id, stripe_account_id, updated_at) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET stripe_account_id = excluded.stripe_account_id, updated_at = excluded.updated_at',
      stripeAccountId,
      Date.now(),
    );
  }

  /** Keeps a sale's proceeds for a seller without a connected account (once per escrow). */
  holdProceeds(escrowId: string, amount: number, currency: string): void {
    this.ctx.storage.sql.exec(
      'INSERT INTO held_proceeds (escrow_id, amount, currency, held_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
      escrowId,
      amount,
      currency,
      Date.now(),
    );
  }

  /** What the seller is owed and has not been paid out, per currency. */
  heldProceeds(): { currency: string; amount: number }[] {
    return this.ctx.storage.sql
      .exec<{ currency: string; amount: number }>(
        'SELECT currency, SUM(amount) AS amount FROM held_proceeds GROUP BY currency ORDER BY currency',
      )
      .toArray();
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
