import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { custodialAddress } from '../../src/chains/custody';
import { call, json } from '../helpers/app';
import { polygonOwnerOf, polygonTransfers, setChainDown, solanaBalance, solanaMint } from '../helpers/chains';
import { eventually, rows, sql } from '../helpers/db';
import { refund } from '../helpers/payments';
import { bearer, signToken } from '../helpers/tokens';

/** A tenant with one venue and an event on each chain (and one with no chain named), starting in a month. */
async function chainShop() {
  const tenant = `nft-${crypto.randomUUID()}`;
  const admin = { ...bearer(await signToken({ tenant_id: tenant, sub: 'boss', role: 'admin' })), 'content-type': 'application/json' };
  await call('/api/v1/venues/arena', {
    method: 'PUT',
    headers: admin,
    body: JSON.stringify({ name: 'Arena', address: { city: 'Knoxville', state: 'TN' }, tier: 'starter' }),
  });
  const startsAt = new Date(Date.now() + 30 * 86_400_000).toISOString();
  const limits = { perUser: 100, perPaymentMethod: 1000, perAddress: 100, perOrder: 10 };
  for (const [eventId, blockchain] of [
    ['on-polygon', 'polygon'],
    ['on-solana', 'solana'],
    ['any-chain', undefined],
  ] as const) {
    const res = await call(`/api/v1/events/${eventId}`, {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({
        venueId: 'arena',
        name: eventId,
        startsAt,
        ticketTypes: [{ id: 'ga', name: 'GA', price: 5000 }],
        limits,
        blockchain,
      }),
    });
    expect(res.status).toBeLessThan(300);
  }
  const user = async (sub: string) => ({
    ...bearer(await signToken({ tenant_id: tenant, sub, role: 'user' })),
    'content-type': 'application/json',
  });
  const buy = async (headers: Record<string, string>, eventId: string, quantity: number) => {
    const res = await call('/api/v1/payments/process', {
      method: 'POST',
      headers: { ...headers, 'Idempotency-Key': crypto.randomUUID() },
      body: JSON.stringify({
        venueId: 'arena',
        eventId,
        tickets: [{ ticketTypeId: 'ga', quantity, price: 5000, seatNumbers: Array.from({ length: quantity }, (_, i) => `A${i + 1}`) }],
        paymentMethod: { type: 'card', paymentMethodId: 'pm_card_visa' },
      }),
    });
    return { status: res.status, body: await json<any>(res) };
  };
  return { tenant, admin, user, buy };
}

async function nftStatusOf(transactionId: string, headers: Record<string, string>) {
  return (await json<any>(await call(`/api/v1/payments/transaction/${transactionId}`, { headers }))).nftStatus;
}

async function completedMint(transactionId: string, headers: Record<string, string>, timeoutMs = 30_000) {
  return eventually(async () => {
    const status = await nftStatusOf(transactionId, headers);
    return status?.status === 'completed' ? status : undefined;
  }, timeoutMs);
}

async function myTickets(headers: Record<string, string>, query = '') {
  return (await json<any>(await call(`/api/v1/tickets${query}`, { headers }))).tickets as any[];
}

