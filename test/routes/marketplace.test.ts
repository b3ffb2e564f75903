import { env } from 'cloudflare:workers';
import { describe, expect, inject, it } from 'vitest';
import { custodialAddress } from '../../src/chains/custody';
import { chainAdapter } from '../../src/chains/registry';
import { type Bindings, parseConfig } from '../../src/env';
import { call, json } from '../helpers/app';
import { polygonOwnerOf } from '../helpers/chains';
import { eventually, rows, sql } from '../helpers/db';
import { refund } from '../helpers/payments';
import { deliverBatch } from '../helpers/queues';
import { closeStripeDispute, deliverStripeEventsAbout, type SandboxRequest, sandbox } from '../helpers/sandbox';
import { bearer, signToken } from '../helpers/tokens';
import { venueShop } from '../helpers/venues';

const VENUE_ACCOUNT = 'acct_1VenueHall0000002';
const CARDS = ['pm_card_visa', 'pm_card_mastercard', 'pm_card_amex', 'pm_card_discover', 'pm_card_visa_debit'];

/**
 * A venue selling 10000 tickets of a Polygon event, and `holders` sellers each holding one minted ticket (bought in
 * an order of its own). The first holder is also `seller`, `order` and `ticket`.
 */
async function resaleShop(holders = 1) {
  const shop = await venueShop({ price: 10_000, blockchain: 'polygon', stripeAccountId: VENUE_ACCOUNT });
  const sellers = await Promise.all(
    Array.from({ length: holders }, async (_, i) => {
      const sellerId = holders === 1 ? 'seller' : `seller-${i}`;
      // A card of its own per seller: a card used by more than three users a day is refused (velocity).
      const card = CARDS[i % CARDS.length] as string;
      return { sellerId, seller: await shop.user(sellerId), order: await shop.buy(sellerId, 1, card) };
    }),
  );
  const held = await Promise.all(
    sellers.map(async (h) => {
      const ticket = await eventually(
        async () => {
          const list = await json<any>(await call('/api/v1/tickets', { headers: h.seller }));
          return list.tickets[0]?.nft?.status === 'minted' ? list.tickets[0] : undefined;
        },
        60_000,
        1_000,
      );
      return { ...h, ticket };
    }),
  );
  const list = (body: unknown, headers: Record<string, string>) =>
    call('/api/v1/marketplace/listings', { method: 'POST', headers, body: JSON.stringify(body) });
  const purchase = (
    headers: Record<string, string>,
    listingId: string,
    key: string = crypto.randomUUID(),
    paymentMethodId = 'pm_card_visa',
  ) =>
    call('/api/v1/marketplace/purchase', {
      method: 'POST',
      headers: { ...headers, 'Idempotency-Key': key },
      body: JSON.stringify({ listingId, paymentMethodId }),
    });
  const first = held[0] as (typeof held)[number];
  return { ...shop, holders: held, seller: first.seller, order: first.order, ticket: first.ticket, list, purchase };
}

/** One shop for the tests that need nothing of the venue's own figures: each takes a holder of its own. */
let shared: ReturnType<typeof resaleShop> | undefined;
async function holderOfSharedShop() {
  shared ??= resaleShop(6);
  const shop = await shared;
  const holder = shop.holders.shift();
  if (!holder) throw new Error('the shared resale shop has no holder left');
  return { shop, ...holder };
}

async function intentsOfGroup(listingId: string): Promise<SandboxRequest[]> {
  const all = (await sandbox('/__sandbox/requests')) as SandboxRequest[];
  return all.filter(
    (r) => r.provider === 'stripe' && r.path === '/v1/payment_intents' && r.body?.transfer_group === listingId && r.status < 300,
  );
}

