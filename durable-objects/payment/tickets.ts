import { custodialAddress } from '../../src/chains/custody';
import { currentFeeQuotes } from '../../src/chains/fee-quotes';
import { chainAdapter, configuredChains } from '../../src/chains/registry';
import type { Chain } from '../../src/chains/types';
import { recommendBlockchain } from '../../src/domain/gas';
import type { Bindings, Config } from '../../src/env';
import { sha256Hex } from '../../src/lib/crypto';
import { eventStub, ticketHolderStub, ticketStub } from '../../src/lib/stubs';
import type { MintMessage } from '../../src/queues/messages';
import type { ProcessPaymentBody } from '../../src/schemas/payments';
import { outboxBackoffMs } from '../outbox';
import type { MintPriority, TicketIssue } from '../ticket/types';
import type { PaymentRow } from './schema';

/**
 * A paid order's tickets are issued from the object's alarm, after the reply: the task is written in the
 * transaction that records the payment as PAID and retried with backoff until every TicketDO has its
 * ticket and the mint queue has its jobs. A full refund writes the void task the same way. Ticket ids are
 * derived from the transaction, so a retry issues the same tickets, never more.
 */
export const TICKET_SCHEMA_STEP = `CREATE TABLE ticket_tasks (
     kind TEXT PRIMARY KEY CHECK (kind IN ('issue', 'void')), attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL
   );
   ALTER TABLE payment ADD COLUMN mint_job_id TEXT;
   ALTER TABLE payment ADD COLUMN ticket_ids TEXT;
   ALTER TABLE payment ADD COLUMN nft_chain TEXT`;

/** Events starting sooner than this are minted through `mint-urgent`. */
const URGENT_WITHIN_MS = 24 * 3600_000;

type TaskKind = 'issue' | 'void';

/** Call inside the transaction that makes the payment PAID: the job id answered now names the mint to come. */
export function scheduleTicketIssue(sql: SqlStorage, config: Config, now: number): void {
  if (configuredChains(config.chains).length > 0) {
    sql.exec(`UPDATE payment SET mint_job_id = 'mint_' || transaction_id WHERE id = 1 AND mint_job_id IS NULL`);
  }
  schedule(sql, 'issue', now);
}

/** Call inside the transaction that refunds the payment in full. */
export function scheduleTicketVoid(sql: SqlStorage, now: number): void {
  schedule(sql, 'void', now);
}

function schedule(sql: SqlStorage, kind: TaskKind, now: number): void {
  sql.exec('INSERT INTO ticket_tasks (kind, next_attempt_at) VALUES (?, ?) ON CONFLICT (kind) DO NOTHING', kind, now);
}

export function ticketTasksDueAt(sql: SqlStorage): number | null {
  return sql.exec<{ at: number | null }>('SELECT MIN(next_attempt_at) AS at FROM ticket_tasks').one().at;
}

/** Runs the due tasks: issuing first, so a refund that came quickly voids tickets that exist. */
export async function runTicketTasks(sql: SqlStorage, env: Bindings, config: Config, now: number): Promise<void> {
  const due = sql
    .exec<{ kind: TaskKind; attempts: number }>('SELECT kind, attempts FROM ticket_tasks WHERE attempts = 0 OR next_attempt_at <= ?', now)
    .toArray();
  for (const kind of ['issue', 'void'] as const) {
    const task = due.find((t) => t.kind === kind);
    if (!task) continue;
    // Voiding waits for the issuing, even while that waits out a backoff: a void with nothing issued yet would void nothing.
    if (kind === 'void' && sql.exec(`SELECT 1 FROM ticket_tasks WHERE kind = 'issue'`).toArray().length > 0) continue;
    // Read for each task: the issuing writes the ticket ids the voiding reads.
    const row = sql.exec<PaymentRow>('SELECT * FROM payment WHERE id = 1').toArray()[0];
    if (!row) return;
    try {
      if (kind === 'issue') await issueTickets(sql, env, config, row, now);
      else await voidTickets(env, row);
      sql.exec('DELETE FROM ticket_tasks WHERE kind = ?', kind);
    } catch {
      sql.exec(
        'UPDATE ticket_tasks SET attempts = attempts + 1, next_attempt_at = ? WHERE kind = ?',
        Date.now() + outboxBackoffMs(task.attempts + 1),
        kind,
      );
    }
  }
}

/** One ticket per seat of the order, in order: its id is derived from the transaction and the seat's place. */
export async function ticketIdsOf(transactionId: string, count: number): Promise<string[]> {
  return Promise.all(Array.from({ length: count }, async (_, i) => `tkt_${(await sha256Hex(`${transactionId}:${i}`)).slice(0, 26)}`));
}

