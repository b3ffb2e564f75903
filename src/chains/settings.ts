import type { CoinPrices } from '../domain/gas';

/**
 * Minting settings per chain; a chain is usable only with the custody seed and all of its own settings,
 * and tickets of events on a chain that is not are issued without an NFT.
 */
export function chainSettings(c: {
  CUSTODY_SEED?: string;
  POLYGON_RPC_URL?: string;
  POLYGON_TICKET_CONTRACT?: string;
  POLYGON_MINTER_KEY?: string;
  SOLANA_RPC_URL?: string;
  SOLANA_MINTER_KEY?: string;
  CHAIN_COIN_PRICES: CoinPrices;
  GAS_QUOTE_TTL_SECONDS: number;
}) {
  const seed = c.CUSTODY_SEED;
  return {
    custodySeed: seed,
    polygon:
      seed && c.POLYGON_RPC_URL && c.POLYGON_TICKET_CONTRACT && c.POLYGON_MINTER_KEY
        ? {
            rpcUrl: c.POLYGON_RPC_URL,
            contract: c.POLYGON_TICKET_CONTRACT,
            minterKey: c.POLYGON_MINTER_KEY as `0x${string}`,
            custodySeed: seed,
          }
        : undefined,
    solana:
      seed && c.SOLANA_RPC_URL && c.SOLANA_MINTER_KEY
        ? { rpcUrl: c.SOLANA_RPC_URL, minterKey: c.SOLANA_MINTER_KEY, custodySeed: seed }
        : undefined,
    coinPriceUsdCents: c.CHAIN_COIN_PRICES,
    quoteTtlMs: c.GAS_QUOTE_TTL_SECONDS * 1000,
  };
}
