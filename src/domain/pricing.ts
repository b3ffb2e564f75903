/**
 * Pricing a ticket order: the catalog check, tax on the subtotal and the fees. Pure; the request and
 * catalog shapes are the API's, imported as types only.
 */

import type { FieldError } from '../lib/errors';
import type { EventProfile, VenueProfile } from '../schemas/catalog';
import type { ProcessPaymentBody } from '../schemas/payments';
import { eventEndsAt } from './event-time';
import { calculateFees, type FeeBreakdown, resolveVenueTier } from './fees';
import { calculateTax, type TaxResult } from './tax';

export type PricedOrder = { ok: true; event: EventProfile; venue: VenueProfile; ticketCount: number; tax: TaxResult; fees: FeeBreakdown };

/**
 * Checks the request against the catalog (event at this venue, catalog prices) and prices it: tax on
 * the subtotal, then fees at the venue's tier. Field errors are the 422 the caller returns.
 */
export function priceOrder(
  request: ProcessPaymentBody,
  event: EventProfile | null,
  pricing: { profile: VenueProfile | null; volume30d: number },
  now = Date.now(),
): PricedOrder | { ok: false; errors: FieldError[] } {
  const venue = pricing.profile;
  const invalid = (errors: FieldError[]) => ({ ok: false as const, errors });
  if (!event) return invalid([{ field: 'eventId', message: 'no such event' }]);
  if (eventEndsAt(event) <= now) return invalid([{ field: 'eventId', message: 'the event has ended' }]);
  if (!venue || event.venueId !== request.venueId)
    return invalid([{ field: 'venueId', message: 'the event does not take place at this venue' }]);
  const priceErrors = checkPrices(request, event);
  if (priceErrors.length) return invalid(priceErrors);

  const subtotal = request.tickets.reduce((sum, t) => sum + t.price * t.quantity, 0);
  const ticketCount = request.tickets.reduce((sum, t) => sum + t.quantity, 0);
  const tax = calculateTax({ amount: subtotal, venueAddress: venue.address, customerAddress: request.customerAddress });
  if (!tax.ok) return invalid([{ field: tax.error.field ?? 'venueId', message: tax.error.message }]);
  const fees = calculateFees({
    ticketPrice: subtotal,
    ticketCount,
    tier: resolveVenueTier(venue.tier ?? null, pricing.volume30d),
    tax: tax.value,
  });
  return { ok: true, event, venue, ticketCount, tax: tax.value, fees };
}

function checkPrices(request: ProcessPaymentBody, event: EventProfile): FieldError[] {
  const errors: FieldError[] = [];
  request.tickets.forEach((ticket, i) => {
    const type = event.ticketTypes.find((t) => t.id === ticket.ticketTypeId);
    if (!type) errors.push({ field: `tickets.${i}.ticketTypeId`, message: 'no such ticket type for this event' });
    else if (type.price !== ticket.price)
      errors.push({ field: `tickets.${i}.price`, message: `must equal the catalog price ${type.price}` });
  });
  return errors;
}

/** The customer's address normalized for the pre-charge checks, or null without one. */
export function addressKey(address: ProcessPaymentBody['customerAddress']): string | null {
  if (!address) return null;
  return [address.street ?? '', address.city, address.state, address.zip ?? '']
    .map((p) => p.trim().toLowerCase().replace(/\s+/g, ' '))
    .join('|');
}