describe('resale marketplace', () => {
  it('the seed example: 15000 on a 10000 face → window 5000…25000; bought, held in escrow, the NFT moves to the buyer, released 12750 / 1500 / 750', async () => {
    const shop = await resaleShop();
    expect((await shop.list({ ticketId: shop.ticket.id, price: 25_001 }, shop.seller)).status).toBe(422);
    expect((await shop.list({ ticketId: shop.ticket.id, price: 4_999 }, shop.seller)).status).toBe(422);
    const created = await shop.list({ ticketId: shop.ticket.id, price: 15_000, venueId: 'hall' }, shop.seller);
    expect(created.status).toBe(201);
    const body = await json<any>(created);
    expect(body).toMatchObject({
      success: true,
      listing: { ticketId: shop.ticket.id, sellerId: 'seller', price: 15_000, originalPrice: 10_000, status: 'active' },
      priceInfo: { valid: true, originalPrice: 10_000, maxAllowedPrice: 25_000, minAllowedPrice: 5_000 },
    });
    const listingId = body.listing.id as string;
    // Listed once: a second listing of the same ticket is refused.
    expect((await shop.list({ ticketId: shop.ticket.id, price: 15_000 }, shop.seller)).status).toBe(409);
    // Only its holder can list it.
    expect((await shop.list({ ticketId: shop.ticket.id, price: 15_000 }, await shop.user('thief'))).status).toBe(404);

    const buyer = await shop.user('buyer');
    const bought = await shop.purchase(buyer, listingId);
    expect(bought.status).toBe(200);
    expect(await json<any>(bought)).toMatchObject({
      success: true,
      escrow: { amount: 15_000, sellerPayout: 12_750, venueRoyalty: 1_500, platformFee: 750, status: 'funded' },
    });
    const [intent] = await intentsOfGroup(listingId);
    expect(intent?.body).toMatchObject({ amount: '15000', transfer_group: listingId });
    expect(intent?.headers['stripe-account']).toBeUndefined();

    const released = await eventually(async () => {
      // Polled as an admin, so the buyer's own requests stay within their rate limit.
      const detail = await json<any>(await call(`/api/v1/marketplace/listings/${listingId}`, { headers: shop.admin }));
      return detail.escrow?.status === 'released' ? detail : undefined;
    }, 60_000);
    expect(released.listing.status).toBe('sold');
    const buyerAddress = await custodialAddress(env.CUSTODY_SEED as string, { tenantId: shop.tenant, userId: 'buyer', chain: 'polygon' });
    const ticket = await json<any>(await call(`/api/v1/tickets/${shop.ticket.id}`, { headers: buyer }));
    expect(ticket).toMatchObject({ ownerId: 'buyer', status: 'valid' });
    expect((await polygonOwnerOf(ticket.nft.tokenId))?.toLowerCase()).toBe(buyerAddress.toLowerCase());
    expect((await call(`/api/v1/tickets/${shop.ticket.id}`, { headers: shop.seller })).status).toBe(404);

    const split = await eventually(async () => {
      const r = await rows<{ recipient_type: string; amount: string }>(
        sql`SELECT recipient_type, amount::text FROM royalty_distributions WHERE transaction_id = ${released.escrow.id}`,
      );
      return r.length === 3 ? r : undefined;
    });
    expect(Object.fromEntries(split.map((r) => [r.recipient_type, Number(r.amount)]))).toEqual({
      venue: 1_500,
      platform: 750,
      seller: 12_750,
    });
    const ledger = await rows<{ account: string; total: string }>(
      sql`SELECT account, SUM(amount)::text AS total FROM ledger_entries WHERE transaction_id = ${released.escrow.id} GROUP BY account`,
    );
    expect(Object.fromEntries(ledger.map((l) => [l.account, Number(l.total)]))).toEqual({
      'buyer:buyer': 15_000,
      [`escrow:${released.escrow.id}`]: 0,
      'venue:hall:pending': -1_500,
      'platform:fees': -750,
      'seller:seller:balance': -12_750,
    });
    // The royalty goes to the venue's balance and its connected account.
    await eventually(async () => ((await shop.balance()).balance.pending === 11_500 ? true : undefined));
    await eventually(async () => ((await shop.check()).allMatch ? true : undefined));
    const transfers = ((await sandbox('/__sandbox/requests')) as SandboxRequest[]).filter(
      (r) => r.path === '/v1/transfers' && r.body?.transfer_group === listingId,
    );
    expect(transfers.map((t) => t.body)).toEqual([expect.objectContaining({ amount: '1500', destination: VENUE_ACCOUNT })]);
    // Royalty report of the venue.
    const today = new Date().toISOString().slice(0, 10);
    const report = await json<any>(
      await call(`/api/v1/marketplace/venues/hall/royalties?startDate=${today}&endDate=${today}`, { headers: shop.admin }),
    );
    expect(report).toEqual({
      totalRoyalties: 1_500,
      transactionCount: 1,
      averageRoyalty: 1_500,
      byEvent: [{ eventId: 'gig', eventName: 'Gig', royalties: 1_500, transactions: 1 }],
    });
    expect((await call(`/api/v1/marketplace/venues/hall/royalties?startDate=${today}&endDate=${today}`, { headers: buyer })).status).toBe(
      404,
    );
    // The seller's 1099-DA figures for the year come from the released escrow (below the threshold: no form required).
    const year = new Date().getUTCFullYear();
    const tax = await eventually(
      async () => {
        const t = await json<any>(await call(`/api/v1/compliance/tax-forms/${year}`, { headers: shop.seller }));
        return t.summary?.transactionCount === 1 ? t : undefined;
      },
      20_000,
      1_000,
    );
    expect(tax).toMatchObject({
      required: false,
      summary: { totalProceeds: 12_750, totalCostBasis: 10_000, totalGain: 2_750, transactionCount: 1 },
    });
  });

  it('50 concurrent purchases of one listing: one PaymentIntent, one escrow, 49 × 409 LISTING_UNAVAILABLE', async () => {
    const { shop, seller, ticket } = await holderOfSharedShop();
    const listingId = (await json<any>(await shop.list({ ticketId: ticket.id, price: 12_000 }, seller))).listing.id as string;
    const buyers = await Promise.all(Array.from({ length: 50 }, (_, i) => shop.user(`racer-${i}`)));
    const answers = await Promise.all(buyers.map((b) => shop.purchase(b, listingId)));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    for (const r of answers.filter((a) => a.status === 409)) expect((await json<any>(r)).code).toBe('LISTING_UNAVAILABLE');
    expect(await intentsOfGroup(listingId)).toHaveLength(1);
    const escrows = await eventually(async () => {
      const r = await rows<{ id: string }>(sql`SELECT id FROM payment_escrows WHERE listing_id = ${listingId}`);
      return r.length > 0 ? r : undefined;
    });
    expect(escrows).toHaveLength(1);
  });

  it('a declined card leaves the listing on sale; the seller can withdraw it; listings of an event are listed cheapest first', async () => {
    const { shop, seller, ticket } = await holderOfSharedShop();
    const listingId = (await json<any>(await shop.list({ ticketId: ticket.id, price: 11_000 }, seller))).listing.id as string;
    const declined = await shop.purchase(await shop.user('poor'), listingId, crypto.randomUUID(), 'pm_card_chargeDeclined');
    expect(declined.status).toBe(402);
    expect((await json<any>(declined)).code).toBe('PAYMENT_FAILED');
    const listed = await eventually(
      async () => {
        const page = await json<any>(await call('/api/v1/marketplace/listings?eventId=gig&limit=100', { headers: seller }));
        return page.listings.find((l: any) => l.id === listingId);
      },
      20_000,
      1_000,
    );
    expect(listed).toMatchObject({ id: listingId, price: 11_000, status: 'active' });
    // Not the seller's own listing to buy, and not anyone else's to withdraw.
    expect((await shop.purchase(seller, listingId)).status).toBe(422);
    expect((await call(`/api/v1/marketplace/listings/${listingId}`, { method: 'DELETE', headers: await shop.user('poor') })).status).toBe(
      404,
    );
    const withdrawn = await call(`/api/v1/marketplace/listings/${listingId}`, { method: 'DELETE', headers: seller });
    expect(withdrawn.status).toBe(200);
    expect((await shop.purchase(await shop.user('late'), listingId)).status).toBe(409);
    const after = await json<any>(await call(`/api/v1/tickets/${ticket.id}`, { headers: seller }));
    expect(after.status).toBe('valid');
    // Listed again at once.
    expect((await shop.list({ ticketId: ticket.id, price: 11_000 }, seller)).status).toBe(201);
  });

  it('a seller with a connected account is paid by a transfer in the listing’s transfer group', async () => {
    const { shop, seller, ticket } = await holderOfSharedShop();
    const account = await call('/api/v1/marketplace/seller-account', {
      method: 'PUT',
      headers: seller,
      body: JSON.stringify({ stripeAccountId: 'acct_1SellerAccount0001' }),
    });
    expect(account.status).toBe(200);
    const listingId = (await json<any>(await shop.list({ ticketId: ticket.id, price: 10_000 }, seller))).listing.id as string;
    expect((await shop.purchase(await shop.user('fan'), listingId)).status).toBe(200);
    const paid = await eventually(async () => {
      const all = (await sandbox('/__sandbox/requests')) as SandboxRequest[];
      return all.find(
        (r) => r.path === '/v1/transfers' && r.body?.transfer_group === listingId && r.body?.destination === 'acct_1SellerAccount0001',
      );
    }, 60_000);
    expect(paid.body).toMatchObject({ amount: '8500', currency: 'usd' });
    expect(paid.body.source_transaction).toMatch(/^ch_/);
  });
});

