import { startAnvil } from './anvil.ts';
import { type OutageProxy, startOutageProxy } from './outage-proxy.ts';
import { startSolanaRpc } from './solana-rpc.ts';
import { deployTicketContract } from './ticket-contract.ts';

export type LocalChains = {
  polygon: { rpcUrl: string; contract: `0x${string}`; minterKey: `0x${string}`; outage: OutageProxy };
  solana: { rpcUrl: string; minterKey: string; outage: OutageProxy };
  /** The chains' own URLs, behind no proxy (for what must not notice a simulated outage). */
  direct: { polygon: string; solana: string };
  /** The Worker's settings, as .dev.vars and the test bindings carry them. */
  vars: Record<string, string>;
  stop(): Promise<void>;
};

/**
 * Both local chains for the dev stack, tests and benchmarks: anvil with the ticket contract deployed, and
 * the LiteSVM JSON-RPC emulator. The Worker reaches each through an outage proxy, so a test can take a
 * chain away for a while without losing its state.
 */
export async function startLocalChains(): Promise<LocalChains> {
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
  };
  try {
    const [anvil, solana] = await Promise.all([startAnvil(), startSolanaRpc()]);
    stops.push(anvil.stop, solana.stop);
    const contract = await deployTicketContract(anvil.rpcUrl, anvil.minterKey);
    const [polygonProxy, solanaProxy] = await Promise.all([startOutageProxy(anvil.rpcUrl), startOutageProxy(solana.url)]);
    stops.push(polygonProxy.close, solanaProxy.close);
    return {
      polygon: { rpcUrl: polygonProxy.url, contract, minterKey: anvil.minterKey, outage: polygonProxy },
      solana: { rpcUrl: solanaProxy.url, minterKey: solana.minterKey, outage: solanaProxy },
      direct: { polygon: anvil.rpcUrl, solana: solana.url },
      vars: {
        POLYGON_RPC_URL: polygonProxy.url,
        POLYGON_TICKET_CONTRACT: contract,
        POLYGON_MINTER_KEY: anvil.minterKey,
        SOLANA_RPC_URL: solanaProxy.url,
        SOLANA_MINTER_KEY: solana.minterKey,
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
