import { custodialAddress } from '../../src/chains/custody';
import type { Config } from '../../src/env';
import { sellerStub, ticketStub } from '../../src/lib/stubs';
import { pspWith, ticketPayments } from '../../src/psp/registry';
import type { PspChargeOutcome, PspFailure, PspResult } from '../../src/psp/types';
import type { TransferStart } from '../ticket/types';
import type { EscrowRow, ListingRow } from './schema';

/**
 * The calls a listing's escrow makes outside its object: the buyer's charge and refund at Stripe, the
 * transfers paying the seller and the venue, and the ticket's transfer. Each Stripe call's idempotency key is
 * derived from the escrow, so a retry (after a timeout, or by the alarm) is the same operation.
 */
export type CallResult = { ok: true } | { ok: false; failure: PspFailure };

const metadataOf = (listing: ListingRow, row: EscrowRow) => ({
  listing_id: listing.listing_id,
  escrow_id: row.escrow_id,
  tenant_id: listing.tenant_id,
});

export function chargeBuyer(env: Env, config: Config, listing: ListingRow, row: EscrowRow): Promise<PspResult<PspChargeOutcome>> {
  return ticketPayments(env, config, 'stripe').charge({
    transactionId: row.escrow_id,
    tenantId: listing.tenant_id,
    amount: row.amount,
    currency: listing.currency,
    paymentMethodId: row.payment_method_id,
    idempotencyKey: `edgepay-escrow:${row.escrow_id}:charge`,
    transferGroup: listing.listing_id,
    description: `Resale of ticket ${listing.ticket_id}`,
    metadata: metadataOf(listing, row),
  });
}

export async function refundBuyer(env: Env, config: Config, listing: ListingRow, row: EscrowRow): Promise<CallResult> {
  if (!row.psp_reference) return { ok: true };
  const refunded = await ticketPayments(env, config, 'stripe').refund({
    transactionId: row.escrow_id,
    refundId: `${row.escrow_id}:refund`,
    reference: row.psp_reference,
    amount: row.amount,
    currency: listing.currency,
    reason: 'requested_by_customer',
    idempotencyKey: `edgepay-escrow:${row.escrow_id}:refund`,
  });
  if (!refunded.ok) return refunded;
  return refunded.value.status === 'failed'
    ? { ok: false, failure: { kind: 'invalid_request', retryable: true, message: 'the refund failed at Stripe' } }
    : { ok: true };
}

/** The seller's proceeds: a transfer to their connected account, or held in their SellerDO when they have none. */
export async function paySeller(
  env: Env,
  config: Config,
  listing: ListingRow,
  row: EscrowRow,
  account: string | null,
): Promise<CallResult> {
  if (row.seller_payout_method !== 'transfer' || !account) {
    await sellerStub(env, listing.tenant_id, listing.seller_id).holdProceeds(row.escrow_id, row.seller_payout, listing.currency);
    return { ok: true };
  }
  return transfer(env, config, listing, row, account, row.seller_payout, 'seller');
}

export function transfer(
  env: Env,
  config: Config,
  listing: ListingRow,
  row: EscrowRow,
  destination: string,
  amount: number,
  to: 'seller' | 'venue',
): Promise<CallResult> {
  const connect = pspWith(env, config, 'stripe', 'connect')?.connect;
  if (!connect)
    return Promise.resolve({ ok: false, failure: { kind: 'unavailable', retryable: true, message: 'Stripe Connect is not configured' } });
  return connect
    .createTransfer({
      destination,
      amount,
      currency: listing.currency,
      transferGroup: listing.listing_id,
      ...(row.charge_reference ? { sourceTransaction: row.charge_reference } : {}),
      idempotencyKey: `edgepay-escrow:${row.escrow_id}:${to}`,
      metadata: metadataOf(listing, row),
    })
    .then((r) => (r.ok ? { ok: true as const } : r));
}

/** Asks the ticket to go to the buyer (at the buyer's custodial address on the ticket's chain, when it has one). */
export async function startTicketTransfer(env: Env, config: Config, listing: ListingRow, row: EscrowRow): Promise<TransferStart> {
  const ticket = ticketStub(env, listing.tenant_id, listing.ticket_id);
  const view = await ticket.view(listing.tenant_id);
  const chain = view?.nft?.chain;
  const seed = config.chains.custodySeed;
  const buyerAddress = chain && seed ? await custodialAddress(seed, { tenantId: listing.tenant_id, userId: row.buyer_id, chain }) : null;
  const started = await ticket.beginTransfer({
    listingId: listing.listing_id,
    escrowId: row.escrow_id,
    buyerId: row.buyer_id,
    buyerAddress,
    price: row.amount,
  });
  if (started.state === 'queued') {
    await env.MINT_QUEUE.send(
      { v: 1, op: 'transfer', tenantId: listing.tenant_id, ticketId: listing.ticket_id, chain: started.chain, jobId: row.escrow_id },
      { contentType: 'json' },
    );
  }
  return started;
}