describe('resale marketplace, when things go wrong', () => {
  it('a ticket that cannot be moved: the buyer is refunded, the escrow ends refunded and the listing is on sale again', {
    timeout: 60_000,
  }, async () => {
    const { shop, seller, sellerId, ticket } = await holderOfSharedShop();
    const listingId = (await json<any>(await shop.list({ ticketId: ticket.id, price: 10_000 }, seller))).listing.id as string;
    // The token leaves the seller's custodial address behind the platform's back: the chain refuses the resale's transfer.
    const direct = JSON.parse(inject('chainDirectUrls')) as { polygon: string };
    const adapter = chainAdapter(parseConfig({ ...env, POLYGON_RPC_URL: direct.polygon } as Bindings).chains, 'polygon');
    const elsewhere = '0x000000000000000000000000000000000000dEaD';
    const [moved] = await (adapter as NonNullable<typeof adapter>).transfer(
      [{ ticketId: ticket.id, tenantId: shop.tenant, fromUserId: sellerId, to: elsewhere }],
      async () => {},
    );
    expect(moved?.status).toBe('confirmed');
    const buyer = await shop.user('unlucky');
    const bought = await shop.purchase(buyer, listingId);
    expect(bought.status).toBe(200);
    // The queue delivers the transfer with backoffs of 10 s and more between refusals: three deliveries by hand
    // reach the third refusal at once (the queue's own copy finds the transfer given up).
    const escrowId = (await json<any>(bought)).escrow.id as string;
    const transfer = { v: 1, op: 'transfer', tenantId: shop.tenant, ticketId: ticket.id, chain: 'polygon', jobId: escrowId };
    for (let attempt = 1; attempt <= 3; attempt++) await deliverBatch('mint', [transfer], attempt, { POLYGON_RPC_URL: direct.polygon });
    const refunded = await eventually(async () => {
      const detail = await json<any>(await call(`/api/v1/marketplace/listings/${listingId}`, { headers: shop.admin }));
      return detail.escrow?.status === 'refunded' ? detail : undefined;
    }, 30_000);
    expect(refunded.listing.status).toBe('active');
    const [intent] = await intentsOfGroup(listingId);
    const refunds = ((await sandbox('/__sandbox/requests')) as SandboxRequest[]).filter(
      (r) => r.path === '/v1/refunds' && r.body?.payment_intent === intent?.response?.id,
    );
    expect(refunds.map((r) => r.body.amount)).toEqual(['10000']);
    const ledger = await eventually(async () => {
      const lines = await rows<{ account: string; total: string }>(
        sql`SELECT account, SUM(amount)::text AS total FROM ledger_entries WHERE transaction_id = ${refunded.escrow.id} GROUP BY account`,
      );
      return lines.every((l) => Number(l.total) === 0) ? lines : undefined;
    });
    expect(ledger.map((l) => l.account).sort()).toEqual(['buyer:unlucky', `escrow:${refunded.escrow.id}`]);
  });

  it('a dispute on the buyer’s charge makes the escrow disputed; won, it is released again', async () => {
    const { shop, seller, ticket } = await holderOfSharedShop();
    const listingId = (await json<any>(await shop.list({ ticketId: ticket.id, price: 10_000 }, seller))).listing.id as string;
    expect((await shop.purchase(await shop.user('chargeback'), listingId, crypto.randomUUID(), 'pm_card_createDispute')).status).toBe(200);
    const escrowOf = async () => (await json<any>(await call(`/api/v1/marketplace/listings/${listingId}`, { headers: shop.admin }))).escrow;
    await eventually(async () => ((await escrowOf()).status === 'released' ? true : undefined), 60_000);
    const [intent] = await intentsOfGroup(listingId);
    const pi = intent?.response?.id as string;
    expect(await deliverStripeEventsAbout(pi, 'charge.dispute.created')).toEqual([200]);
    expect((await escrowOf()).status).toBe('disputed');
    await closeStripeDispute(pi, 'winning_evidence');
    expect(await deliverStripeEventsAbout(pi, 'charge.dispute.closed')).toEqual([200]);
    expect((await escrowOf()).status).toBe('released');
  });

  it('several listings far above face value by one seller go to fraud review', async () => {
    const shop = await venueShop({ price: 10_000 });
    const seller = await shop.user('flipper');
    await shop.buy('flipper', 3);
    const tickets = await eventually(
      async () => {
        const list = await json<any>(await call('/api/v1/tickets', { headers: seller }));
        return list.tickets.length === 3 && list.tickets.every((t: any) => t.nft?.status === 'minted') ? list.tickets : undefined;
      },
      60_000,
      1_000,
    );
    const listed: string[] = [];
    for (const t of tickets) {
      const res = await call('/api/v1/marketplace/listings', {
        method: 'POST',
        headers: seller,
        body: JSON.stringify({ ticketId: t.id, price: 24_000 }),
      });
      expect(res.status).toBe(201);
      listed.push((await json<any>(res)).listing.id);
    }
    const review = await eventually(async () => {
      const { checks } = await json<any>(await call('/admin/fraud/checks?decision=review', { headers: shop.admin }));
      return checks.length >= 1 ? checks : undefined;
    });
    expect(review).toHaveLength(1);
    expect(review[0]).toMatchObject({ userId: 'flipper', decision: 'review' });
    expect(JSON.stringify(review[0].signals)).toContain(listed[2]);
    expect(JSON.stringify(review[0].signals)).toContain('many_high_markup_listings_by_seller');
  });

  it('a listed ticket whose order is refunded is void, and its listing withdrawn', async () => {
    const { shop, seller, ticket, order } = await holderOfSharedShop();
    const listingId = (await json<any>(await shop.list({ ticketId: ticket.id, price: 10_000 }, seller))).listing.id as string;
    expect((await refund(order.id, order.headers)).status).toBe(200);
    const detail = await eventually(async () => {
      const d = await json<any>(await call(`/api/v1/marketplace/listings/${listingId}`, { headers: shop.admin }));
      return d.listing.status === 'cancelled' ? d : undefined;
    }, 30_000);
    expect(detail.escrow).toBeNull();
    expect((await shop.purchase(await shop.user('too-late'), listingId)).status).toBe(409);
  });

  it('a ticket of an event that has started cannot be listed', async () => {
    const shop = await resaleShop();
    const moved = await call('/api/v1/events/gig', {
      method: 'PUT',
      headers: shop.admin,
      body: JSON.stringify({
        venueId: 'hall',
        name: 'Gig',
        startsAt: new Date(Date.now() - 60_000).toISOString(),
        ticketTypes: [{ id: 'ga', name: 'GA', price: 10_000 }],
      }),
    });
    expect(moved.status).toBe(200);
    const res = await shop.list({ ticketId: shop.ticket.id, price: 10_000 }, shop.seller);
    expect(res.status).toBe(409);
    expect((await json<any>(res)).code).toBe('TICKET_NOT_TRANSFERABLE');
  });
});

