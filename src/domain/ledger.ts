import { z } from 'zod';
import type { FeeBreakdown } from './fees';
import { allocate } from './money';
import type { TaxResult } from './tax';

/**
 * Double-entry lines for one money movement: amount signed, + debit, − credit, and
 * the lines of one ledger transaction always sum to zero. Accounts name their owner.
 */
export const LedgerLine = z.object({ account: z.string().min(1), amount: z.number().int() });
export type LedgerLine = z.infer<typeof LedgerLine>;

export type SaleLedgerInput = {
  userId: string;
  venueId: string;
  provider: string;
  fees: FeeBreakdown;
  tax: TaxResult;
  /** What the PSP keeps (card processing); a platform cost, not part of the buyer's total. */
  processingCost: number;
};

/**
 * A completed sale: the buyer pays the total; the venue is owed the ticket price (pending until
 * payout); the platform earns its fee and holds the gas estimate; each tax jurisdiction is owed its
 * part; the PSP's processing cost comes out of the platform's fee revenue.
 */
export function saleLedgerLines(input: SaleLedgerInput): LedgerLine[] {
  const { fees, tax } = input;
  const lines: LedgerLine[] = [
    { account: `buyer:${input.userId}`, amount: fees.total },
    { account: `venue:${input.venueId}:pending`, amount: -fees.ticketPrice },
    { account: 'platform:fees', amount: -fees.platformFee },
    { account: 'platform:gas', amount: -fees.gasEstimate },
  ];
  for (const part of [tax.breakdown.state, tax.breakdown.local, tax.breakdown.special]) {
    if (part && part.amount !== 0) lines.push({ account: `tax:${part.jurisdiction}`, amount: -part.amount });
  }
  if (input.processingCost !== 0) {
    lines.push({ account: 'platform:fees', amount: input.processingCost });
    lines.push({ account: `psp:${input.provider}:fees`, amount: -input.processingCost });
  }
  return lines.filter((line) => line.amount !== 0);
}

export function ledgerBalance(lines: readonly LedgerLine[]): number {
  return lines.reduce((sum, line) => sum + line.amount, 0);
}

export type RefundLedgerInput = {
  userId: string;
  venueId: string;
  fees: FeeBreakdown;
  tax: TaxResult;
  amount: number;
  /** Refunded by earlier refunds of the same payment. */
  alreadyRefunded: number;
};

/**
 * A refund reverses the sale in proportion: amounts are allocated over the parts the buyer paid (ticket
 * price, platform fee, gas, each tax) by largest remainder — cumulatively, as the shares of everything
 * refunded so far minus the shares of what was refunded before — so any sequence of partial refunds
 * adds up to an exact reversal. The PSP keeps its processing cost; the platform bears it.
 */
export function refundLedgerLines(input: RefundLedgerInput): LedgerLine[] {
  const { fees, tax } = input;
  const parts: LedgerLine[] = [
    { account: `venue:${input.venueId}:pending`, amount: fees.ticketPrice },
    { account: 'platform:fees', amount: fees.platformFee },
    { account: 'platform:gas', amount: fees.gasEstimate },
  ];
  for (const part of [tax.breakdown.state, tax.breakdown.local, tax.breakdown.special]) {
    if (part && part.amount !== 0) parts.push({ account: `tax:${part.jurisdiction}`, amount: part.amount });
  }
  const nonZero = parts.filter((p) => p.amount > 0);
  const weights = nonZero.map((p) => p.amount);
  const before = nonZero.length ? allocate(input.alreadyRefunded, weights) : [];
  const after = nonZero.length ? allocate(input.alreadyRefunded + input.amount, weights) : [];
  const shares = after.map((share, i) => share - (before[i] as number));
  const lines: LedgerLine[] = [{ account: `buyer:${input.userId}`, amount: -input.amount }];
  nonZero.forEach((p, i) => {
    lines.push({ account: p.account, amount: shares[i] as number });
  });
  return lines.filter((line) => line.amount !== 0);
}
