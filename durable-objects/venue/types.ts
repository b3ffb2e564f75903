/** A completed sale counted toward a venue's trailing volume: `eventId` is the outbox event that reported it. */
export type VenueSale = { eventId: string; amount: number; at: number };