function seatsOf(row: PaymentRow): { ticketTypeId: string; price: number; seat: string | null }[] {
  const lines = JSON.parse(row.tickets) as ProcessPaymentBody['tickets'];
  return lines.flatMap((line) =>
    Array.from({ length: line.quantity }, (_, i) => ({
      ticketTypeId: line.ticketTypeId,
      price: line.price,
      seat: line.seatNumbers?.[i] ?? null,
    })),
  );
}

/** The event's chain if it names a configured one; otherwise the cheaper configured chain now (the first if none answers). */
async function chainFor(config: Config, named: Chain | undefined): Promise<Chain | null> {
  const configured = configuredChains(config.chains);
  if (named) return configured.includes(named) ? named : null;
  if (configured.length <= 1) return configured[0] ?? null;
  return recommendBlockchain(await currentFeeQuotes(config.chains), config.chains.coinPriceUsdCents) ?? configured[0] ?? null;
}

async function issueTickets(sql: SqlStorage, env: Bindings, config: Config, row: PaymentRow, now: number): Promise<void> {
  const profile = await eventStub(env, row.tenant_id, row.event_id).profile();
  if (!profile) throw new Error('event profile missing');
  const seats = seatsOf(row);
  const ids = await ticketIdsOf(row.transaction_id, seats.length);
  // Chosen once: a retry after the chain was picked keeps it, whatever the fee markets say by then.
  const chain = row.mint_job_id ? ((row.nft_chain as Chain | null) ?? (await chainFor(config, profile.blockchain))) : null;
  const adapter = chain ? chainAdapter(config.chains, chain) : null;
  const owner =
    adapter && config.chains.custodySeed
      ? await custodialAddress(config.chains.custodySeed, { tenantId: row.tenant_id, userId: row.user_id, chain: adapter.chain })
      : null;
  const priority: MintPriority = Date.parse(profile.startsAt) - now < URGENT_WITHIN_MS ? 'urgent' : 'standard';
  const jobId = row.mint_job_id ?? `mint_${row.transaction_id}`;
  sql.exec('UPDATE payment SET nft_chain = ? WHERE id = 1', chain);

  const issues: TicketIssue[] = await Promise.all(
    seats.map(async (seat, i) => ({
      ticketId: ids[i] as string,
      tenantId: row.tenant_id,
      eventId: row.event_id,
      venueId: row.venue_id,
      ticketTypeId: seat.ticketTypeId,
      seat: seat.seat,
      faceValue: seat.price,
      currency: row.currency,
      ownerId: row.user_id,
      transactionId: row.transaction_id,
      jobId,
      priority,
      nft:
        adapter && owner
          ? {
              chain: adapter.chain,
              contract: adapter.contract,
              tokenId: await adapter.tokenIdOf({ ticketId: ids[i] as string, tenantId: row.tenant_id }),
              ownerAddress: owner,
            }
          : null,
    })),
  );
  await Promise.all(issues.map((issue) => ticketStub(env, issue.tenantId, issue.ticketId).issue(issue)));
  await ticketHolderStub(env, row.tenant_id, row.user_id).add(issues.map((i) => ({ ticketId: i.ticketId, eventId: i.eventId })));
  if (adapter && owner) {
    const messages: MintMessage[] = issues.map((i) => ({
      v: 1,
      op: 'mint',
      tenantId: i.tenantId,
      ticketId: i.ticketId,
      chain: adapter.chain,
      jobId,
    }));
    await sendMintMessages(env, priority, messages);
  }
  sql.exec('UPDATE payment SET ticket_ids = ? WHERE id = 1', JSON.stringify(ids));
}

async function voidTickets(env: Bindings, row: PaymentRow): Promise<void> {
  const ids = row.ticket_ids ? (JSON.parse(row.ticket_ids) as string[]) : [];
  const burns: MintMessage[] = [];
  for (const ticketId of ids) {
    const voided = await ticketStub(env, row.tenant_id, ticketId).voidTicket();
    if (voided?.burn && voided.view.nft) {
      burns.push({ v: 1, op: 'burn', tenantId: row.tenant_id, ticketId, chain: voided.view.nft.chain, jobId: voided.view.jobId });
    }
  }
  await sendMintMessages(env, 'standard', burns);
}

/** Sends mint jobs in batches the queue accepts (at most 100 messages each). */
export async function sendMintMessages(env: Bindings, priority: MintPriority, messages: MintMessage[]): Promise<void> {
  const queue = priority === 'urgent' ? env.MINT_URGENT_QUEUE : env.MINT_QUEUE;
  for (let i = 0; i < messages.length; i += 100) {
    await queue.sendBatch(messages.slice(i, i + 100).map((body) => ({ body, contentType: 'json' as const })));
  }
}