describe('resale marketplace, refused', () => {
  it('bad bodies are 422 and change nothing', async () => {
    const headers = { ...bearer(await signToken({ tenant_id: 'mkt-bad', sub: 'x', role: 'user' })), 'content-type': 'application/json' };
    for (const body of [
      {},
      { ticketId: 'nope', price: 100 },
      { ticketId: 'tkt_00000000000000000000000000', price: -1 },
      { ticketId: 'tkt_00000000000000000000000000', price: 1.5 },
    ]) {
      expect((await call('/api/v1/marketplace/listings', { method: 'POST', headers, body: JSON.stringify(body) })).status).toBe(422);
    }
    expect(
      (
        await call('/api/v1/marketplace/listings', {
          method: 'POST',
          headers,
          body: JSON.stringify({ ticketId: 'tkt_00000000000000000000000000', price: 100 }),
        })
      ).status,
    ).toBe(404);
    const purchase = (body: unknown) =>
      call('/api/v1/marketplace/purchase', {
        method: 'POST',
        headers: { ...headers, 'Idempotency-Key': crypto.randomUUID() },
        body: JSON.stringify(body),
      });
    expect((await purchase({ listingId: 'lst_x', paymentMethodId: 'pm_card_visa' })).status).toBe(422);
    expect((await purchase({ listingId: `lst_${'0'.repeat(32)}`, paymentMethodId: 'pm_card_visa' })).status).toBe(404);
    expect(
      (
        await call('/api/v1/marketplace/purchase', {
          method: 'POST',
          headers,
          body: JSON.stringify({ listingId: `lst_${'0'.repeat(32)}`, paymentMethodId: 'pm_card_visa' }),
        })
      ).status,
    ).toBe(400);
  });
});
