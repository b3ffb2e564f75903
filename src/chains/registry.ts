import type { Config } from '../env';
import { createPolygonAdapter } from './polygon';
import { createSolanaAdapter } from './solana';
import type { Chain, ChainAdapter } from './types';

export const CHAINS: readonly Chain[] = ['polygon', 'solana'];

/** The chains minting is configured for. */
export function configuredChains(chains: Config['chains']): Chain[] {
  return CHAINS.filter((chain) => chains[chain] !== undefined);
}

// One adapter per chain and configuration (per isolate in production): its client keeps what it learned (the chain id).
const adapters = new WeakMap<Config['chains'], Map<Chain, ChainAdapter>>();

/** The adapter of a configured chain, or null when the chain is not configured here. */
export function chainAdapter(chains: Config['chains'], chain: Chain): ChainAdapter | null {
  const known = adapters.get(chains) ?? new Map<Chain, ChainAdapter>();
  adapters.set(chains, known);
  const cached = known.get(chain);
  if (cached) return cached;
  const adapter =
    chain === 'polygon' ? chains.polygon && createPolygonAdapter(chains.polygon) : chains.solana && createSolanaAdapter(chains.solana);
  if (!adapter) return null;
  known.set(chain, adapter);
  return adapter;
}
