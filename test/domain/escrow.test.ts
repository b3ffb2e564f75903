import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canMoveEscrow, canMoveListing, ESCROW_STATUSES, isFinalEscrow, LISTING_STATUSES } from '../../src/domain/escrow';

describe('escrow states', () => {
  it('funds only a created escrow, releases or refunds only a funded one, and nothing leaves refunded or cancelled', () => {
    expect(canMoveEscrow('created', 'funded')).toBe(true);
    expect(canMoveEscrow('created', 'released')).toBe(false);
    expect(canMoveEscrow('funded', 'released')).toBe(true);
    expect(canMoveEscrow('funded', 'refunded')).toBe(true);
    expect(canMoveEscrow('released', 'refunded')).toBe(false);
    expect(canMoveEscrow('released', 'disputed')).toBe(true);
    expect(canMoveEscrow('disputed', 'released')).toBe(true);
    for (const to of ESCROW_STATUSES) {
      expect(canMoveEscrow('refunded', to)).toBe(false);
      expect(canMoveEscrow('cancelled', to)).toBe(false);
    }
  });

  it('is closed: every path of allowed moves stays among the states and ends in a final state or can still move', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...ESCROW_STATUSES), { maxLength: 12 }), (wanted) => {
        let state: (typeof ESCROW_STATUSES)[number] = 'created';
        for (const to of wanted) if (canMoveEscrow(state, to)) state = to;
        expect(ESCROW_STATUSES).toContain(state);
        if (isFinalEscrow(state)) for (const to of ESCROW_STATUSES) expect(canMoveEscrow(state, to)).toBe(false);
      }),
    );
  });

  it('no state moves to itself', () => {
    for (const s of ESCROW_STATUSES) expect(canMoveEscrow(s, s)).toBe(false);
    for (const s of LISTING_STATUSES) expect(canMoveListing(s, s)).toBe(false);
  });
});

describe('listing states', () => {
  it('one buyer at a time: only an active listing can be reserved; a cancelled one never comes back', () => {
    expect(canMoveListing('active', 'reserved')).toBe(true);
    expect(canMoveListing('reserved', 'reserved')).toBe(false);
    expect(canMoveListing('reserved', 'sold')).toBe(true);
    expect(canMoveListing('sold', 'active')).toBe(true);
    for (const to of LISTING_STATUSES) expect(canMoveListing('cancelled', to)).toBe(false);
  });
});
