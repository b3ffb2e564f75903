import type { EventProfile } from '../../src/schemas/catalog';

/** EventDO's contract: purchase reservations against the event's limits. */
export type PurchaseRequest = {
  reservationId: string;
  userId: string;
  paymentMethod: string;
  addressKey: string | null;
  quantity: number;
  /**
   * The profile version the caller priced the order with (its cached copy). When the profile has changed
   * since, nothing is reserved and the current profile comes back, so the caller reprices and asks again.
   */
  profileVersion?: number;
};
export type PurchaseCounts = { byUser: number; byPaymentMethod: number; byAddress: number };
export type ReserveResult =
  | { ok: true; alreadyReserved: boolean }
  | { ok: false; code: 'PURCHASE_LIMIT_EXCEEDED'; message: string; field: string }
  | { ok: false; code: 'NOT_FOUND'; message: string }
  | { ok: false; code: 'STALE_PROFILE'; profile: EventProfile };
