import {
  type Account,
  type Chain,
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  type PrivateKeyAccount,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

/**
 * viem over one JSON-RPC URL (fetch only, so it runs in Workers as in Node) and the minter's account. The private
 * key goes into viem's local account, which signs without exposing it; the client keeps no copy of its own.
 */
export type PolygonClientConfig = {
  rpcUrl: string;
  minterKey: Hex;
  /** Bound of one JSON-RPC request, retries excluded. */
  rpcTimeoutMs: number;
  /** How often a pending transaction's receipt is looked for (Polygon makes a block about every 2 s). */
  pollingIntervalMs: number;
};

export type PolygonClient = {
  readonly rpc: PublicClient;
  /** The minter's wallet: prepares its transactions (nonce, fees, gas); signing stays local (minter.signTransaction). */
  readonly wallet: WalletClient<Transport, Chain | undefined, Account>;
  readonly minter: PrivateKeyAccount;
  /** eth_chainId, asked once per client (signing needs it; it never changes behind one URL). */
  chainId(): Promise<number>;
};

export function createPolygonClient(config: PolygonClientConfig): PolygonClient {
  // Two quick retries ride out a dropped connection or a 5xx; longer outages surface as ChainUnavailableError, which
  // the mint queue waits out. viem never retries eth_sendRawTransaction: the adapter resends the signed bytes itself.
  const transport = http(config.rpcUrl, { timeout: config.rpcTimeoutMs, retryCount: 2, retryDelay: 250 });
  const rpc = createPublicClient({ transport, pollingInterval: config.pollingIntervalMs });
  const minter = privateKeyToAccount(config.minterKey);
  const wallet = createWalletClient({ account: minter, transport, pollingInterval: config.pollingIntervalMs });
  // The number, not the promise, is kept: a Worker must not await a promise that another request's I/O settles.
  let chainId: number | undefined;
  return {
    rpc,
    wallet,
    minter,
    async chainId() {
      chainId ??= await rpc.getChainId();
      return chainId;
    },
  };
}
