import type { TicketView } from '../../durable-objects/ticket/types';
import { type WaitUntil, withDb } from '../db/client';
import { listMintJobs } from '../db/repos/tickets';
import type { Bindings, Config, Principal } from '../env';
import { NotFoundError } from '../lib/errors';
import { ticketHolderStub, ticketStub } from '../lib/stubs';
import type { MintJobRecord, Ticket } from '../schemas/tickets';

function toTicket(view: TicketView): Ticket {
  return {
    id: view.id,
    eventId: view.eventId,
    ticketTypeId: view.ticketTypeId,
    seat: view.seat,
    ownerId: view.ownerId,
    status: view.status,
    transactionId: view.transactionId,
    nft: view.nft
      ? {
          chain: view.nft.chain,
          contract: view.nft.contract,
          tokenId: view.nft.tokenId,
          ownerAddress: view.nft.ownerAddress,
          status: view.nft.status,
          transactionHash: view.nft.transactionHash,
        }
      : null,
    createdAt: view.createdAt,
  };
}

/** The caller's tickets, newest first: the holder index names them, each ticket's object says how it stands now. */
export async function listMyTickets(
  env: Bindings,
  principal: Principal,
  query: { eventId?: string; limit: number; cursor?: string },
): Promise<{ tickets: Ticket[]; nextCursor: string | null }> {
  const page = await ticketHolderStub(env, principal.tenantId, principal.sub).list({
    limit: query.limit,
    before: query.cursor ? Number(query.cursor) : undefined,
    eventId: query.eventId,
  });
  const views = await Promise.all(page.ticketIds.map((id) => ticketStub(env, principal.tenantId, id).view(principal.tenantId)));
  return {
    tickets: views.flatMap((v) => (v && v.ownerId === principal.sub ? [toTicket(v)] : [])),
    nextCursor: page.next === null ? null : String(page.next),
  };
}

/** Its owner or an admin of the tenant; anyone else gets the same 404 as for an unknown id. */
export async function getTicket(env: Bindings, principal: Principal, ticketId: string): Promise<Ticket> {
  const view = await ticketStub(env, principal.tenantId, ticketId).view(principal.tenantId);
  if (!view || (principal.role !== 'admin' && view.ownerId !== principal.sub)) throw new NotFoundError('Ticket not found');
  return toTicket(view);
}

/** The tenant's mint jobs from Postgres, newest first: what an operator checks when minting fails. */
export async function mintJobs(config: Config, ctx: WaitUntil, principal: Principal, query: { status?: string; limit: number }) {
  const rows = await withDb(config, ctx, (db) => listMintJobs(db, principal.tenantId, query.status, query.limit));
  return rows.map(
    (row): MintJobRecord => ({
      id: row.id,
      paymentId: row.paymentId,
      ticketIds: row.ticketIds,
      eventId: row.eventId,
      blockchain: row.blockchain as MintJobRecord['blockchain'],
      status: row.status as MintJobRecord['status'],
      priority: row.priority as MintJobRecord['priority'],
      transactionHash: row.transactionHash,
      gasFeePaid: row.gasFeePaid,
      mintBatchId: row.mintBatchId,
      attempts: row.attempts,
      errorMessage: row.errorMessage,
      createdAt: row.createdAt.toISOString(),
      processedAt: row.processedAt?.toISOString() ?? null,
    }),
  );
}
