/**
 * A paid order's mint job as the buyer sees it, from its tickets' NFT states: failed if any ticket failed
 * for good, completed once every ticket is minted, minting once any is under way, queued before that.
 * `progress` is the whole percentage of tickets minted (rounded down, so 100 means all of them).
 */
export const MINT_JOB_STATUSES = ['queued', 'minting', 'completed', 'failed'] as const;
export type MintJobStatus = (typeof MINT_JOB_STATUSES)[number];

export type TicketMintState = { status: 'queued' | 'minting' | 'minted' | 'failed'; transactionHash: string | null; updatedAt: string };

export type MintJobView = { jobId: string; status: MintJobStatus; progress: number; transactionHash: string | null };

export function mintJobView(jobId: string, tickets: readonly TicketMintState[]): MintJobView {
  const minted = tickets.filter((t) => t.status === 'minted').length;
  const status: MintJobStatus = tickets.some((t) => t.status === 'failed')
    ? 'failed'
    : tickets.length > 0 && minted === tickets.length
      ? 'completed'
      : tickets.some((t) => t.status === 'minting' || t.status === 'minted')
        ? 'minting'
        : 'queued';
  // The hash of the latest transaction that carried one of the tickets (an order usually fits one batch).
  const latest = tickets
    .filter((t) => t.status === 'minted' && t.transactionHash)
    .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))[0];
  return {
    jobId,
    status,
    progress: tickets.length === 0 ? 0 : Math.floor((minted * 100) / tickets.length),
    transactionHash: latest?.transactionHash ?? null,
  };
}
