import type { Config } from '../env';
import { createPolygonAdapter } from './polygon';
import { createSolanaAdapter } from './solana';
import type { Chain, ChainAdapter } from './types';

export const CHAINS: readonly Chain[] = ['polygon', 'solana'];

/** The chains minting is configured for. */
export function configuredChains(chains: Config['chains']): Chain[] {
  return CHAINS.filter((chain) => chains[chain] !== undefined);
}

/** The adapter of a configured chain, or null when the chain is not configured here. */
export function chainAdapter(chains: Config['chains'], chain: Chain): ChainAdapter | null {
  if (chain === 'polygon') return chains.polygon ? createPolygonAdapter(chains.polygon) : null;
  return chains.solana ? createSolanaAdapter(chains.solana) : null;
}
