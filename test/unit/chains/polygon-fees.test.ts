import { parseGwei } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Anvil, startAnvil } from '../../../dev/chains/anvil.ts';
import { deployTicketContract, measureMintGas } from '../../../dev/chains/ticket-contract.ts';
import { congestionOf, type FeeHistory, feeEstimateFrom, GAS_PER_TICKET_IN_FULL_BATCH } from '../../../src/chains/polygon/fees.ts';

const gwei = (values: number[]) => values.map((v) => parseGwei(String(v)));

/** A window of blocks with the given base fees (the next block's last), utilizations and median tips in gwei. */
function history(baseFees: number[], ratios: number[], tips: number[]): FeeHistory {
  return { baseFeePerGas: gwei(baseFees), gasUsedRatio: ratios, reward: gwei(tips).map((tip) => [tip]) };
}

describe('Polygon fee oracle', () => {
  it('quotes a ticket of a full batch at the next base fee plus the median tip of the blocks that carried transactions', () => {
    // The empty block's zero tip is not a price anyone paid: left out of the median (30, 35, 40 → 35).
    const quote = feeEstimateFrom(history([30, 30, 30, 30, 31], [0.5, 0, 0.6, 0.5], [30, 0, 40, 35]), parseGwei('99'));
    expect(quote.baseFee).toBe(parseGwei('31'));
    expect(quote.priorityFee).toBe(parseGwei('35'));
    expect(quote.perTicket).toBe(GAS_PER_TICKET_IN_FULL_BATCH * parseGwei('66'));
    expect(quote).toMatchObject({ chain: 'polygon', decimals: 18, congestion: 'low' });
  });

  it('takes the fallback tip when every block of the window was empty', () => {
    const quote = feeEstimateFrom(history([10, 9, 8], [0, 0], [0, 0]), parseGwei('25'));
    expect(quote.priorityFee).toBe(parseGwei('25'));
    expect(quote.perTicket).toBe(GAS_PER_TICKET_IN_FULL_BATCH * parseGwei('33'));
  });

  it('grades congestion by how full the blocks are and how fast the base fee climbs', () => {
    expect(congestionOf(history([30, 30, 30], [0.5, 0.6], [30, 30]))).toBe('low');
    expect(congestionOf(history([30, 31, 32], [0.72, 0.75], [30, 30]))).toBe('medium');
    expect(congestionOf(history([30, 30, 34], [0.5, 0.5], [30, 30]))).toBe('medium');
    expect(congestionOf(history([30, 34, 38], [0.95, 0.92], [30, 30]))).toBe('high');
    expect(congestionOf(history([30, 30, 60], [0.1, 0.1], [30, 30]))).toBe('high');
    // A falling base fee after a spike is not congestion by itself.
    expect(congestionOf(history([300, 200, 100], [0, 0], [0, 0]))).toBe('low');
    expect(congestionOf({ baseFeePerGas: [], gasUsedRatio: [] })).toBe('low');
  });
});

describe('GAS_PER_TICKET_IN_FULL_BATCH', () => {
  let anvil: Anvil;
  beforeAll(async () => {
    anvil = await startAnvil();
  }, 30_000);
  afterAll(async () => {
    await anvil?.stop();
  });

  it('is within 15 % of the gas a batch of 100 takes on the compiled contract', async () => {
    const contract = await deployTicketContract(anvil.rpcUrl, anvil.minterKey);
    const gas = await measureMintGas(anvil.rpcUrl, anvil.minterKey, contract);
    console.info(`Polygon gas per ticket: batched (${gas.batch}) ${gas.batched}, one by one ${gas.oneByOne}`);
    expect(Math.abs(gas.batched - Number(GAS_PER_TICKET_IN_FULL_BATCH)) / gas.batched).toBeLessThanOrEqual(0.15);
    expect(gas.batched).toBeLessThan(gas.oneByOne);
  });
});
