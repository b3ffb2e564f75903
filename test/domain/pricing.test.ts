import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addressKey, priceOrder } from '../../src/domain/pricing';
import type { EventProfile, VenueProfile } from '../../src/schemas/catalog';
import type { ProcessPaymentBody } from '../../src/schemas/payments';

const venue: VenueProfile = {
  venueId: 'ven_1',
  tenantId: 't1',
  name: 'The Hall',
  address: { city: 'Knoxville', state: 'TN' },
  version: 1,
  updatedAt: '2025-01-01T00:00:00Z',
};
const event: EventProfile = {
  eventId: 'evt_1',
  tenantId: 't1',
  venueId: 'ven_1',
  name: 'Show',
  startsAt: '2030-01-01T20:00:00Z',
  currency: 'USD',
  ticketTypes: [
    { id: 'ga', name: 'General', price: 5000 },
    { id: 'vip', name: 'VIP', price: 12000 },
  ],
  limits: { perUser: 4, perPaymentMethod: 4, perAddress: 8, perOrder: 4 },
  version: 1,
  updatedAt: '2025-01-01T00:00:00Z',
};

function request(tickets: ProcessPaymentBody['tickets'], over: Partial<ProcessPaymentBody> = {}): ProcessPaymentBody {
  return { venueId: 'ven_1', eventId: 'evt_1', tickets, paymentMethod: { type: 'card', paymentMethodId: 'pm_card_visa' }, ...over };
}

const pricing = { profile: venue, volume30d: 0 };

describe('priceOrder', () => {
  it('prices 2 × 5000 at a starter venue in Knoxville TN as the fee schedule says', () => {
    const priced = priceOrder(request([{ ticketTypeId: 'ga', quantity: 2, price: 5000 }]), event, pricing);
    if (!priced.ok) throw new Error('expected a price');
    expect(priced.ticketCount).toBe(2);
    expect(priced.fees).toEqual({
      ticketPrice: 10000,
      platformFee: 820,
      gasEstimate: 100,
      stateTax: 700,
      localTax: 225,
      specialTax: 0,
      totalTax: 925,
      total: 11845,
    });
    expect(priced.tax.totalTax).toBe(925);
  });

  it('refuses an unknown event, a venue the event is not at, or no venue profile', () => {
    const body = request([{ ticketTypeId: 'ga', quantity: 1, price: 5000 }]);
    expect(priceOrder(body, null, pricing)).toEqual({ ok: false, errors: [{ field: 'eventId', message: 'no such event' }] });
    const elsewhere = { ok: false, errors: [{ field: 'venueId', message: 'the event does not take place at this venue' }] };
    expect(priceOrder({ ...body, venueId: 'ven_2' }, event, pricing)).toEqual(elsewhere);
    expect(priceOrder(body, event, { profile: null, volume30d: 0 })).toEqual(elsewhere);
  });

  it('names every ticket whose type is unknown or whose price is not the catalog price', () => {
    const priced = priceOrder(
      request([
        { ticketTypeId: 'ga', quantity: 1, price: 5000 },
        { ticketTypeId: 'nope', quantity: 1, price: 100 },
        { ticketTypeId: 'vip', quantity: 1, price: 1 },
      ]),
      event,
      pricing,
    );
    expect(priced).toEqual({
      ok: false,
      errors: [
        { field: 'tickets.1.ticketTypeId', message: 'no such ticket type for this event' },
        { field: 'tickets.2.price', message: 'must equal the catalog price 12000' },
      ],
    });
  });

  it('a tier set on the venue wins over the one its volume earns', () => {
    const body = request([{ ticketTypeId: 'ga', quantity: 2, price: 5000 }]);
    const starter = priceOrder(body, event, pricing);
    const pro = priceOrder(body, event, { profile: { ...venue, tier: 'pro' }, volume30d: 0 });
    if (!starter.ok || !pro.ok) throw new Error('expected prices');
    expect(pro.fees.platformFee).toBeLessThan(starter.fees.platformFee);
  });

  it('property: total = ticket price + platform fee + gas + taxes, and the ticket price is the subtotal', () => {
    const line = fc.record({ type: fc.constantFrom('ga', 'vip'), quantity: fc.integer({ min: 1, max: 10 }) });
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 20 }), fc.nat({ max: 10_000_000 }), (lines, volume) => {
        const tickets = lines.map((l) => ({ ticketTypeId: l.type, quantity: l.quantity, price: l.type === 'ga' ? 5000 : 12000 }));
        const priced = priceOrder(request(tickets), event, { profile: venue, volume30d: volume });
        if (!priced.ok) return false;
        const { fees } = priced;
        const subtotal = tickets.reduce((sum, t) => sum + t.price * t.quantity, 0);
        expect(fees.ticketPrice).toBe(subtotal);
        expect(fees.totalTax).toBe(fees.stateTax + fees.localTax + fees.specialTax);
        expect(fees.total).toBe(fees.ticketPrice + fees.platformFee + fees.gasEstimate + fees.totalTax);
        expect(priced.ticketCount).toBe(tickets.reduce((sum, t) => sum + t.quantity, 0));
        return true;
      }),
    );
  });
});

describe('addressKey', () => {
  it('is null without an address', () => {
    expect(addressKey(undefined)).toBeNull();
  });

  it('joins the parts trimmed, lower-cased and with single spaces; missing parts are empty', () => {
    expect(addressKey({ street: '  12  Main   St ', city: 'Knoxville', state: 'TN', zip: '37902' })).toBe('12 main st|knoxville|tn|37902');
    expect(addressKey({ city: 'Knoxville', state: 'TN' })).toBe('|knoxville|tn|');
  });

  it('property: addresses that differ only in case and spacing share a key', () => {
    const part = fc.stringMatching(/^[A-Za-z0-9]{1,8}( [A-Za-z0-9]{1,8}){0,2}$/);
    fc.assert(
      fc.property(part, part, part, (street, city, state) => {
        const messy = (s: string) => ` ${s.toUpperCase().replace(/ /g, '   ')}  `;
        expect(addressKey({ street: messy(street), city: messy(city), state: messy(state) })).toBe(addressKey({ street, city, state }));
      }),
    );
  });
});
