import { describe, expect, inject, it } from 'vitest';
import { call, json } from '../helpers/app';
import { setChainDown } from '../helpers/chains';
import { jsonRpc as rpc } from '../helpers/json-rpc';
import { bearer, signToken } from '../helpers/tokens';

const direct = JSON.parse(inject('chainDirectUrls')) as { polygon: string; solana: string };
const GWEI = 10n ** 9n;

async function quoteGas() {
  const tenant = `gas-${crypto.randomUUID()}`;
  const admin = { ...bearer(await signToken({ tenant_id: tenant, sub: 'boss', role: 'admin' })), 'content-type': 'application/json' };
  await call('/api/v1/venues/v', {
    method: 'PUT',
    headers: admin,
    body: JSON.stringify({ name: 'V', address: { city: 'Knoxville', state: 'TN' }, tier: 'starter' }),
  });
  return async () => {
    const res = await call('/api/v1/payments/calculate-fees', {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ venueId: 'v', amount: 10_000, ticketCount: 2 }),
    });
    expect(res.status).toBe(200);
    return json<any>(res);
  };
}

/** Sets the base fee of the next Polygon block and mines it, as a busy network would. */
async function setPolygonBaseFee(wei: bigint) {
  await rpc(direct.polygon, 'anvil_setNextBlockBaseFeePerGas', [`0x${wei.toString(16)}`]);
  await rpc(direct.polygon, 'evm_mine', []);
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('calculate-fees gas estimates from the chains', () => {
  it('follow the Polygon base fee, and recommend Solana once Polygon is dearer', async () => {
    const quote = await quoteGas();
    try {
      await setPolygonBaseFee(1n * GWEI);
      await pause(1_100); // the quotes are reused for GAS_QUOTE_TTL_SECONDS (1 s in tests)
      const cheap = await quote();
      expect(cheap.recommendedBlockchain).toBe('polygon');
      await setPolygonBaseFee(100_000n * GWEI);
      await pause(1_100);
      const dear = await quote();
      const [low, high] = [cheap, dear].map((q) => Number(q.gasEstimates.polygon.estimatedFee));
      expect(high).toBeGreaterThan((low as number) * 1000);
      expect(dear.gasEstimates.polygon.congestionLevel).toBe('high');
      expect(dear.recommendedBlockchain).toBe('solana');
      expect(dear.gasEstimates.solana).toEqual(cheap.gasEstimates.solana);
      expect(Number(dear.gasEstimates.polygon.feeInUsd)).toBeGreaterThan(Number(dear.gasEstimates.solana.feeInUsd));
      // The fees charged do not move with the chain: 50 per ticket.
      expect(dear.fees).toEqual(cheap.fees);
    } finally {
      await setPolygonBaseFee(1n * GWEI);
    }
  });

  it('answer null for a chain that cannot be read and recommend the other', async () => {
    const quote = await quoteGas();
    await setChainDown('solana', true);
    try {
      await pause(1_100);
      const body = await quote();
      expect(body.gasEstimates.solana).toBeNull();
      expect(body.gasEstimates.polygon).not.toBeNull();
      expect(body.recommendedBlockchain).toBe('polygon');
    } finally {
      await setChainDown('solana', false);
    }
  });
});
