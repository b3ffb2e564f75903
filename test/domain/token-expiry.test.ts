import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTokenUsable, REFRESH_MARGIN_MS, tokenExpiresAt } from '../../src/domain/token-expiry';

const now = Date.parse('2026-11-22T03:00:00Z');

describe('tokenExpiresAt', () => {
  it('reads a lifetime in seconds relative to now', () => {
    expect(tokenExpiresAt(600, now)).toBe(now + 600_000);
    expect(tokenExpiresAt(86_400, now)).toBe(now + 86_400_000);
  });

  it('reads an epoch timestamp as an absolute time — including one less than an hour ahead', () => {
    const inTwentyMinutes = Math.floor(now / 1000) + 20 * 60;
    // The rule "epoch when > now + 3600" would read this as 1.8 billion seconds: cached for decades.
    expect(tokenExpiresAt(inTwentyMinutes, now)).toBe(inTwentyMinutes * 1000);
    expect(tokenExpiresAt(1_788_800_862, now)).toBe(1_788_800_862_000);
  });

  it('never puts an expiry more than ~31 years ahead for either style', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999_999_999 }), (lifetime) => {
        expect(tokenExpiresAt(lifetime, now) - now).toBe(lifetime * 1000);
      }),
    );
  });

  it('rejects negative and non-finite values', () => {
    expect(() => tokenExpiresAt(-1, now)).toThrow(RangeError);
    expect(() => tokenExpiresAt(Number.NaN, now)).toThrow(RangeError);
  });
});

describe('isTokenUsable', () => {
  it('stops using a token 60 s before it expires', () => {
    expect(isTokenUsable(now + REFRESH_MARGIN_MS + 1, now)).toBe(true);
    expect(isTokenUsable(now + REFRESH_MARGIN_MS, now)).toBe(false);
    expect(isTokenUsable(now - 1, now)).toBe(false);
  });
});
