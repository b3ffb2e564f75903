/**
 * Splitting a group purchase between members by the tickets each takes. Amounts go through
 * `allocate`, so they sum to the group total exactly even when the total is not an even multiple
 * (mixed ticket prices, fees or tax included).
 */
import type { Minor } from './money';
import { allocate, mulMinor, nonNegativeMinor, sumMinor } from './money';

function counts(memberTicketCounts: readonly number[]): number {
  if (memberTicketCounts.length === 0) throw new RangeError('a group needs at least one member');
  for (const c of memberTicketCounts) {
    if (!Number.isSafeInteger(c) || c < 0) throw new RangeError(`ticket counts must be non-negative integers, got ${c}`);
  }
  const total = sumMinor(memberTicketCounts);
  if (total === 0) throw new RangeError('a group must buy at least one ticket');
  return total;
}

/** Uniform price: each member owes ticketPrice × their tickets (4 × 5000 split 2 + 2 → 10000 each). */
export function splitGroup(ticketPrice: number, memberTicketCounts: readonly number[]): Minor[] {
  const tickets = counts(memberTicketCounts);
  return splitGroupTotal(mulMinor(nonNegativeMinor(ticketPrice, 'ticketPrice'), tickets), memberTicketCounts);
}

/** Any total (e.g. with fees and tax) split in proportion to tickets, largest remainder to earlier members on ties. */
export function splitGroupTotal(total: number, memberTicketCounts: readonly number[]): Minor[] {
  counts(memberTicketCounts);
  return allocate(nonNegativeMinor(total, 'total'), memberTicketCounts);
}
