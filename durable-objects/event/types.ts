/** EventDO's contract: purchase reservations against the event's limits. */
export type PurchaseRequest = { reservationId: string; userId: string; paymentMethod: string; addressKey: string | null; quantity: number };
export type PurchaseCounts = { byUser: number; byPaymentMethod: number; byAddress: number };
export type ReserveResult =
  | { ok: true; alreadyReserved: boolean }
  | { ok: false; code: 'PURCHASE_LIMIT_EXCEEDED'; message: string; field: string }
  | { ok: false; code: 'NOT_FOUND'; message: string };
