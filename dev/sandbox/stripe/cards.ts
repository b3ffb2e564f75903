/** Test PaymentMethod tokens (docs.stripe.com/testing) and what confirming with them does. */
export type CardOutcome =
  | { kind: 'succeed' }
  | { kind: 'decline'; code: string; decline_code: string; message: string }
  | { kind: 'authenticate' };
/** The dispute a card's cardholder opens once the payment succeeds, with the network's reason code for it. */
export type TestDispute = { reason: string; networkReasonCode: string };
export type TestCard = { brand: string; last4: string; funding: 'credit' | 'debit'; outcome: CardOutcome; dispute?: TestDispute };

const ok: CardOutcome = { kind: 'succeed' };
const decline = (code: string, decline_code: string, message: string): CardOutcome => ({ kind: 'decline', code, decline_code, message });
export const TEST_CARDS: Record<string, TestCard> = {
  pm_card_visa: { brand: 'visa', last4: '4242', funding: 'credit', outcome: ok },
  pm_card_mastercard: { brand: 'mastercard', last4: '4444', funding: 'credit', outcome: ok },
  pm_card_amex: { brand: 'amex', last4: '8431', funding: 'credit', outcome: ok },
  pm_card_discover: { brand: 'discover', last4: '1117', funding: 'credit', outcome: ok },
  pm_card_visa_debit: { brand: 'visa', last4: '5556', funding: 'debit', outcome: ok },
  pm_card_chargeDeclined: {
    brand: 'visa',
    last4: '0002',
    funding: 'credit',
    outcome: decline('card_declined', 'generic_decline', 'Your card was declined.'),
  },
  pm_card_chargeDeclinedInsufficientFunds: {
    brand: 'visa',
    last4: '9995',
    funding: 'credit',
    outcome: decline('card_declined', 'insufficient_funds', 'Your card has insufficient funds.'),
  },
  pm_card_chargeDeclinedExpiredCard: {
    brand: 'visa',
    last4: '0069',
    funding: 'credit',
    outcome: decline('expired_card', 'expired_card', 'Your card has expired.'),
  },
  pm_card_chargeDeclinedProcessingError: {
    brand: 'visa',
    last4: '0119',
    funding: 'credit',
    outcome: decline('processing_error', 'processing_error', 'An error occurred while processing your card. Try again in a little bit.'),
  },
  // The charge succeeds, then the cardholder disputes it (charge.dispute.created): see disputes.ts.
  pm_card_createDispute: {
    brand: 'visa',
    last4: '0259',
    funding: 'credit',
    outcome: ok,
    dispute: { reason: 'fraudulent', networkReasonCode: '10.4' },
  },
  pm_card_createDisputeProductNotReceived: {
    brand: 'visa',
    last4: '2685',
    funding: 'credit',
    outcome: ok,
    dispute: { reason: 'product_not_received', networkReasonCode: '13.1' },
  },
  pm_card_authenticationRequired: { brand: 'visa', last4: '3184', funding: 'credit', outcome: { kind: 'authenticate' } },
  pm_card_threeDSecure2Required: { brand: 'visa', last4: '3220', funding: 'credit', outcome: { kind: 'authenticate' } },
};
