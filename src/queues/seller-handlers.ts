import { SELLER_TAX_PROFILE_UPDATED, SellerTaxProfileUpdated } from '../../durable-objects/seller/types';
import { setFormRecipient, upsertTaxProfile } from '../db/repos/tax-forms';
import { recipientOf } from '../domain/tax-forms';
import type { OutboxHandler } from './messages';

/**
 * A SellerDO's events. A newer tax profile also becomes the recipient of the seller's 1099-DA forms not yet
 * sent, so a form generated before the seller gave a TIN is complete once they do.
 */
export const sellerOutboxHandlers: Record<string, OutboxHandler> = {
  [SELLER_TAX_PROFILE_UPDATED]: async (tx, event) => {
    const profile = SellerTaxProfileUpdated.parse(event.payload);
    if (await upsertTaxProfile(tx, profile)) await setFormRecipient(tx, profile.tenantId, profile.userId, recipientOf(profile));
  },
};
