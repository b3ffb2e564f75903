import type { PspFailure } from '../psp/types';

/**
 * Pure rules of recovery reminders: when they go out, which link they carry, and which provider failures
 * are worth a retry. No clock or I/O: times are parameters.
 */

/** Due times (ms) of a reminder schedule started at `startAt`: offsets in seconds, deduplicated and ascending (0 = at once). */
export function reminderTimes(startAt: number, offsetsSeconds: readonly number[]): number[] {
  return [...new Set(offsetsSeconds)]
    .filter((s) => Number.isInteger(s) && s >= 0)
    .sort((a, b) => a - b)
    .map((s) => startAt + s * 1000);
}

/** A Checkout Session link is only sent while the payer still has this long to use it. */
export const MIN_SESSION_REMAINING_MS = 10 * 60_000;

export type PayLinks = {
  paymentLinkUrl: string | null;
  checkoutUrl: string | null;
  checkoutStatus: string | null;
  checkoutExpiresAt: number | null;
};

/**
 * The link a reminder carries: the payment link when there is one (it never expires, so every reminder of
 * the schedule can carry the same link), else the open Checkout Session while it has time left, else none
 * (also while a payment on the session is processing).
 */
export function payLinkFor(links: PayLinks, now: number): string | null {
  // A payment under way on the session (a delayed method): no link is offered, so nobody pays twice.
  if (links.checkoutStatus === 'processing') return null;
  if (links.paymentLinkUrl) return links.paymentLinkUrl;
  if (
    links.checkoutUrl &&
    links.checkoutStatus === 'open' &&
    links.checkoutExpiresAt !== null &&
    links.checkoutExpiresAt - now >= MIN_SESSION_REMAINING_MS
  ) {
    return links.checkoutUrl;
  }
  return null;
}

/**
 * A provider's refusal of the message itself (bad address or number, 4xx other than auth/rate limit) does not
 * change on a retry: the delivery is recorded as failed. Everything else (5xx, timeouts, network, 429, 401
 * while credentials are being fixed) is retried with backoff and ends in the dead-letter queue.
 */
export function isPermanentDeliveryFailure(failure: PspFailure): boolean {
  return failure.kind === 'invalid_request';
}
