import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  type Abi,
  createPublicClient,
  createWalletClient,
  defineChain,
  encodeFunctionData,
  getAddress,
  type Hex,
  http,
  keccak256,
  toHex,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

/**
 * contracts/TicketNFT.sol for local chains: compiled with solc-js (npm `solc`) and deployed with viem. The artifact
 * is cached under node_modules/.cache/edgepay, keyed by the source and the compiler and OpenZeppelin versions, so
 * only the first run after a change pays for loading the compiler (a few seconds).
 */
export type TicketArtifact = { abi: Abi; bytecode: Hex };

const root = path.resolve(import.meta.dirname, '../..');
const SOURCE = path.join(root, 'contracts/TicketNFT.sol');
const CACHE_DIR = path.join(root, 'node_modules/.cache/edgepay');

// Polygon PoS runs the Cancun instruction set; a newer compiler default could emit opcodes it lacks.
const EVM_VERSION = 'cancun';

function packageVersion(name: string): string {
  return (JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Imports such as "@openzeppelin/contracts/…" are read from node_modules. */
function readImport(importPath: string): { contents: string } | { error: string } {
  const file = path.resolve(root, 'node_modules', importPath);
  if (!file.startsWith(path.join(root, 'node_modules') + path.sep)) return { error: `import outside node_modules: ${importPath}` };
  try {
    return { contents: readFileSync(file, 'utf8') };
  } catch {
    return { error: `cannot read ${importPath}` };
  }
}

type SolcOutput = {
  errors?: { severity: string; formattedMessage: string }[];
  contracts?: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>>;
};

async function compile(source: string): Promise<TicketArtifact> {
  const { default: solc } = (await import('solc')) as { default: { compile(input: string, callbacks: object): string } };
  const input = {
    language: 'Solidity',
    sources: { 'TicketNFT.sol': { content: source } },
    settings: {
      optimizer: { enabled: true, runs: 1000 },
      evmVersion: EVM_VERSION,
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: readImport })) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) throw new Error(`TicketNFT.sol does not compile:\n${errors.map((e) => e.formattedMessage).join('\n')}`);
  const contract = output.contracts?.['TicketNFT.sol']?.TicketNFT;
  if (!contract) throw new Error('solc returned no TicketNFT contract');
  return { abi: contract.abi, bytecode: `0x${contract.evm.bytecode.object}` };
}

/** The contract's ABI and creation bytecode, from the cache when the source and compiler are unchanged. */
export async function compileTicketContract(): Promise<TicketArtifact> {
  const source = readFileSync(SOURCE, 'utf8');
  const key = createHash('sha256')
    .update([source, packageVersion('solc'), packageVersion('@openzeppelin/contracts'), EVM_VERSION].join('\0'))
    .digest('hex')
    .slice(0, 16);
  const cached = path.join(CACHE_DIR, `TicketNFT-${key}.json`);
  try {
    return JSON.parse(readFileSync(cached, 'utf8')) as TicketArtifact;
  } catch {
    // Not compiled yet (or a broken cache file): compile below.
  }
  const artifact = await compile(source);
  mkdirSync(CACHE_DIR, { recursive: true });
  // Written aside and renamed, so a test file compiling at the same time never reads half a file.
  const partial = `${cached}.${process.pid}.tmp`;
  writeFileSync(partial, JSON.stringify(artifact));
  renameSync(partial, cached);
  return artifact;
}

async function clients(rpcUrl: string, privateKey: Hex) {
  const publicClient = createPublicClient({ transport: http(rpcUrl) });
  const chain = defineChain({
    id: await publicClient.getChainId(),
    name: 'local',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  return { publicClient, wallet: createWalletClient({ account: privateKeyToAccount(privateKey), chain, transport: http(rpcUrl) }) };
}

/** Deploys TicketNFT with `minterPrivateKey` (which becomes its minter) and returns its address once mined. */
export async function deployTicketContract(rpcUrl: string, minterPrivateKey: Hex): Promise<Hex> {
  const { abi, bytecode } = await compileTicketContract();
  const { publicClient, wallet } = await clients(rpcUrl, minterPrivateKey);
  const hash = await wallet.deployContract({ abi, bytecode });
  const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 100, timeout: 30_000 });
  if (receipt.status !== 'success' || !receipt.contractAddress) throw new Error(`deploying TicketNFT failed (${hash})`);
  return getAddress(receipt.contractAddress);
}

export type MintGas = {
  /** Gas per ticket of one mintBatch of `batch` tickets to distinct new owners. */
  batched: number;
  /** Gas per ticket of mintBatch calls of one ticket each, transaction cost included. */
  oneByOne: number;
  batch: number;
};

/**
 * Measures what minting costs on the contract at `contract`: one mintBatch of `batch` tickets, then `single`
 * transactions of one ticket each. Every ticket goes to a distinct address that holds none yet (a first
 * ticket per buyer, the dearer case: its balance slot goes from zero to one). Mints real tokens with fresh
 * random ids, so it can run on any chain the minter may mint on.
 */
export async function measureMintGas(
  rpcUrl: string,
  minterPrivateKey: Hex,
  contract: Hex,
  { batch = 100, single = 5 }: { batch?: number; single?: number } = {},
): Promise<MintGas> {
  const { abi } = await compileTicketContract();
  const { publicClient, wallet } = await clients(rpcUrl, minterPrivateKey);
  const fresh = (n: number) => Array.from({ length: n }, () => ({ owner: keccak256(toHex(crypto.randomUUID())).slice(0, 42) as Hex }));
  const mint = async (tickets: { owner: Hex }[]): Promise<number> => {
    const ids = tickets.map(() => BigInt(keccak256(toHex(crypto.randomUUID()))));
    const data = encodeFunctionData({ abi, functionName: 'mintBatch', args: [tickets.map((t) => t.owner), ids] });
    const hash = await wallet.sendTransaction({ to: contract, data });
    const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 100, timeout: 60_000 });
    if (receipt.status !== 'success') throw new Error(`mintBatch reverted (${hash})`);
    return Number(receipt.gasUsed);
  };
  const batched = (await mint(fresh(batch))) / batch;
  let total = 0;
  for (const ticket of fresh(single)) total += await mint([ticket]);
  return { batched: Math.round(batched), oneByOne: Math.round(total / single), batch };
}
