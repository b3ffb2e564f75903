import type { MintOutcome, TransferRequest } from './types';

/**
 * What both adapters' `transfer` share: the outcomes of tickets for which nothing is sent (see ChainAdapter.transfer),
 * and the rule that a ticket named twice in one call is moved once, by its first request.
 */

/** Where a ticket stands for its resale, read from the chain before anything is signed. */
export type TransferStep = { readonly kind: 'send' } | { readonly kind: 'done' } | { readonly kind: 'refused'; readonly reason: string };

/** The first request of each ticket. */
export function distinctTransfers<T extends TransferRequest>(tickets: readonly T[]): T[] {
  const seen = new Map<string, T>();
  for (const ticket of tickets) if (!seen.has(ticket.ticketId)) seen.set(ticket.ticketId, ticket);
  return [...seen.values()];
}

/**
 * One confirmed outcome for the tickets `to` holds already, and one reverted outcome per ticket that cannot move; none
 * has a transaction (empty hash) or a fee.
 */
export function outcomesWithoutTransaction(steps: readonly { ticketId: string; step: TransferStep }[]): MintOutcome[] {
  const done = steps.filter((s) => s.step.kind === 'done').map((s) => s.ticketId);
  const outcomes: MintOutcome[] = done.length ? [{ transactionHash: '', ticketIds: done, status: 'confirmed', feePaid: 0n }] : [];
  for (const { ticketId, step } of steps) {
    if (step.kind === 'refused')
      outcomes.push({ transactionHash: '', ticketIds: [ticketId], status: 'reverted', feePaid: 0n, error: step.reason });
  }
  return outcomes;
}

/** Why a ticket in a given state cannot be resold, in the words outcomes carry. */
export const REFUSALS = {
  absent: 'not minted: a ticket that is not on chain cannot be transferred',
  burned: 'burned: a voided ticket cannot be transferred',
  elsewhere: 'held by neither the seller nor the buyer',
} as const;