describe('tickets and their NFTs', () => {
  it('a paid order of 3 on a Polygon event: 3 tickets, each token owned on chain by the buyer’s custodial address', async () => {
    const shop = await chainShop();
    const buyer = await shop.user('pola');
    const { status, body } = await shop.buy(buyer, 'on-polygon', 3);
    expect(status).toBe(200);
    expect(body.nftStatus).toBe('queued');
    expect(body.transaction.metadata.mintJobId).toBe(`mint_${body.transaction.id}`);

    const job = await completedMint(body.transaction.id, buyer);
    expect(job).toMatchObject({ jobId: `mint_${body.transaction.id}`, status: 'completed', progress: 100 });
    expect(job.transactionHash).toMatch(/^0x[0-9a-f]{64}$/);

    const tickets = await myTickets(buyer);
    expect(tickets).toHaveLength(3);
    expect(tickets.map((t) => t.seat).sort()).toEqual(['A1', 'A2', 'A3']);
    const custodial = await custodialAddress(env.CUSTODY_SEED, { tenantId: shop.tenant, userId: 'pola', chain: 'polygon' });
    for (const ticket of tickets) {
      expect(ticket).toMatchObject({
        eventId: 'on-polygon',
        ticketTypeId: 'ga',
        ownerId: 'pola',
        status: 'valid',
        transactionId: body.transaction.id,
      });
      expect(ticket.nft).toMatchObject({
        chain: 'polygon',
        contract: env.POLYGON_TICKET_CONTRACT,
        status: 'minted',
        ownerAddress: custodial,
      });
      expect((await polygonOwnerOf(ticket.nft.tokenId))?.toLowerCase()).toBe(custodial.toLowerCase());
      const transfers = await polygonTransfers(ticket.nft.tokenId);
      expect(transfers).toHaveLength(1);
      expect(transfers[0]?.from).toBe(`0x${'0'.repeat(40)}`);
      expect(transfers[0]?.transactionHash).toBe(ticket.nft.transactionHash);
    }
    // One ticket alone: its owner sees it, another user of the tenant gets 404.
    const one = tickets[0];
    expect((await json<any>(await call(`/api/v1/tickets/${one.id}`, { headers: buyer }))).id).toBe(one.id);
    expect((await call(`/api/v1/tickets/${one.id}`, { headers: await shop.user('someone-else') })).status).toBe(404);
    expect((await call(`/api/v1/tickets/${one.id}`, { headers: shop.admin })).status).toBe(200);

    // Postgres follows: the tickets and the job with its hash and the gas paid.
    const jobRow = await eventually(async () => {
      const [row] = await rows<{ status: string; gas_fee_paid: string; ticket_ids: string[]; transaction_hash: string }>(
        sql`SELECT status, gas_fee_paid, ticket_ids, transaction_hash FROM nft_mint_queue WHERE id = ${job.jobId}`,
      );
      return row?.status === 'completed' ? row : undefined;
    });
    expect(jobRow.ticket_ids).toHaveLength(3);
    expect(BigInt(jobRow.gas_fee_paid)).toBeGreaterThan(0n);
  });

  it('a paid order of 3 on a Solana event: 3 SPL tokens (0 decimals, supply 1, no mint authority) held by the custodial key', async () => {
    const shop = await chainShop();
    const buyer = await shop.user('sola');
    const { status, body } = await shop.buy(buyer, 'on-solana', 3);
    expect(status).toBe(200);
    expect(body.nftStatus).toBe('queued');
    await completedMint(body.transaction.id, buyer);
    const custodial = await custodialAddress(env.CUSTODY_SEED, { tenantId: shop.tenant, userId: 'sola', chain: 'solana' });
    const tickets = await myTickets(buyer);
    expect(tickets).toHaveLength(3);
    for (const ticket of tickets) {
      expect(ticket.nft).toMatchObject({ chain: 'solana', status: 'minted', ownerAddress: custodial });
      const mint = await solanaMint(ticket.nft.tokenId);
      expect(mint).toMatchObject({ supply: 1n, decimals: 0, mintAuthority: false });
      expect(await solanaBalance(custodial, ticket.nft.tokenId)).toEqual({ amount: 1n, accountOwner: custodial });
    }
  });

  it('a full refund voids the tickets and burns their tokens', async () => {
    const shop = await chainShop();
    const buyer = await shop.user('refunded');
    const { body } = await shop.buy(buyer, 'on-polygon', 2);
    await completedMint(body.transaction.id, buyer);
    expect((await refund(body.transaction.id, buyer)).status).toBe(200);
    const tickets = await eventually(async () => {
      const list = await myTickets(buyer);
      return list.every((t) => t.status === 'void') ? list : undefined;
    }, 15_000);
    for (const ticket of tickets) {
      await eventually(async () => ((await polygonOwnerOf(ticket.nft.tokenId)) === null ? true : undefined), 30_000);
      expect((await polygonTransfers(ticket.nft.tokenId)).map((t) => t.to)).toEqual([
        ticket.nft.ownerAddress.toLowerCase(),
        `0x${'0'.repeat(40)}`,
      ]);
    }
  });

  it('a full refund of a Solana order burns its tokens with the custodial key', async () => {
    const shop = await chainShop();
    const buyer = await shop.user('sol-refund');
    const { body } = await shop.buy(buyer, 'on-solana', 2);
    await completedMint(body.transaction.id, buyer);
    expect((await refund(body.transaction.id, buyer)).status).toBe(200);
    const custodial = await custodialAddress(env.CUSTODY_SEED, { tenantId: shop.tenant, userId: 'sol-refund', chain: 'solana' });
    for (const ticket of await myTickets(buyer)) {
      await eventually(async () => ((await solanaMint(ticket.nft.tokenId))?.supply === 0n ? true : undefined), 30_000);
      expect(await solanaBalance(custodial, ticket.nft.tokenId)).toMatchObject({ amount: 0n });
    }
    expect((await myTickets(buyer)).map((t) => t.status)).toEqual(['void', 'void']);
  });

  it('an event starting within a day is minted through mint-urgent; admins see the job', async () => {
    const shop = await chainShop();
    const soon = new Date(Date.now() + 2 * 3600_000).toISOString();
    await call('/api/v1/events/tonight', {
      method: 'PUT',
      headers: shop.admin,
      body: JSON.stringify({
        venueId: 'arena',
        name: 'Tonight',
        startsAt: soon,
        blockchain: 'polygon',
        ticketTypes: [{ id: 'ga', name: 'GA', price: 5000 }],
      }),
    });
    const buyer = await shop.user('late');
    const { body } = await shop.buy(buyer, 'tonight', 1);
    const job = await completedMint(body.transaction.id, buyer);
    const jobs = await eventually(async () => {
      const list = (await json<any>(await call('/admin/mint-jobs', { headers: shop.admin }))).jobs as any[];
      return list.find((j) => j.id === job.jobId && j.status === 'completed') ? list : undefined;
    });
    expect(jobs.find((j) => j.id === job.jobId)).toMatchObject({
      paymentId: body.transaction.id,
      blockchain: 'polygon',
      priority: 'urgent',
      status: 'completed',
      transactionHash: job.transactionHash,
      attempts: 0,
    });
    expect((await call('/admin/mint-jobs?status=failed', { headers: shop.admin })).status).toBe(200);
    expect((await call('/admin/mint-jobs?status=nonsense', { headers: shop.admin })).status).toBe(422);
    expect((await call('/admin/mint-jobs', { headers: buyer })).status).toBe(403);
  });

  it('a full refund right after the payment, before its tickets exist, still voids every one of them', async () => {
    const shop = await chainShop();
    const buyer = await shop.user('hasty');
    const { body } = await shop.buy(buyer, 'on-solana', 2);
    expect((await refund(body.transaction.id, buyer)).status).toBe(200);
    const tickets = await eventually(async () => {
      const list = await myTickets(buyer);
      return list.length === 2 && list.every((t) => t.status === 'void') ? list : undefined;
    }, 20_000);
    expect(tickets.map((t) => t.transactionId)).toEqual([body.transaction.id, body.transaction.id]);
  });

  it('a partial refund keeps the tickets valid', async () => {
    const shop = await chainShop();
    const buyer = await shop.user('partly');
    const { body } = await shop.buy(buyer, 'on-polygon', 2);
    expect((await refund(body.transaction.id, buyer, { amount: 1000 })).status).toBe(200);
    await completedMint(body.transaction.id, buyer);
    expect((await myTickets(buyer)).map((t) => t.status)).toEqual(['valid', 'valid']);
  });

  it('an event that names no chain is minted on the cheaper one now', async () => {
    const shop = await chainShop();
    const buyer = await shop.user('any');
    const { body } = await shop.buy(buyer, 'any-chain', 1);
    await completedMint(body.transaction.id, buyer);
    const [ticket] = await myTickets(buyer, '?eventId=any-chain');
    const fees = await json<any>(
      await call('/api/v1/payments/calculate-fees', {
        method: 'POST',
        headers: buyer,
        body: JSON.stringify({ venueId: 'arena', amount: 5000, ticketCount: 1 }),
      }),
    );
    expect(ticket.nft.chain).toBe(fees.recommendedBlockchain);
  });

  it('lists tickets by event and pages with a cursor', async () => {
    const shop = await chainShop();
    const buyer = await shop.user('pager');
    await shop.buy(buyer, 'on-polygon', 3);
    await shop.buy(buyer, 'on-solana', 2);
    const all = await eventually(async () => {
      const list = await myTickets(buyer);
      return list.length === 5 ? list : undefined;
    });
    expect((await myTickets(buyer, '?eventId=on-solana')).every((t) => t.eventId === 'on-solana')).toBe(true);
    const first = await json<any>(await call('/api/v1/tickets?limit=2', { headers: buyer }));
    expect(first.tickets).toHaveLength(2);
    const second = await json<any>(await call(`/api/v1/tickets?limit=2&cursor=${first.nextCursor}`, { headers: buyer }));
    const third = await json<any>(await call(`/api/v1/tickets?limit=2&cursor=${second.nextCursor}`, { headers: buyer }));
    expect(third.nextCursor).toBeNull();
    expect([...first.tickets, ...second.tickets, ...third.tickets].map((t: any) => t.id).sort()).toEqual(all.map((t) => t.id).sort());
    expect((await call('/api/v1/tickets?cursor=abc', { headers: buyer })).status).toBe(422);
    expect((await call('/api/v1/tickets/not-a-ticket', { headers: buyer })).status).toBe(422);
    expect((await call('/api/v1/tickets')).status).toBe(401);
  });

  it('a chain that is down for a minute never fails a payment; the mints complete once it is back', { timeout: 240_000 }, async () => {
    const shop = await chainShop();
    const buyer = await shop.user('patient');
    await setChainDown('polygon', true);
    try {
      const { status, body } = await shop.buy(buyer, 'on-polygon', 2);
      expect(status).toBe(200);
      expect(body.nftStatus).toBe('queued');
      await new Promise((r) => setTimeout(r, 60_000));
      const waiting = await nftStatusOf(body.transaction.id, buyer);
      expect(waiting.status).not.toBe('completed');
      expect(waiting.status).not.toBe('failed');
      await setChainDown('polygon', false);
      const job = await completedMint(body.transaction.id, buyer, 120_000);
      expect(job.progress).toBe(100);
      for (const ticket of await myTickets(buyer)) expect(await polygonTransfers(ticket.nft.tokenId)).toHaveLength(1);
    } finally {
      await setChainDown('polygon', false);
    }
  });
});
