import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_COIN_PRICES, formatUnits, gasEstimateOf, parseCoinPrices, recommendBlockchain, usdMicrosOf } from '../../src/domain/gas';

const GWEI = 10n ** 9n;

describe('gas estimates', () => {
  it('render native amounts exactly, without floating point', () => {
    expect(formatUnits(2_100_000n, 9)).toBe('0.0021');
    expect(formatUnits(10n ** 18n, 18)).toBe('1');
    expect(formatUnits(1n, 18)).toBe('0.000000000000000001');
    expect(formatUnits(0n, 9)).toBe('0');
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.integer({ min: 0, max: 24 }), (amount, decimals) => {
        const [whole, fraction = ''] = formatUnits(amount, decimals).split('.');
        expect(BigInt(`${whole}${fraction.padEnd(decimals, '0')}`)).toBe(amount);
      }),
    );
  });

  it('convert a Polygon mint (50k gas at 30 gwei, POL at 25 cents) to dollars and cents', () => {
    const perTicket = 50_000n * 30n * GWEI; // 0.0015 POL
    const estimate = gasEstimateOf({ chain: 'polygon', perTicket, congestion: 'low' }, DEFAULT_COIN_PRICES);
    expect(estimate).toEqual({
      blockchain: 'polygon',
      estimatedFee: '0.0015',
      feeInUsd: '0.000375',
      feeInUsdMinor: 0,
      congestionLevel: 'low',
    });
  });

  it('convert a Solana mint (rent of two accounts plus fees, SOL at $150) to dollars and cents', () => {
    const estimate = gasEstimateOf({ chain: 'solana', perTicket: 3_500_000n, congestion: 'medium' }, DEFAULT_COIN_PRICES);
    expect(estimate.estimatedFee).toBe('0.0035');
    expect(estimate.feeInUsd).toBe('0.525000');
    expect(estimate.feeInUsdMinor).toBe(53);
  });

  it('round dollar millionths half up', () => {
    // 1 lamport at 15000 cents/SOL = 0.15 micro-dollars → 0; 4 lamports = 0.6 → 1
    expect(usdMicrosOf(1n, 9, 15_000)).toBe(0n);
    expect(usdMicrosOf(4n, 9, 15_000)).toBe(1n);
  });

  it('recommend the chain that costs least in exact terms, ties to the first listed, none when nothing was quoted', () => {
    const polygon = { chain: 'polygon' as const, perTicket: 50_000n * 30n * GWEI, congestion: 'low' as const };
    const solana = { chain: 'solana' as const, perTicket: 3_500_000n, congestion: 'low' as const };
    expect(recommendBlockchain([polygon, solana], DEFAULT_COIN_PRICES)).toBe('polygon');
    // A base fee of 100 000 gwei makes Polygon dearer than Solana.
    expect(recommendBlockchain([{ ...polygon, perTicket: 50_000n * 100_000n * GWEI }, solana], DEFAULT_COIN_PRICES)).toBe('solana');
    expect(recommendBlockchain([solana], DEFAULT_COIN_PRICES)).toBe('solana');
    expect(recommendBlockchain([], DEFAULT_COIN_PRICES)).toBeNull();
    const equal = { polygon: 1, solana: 1 };
    expect(
      recommendBlockchain(
        [
          { ...polygon, perTicket: 10n ** 18n },
          { ...solana, perTicket: 10n ** 9n },
        ],
        equal,
      ),
    ).toBe('solana');
  });

  it('parse configured coin prices and refuse nonsense', () => {
    expect(parseCoinPrices(undefined)).toEqual(DEFAULT_COIN_PRICES);
    expect(parseCoinPrices('polygon=40')).toEqual({ polygon: 40, solana: 15_000 });
    expect(parseCoinPrices(' solana = 20000 , polygon=30 ')).toEqual({ polygon: 30, solana: 20_000 });
    expect(() => parseCoinPrices('ethereum=300000')).toThrow(/unknown chain/);
    expect(() => parseCoinPrices('polygon=0.5')).toThrow(/whole number/);
    expect(() => parseCoinPrices('polygon=0')).toThrow(/whole number/);
  });
});
