import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { freePort, waitFor } from '../ports.ts';

/**
 * A local EVM chain for tests and benchmarks: Foundry's anvil from node_modules, on 127.0.0.1 and a free port,
 * mining each transaction as it arrives. It dies with this process: stop() ends it, an exit handler ends it
 * when the process exits without stop(), and a watchdog shell ends it if the process is killed outright.
 */
export type Anvil = {
  rpcUrl: string;
  chainId: number;
  /** Anvil's first dev account (funded with 10,000 ETH): the minter in tests. */
  minterKey: `0x${string}`;
  stop(): Promise<void>;
};

// The first account of anvil's default mnemonic ("test test … junk"), public knowledge: never use it on a real chain.
const FIRST_DEV_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';

const root = path.resolve(import.meta.dirname, '../..');
const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };

/** The native binary from @foundry-rs/anvil-<os>-<arch>, else the package's launcher in node_modules/.bin. */
export function anvilBinary(): string {
  const arch = ARCH[process.arch];
  const exe = process.platform === 'win32' ? 'anvil.exe' : 'anvil';
  if (arch) {
    try {
      const manifest = createRequire(path.join(root, 'package.json')).resolve(`@foundry-rs/anvil-${process.platform}-${arch}/package.json`);
      const binary = path.join(path.dirname(manifest), 'bin', exe);
      if (existsSync(binary)) return binary;
    } catch {
      // No binary package for this platform: try the launcher.
    }
  }
  const launcher = path.join(root, 'node_modules/.bin', exe);
  if (existsSync(launcher)) return launcher;
  throw new Error('anvil is not installed: npm install @foundry-rs/anvil');
}

async function answersChainId(rpcUrl: string): Promise<number | null> {
  const response = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
  });
  const body = (await response.json()) as { result?: string };
  return body.result ? Number(body.result) : null;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

async function launch(binary: string, port: number): Promise<Anvil> {
  const child = spawn(binary, ['--host', '127.0.0.1', '--port', String(port), '--silent'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  const watchdog =
    process.platform === 'win32' || child.pid === undefined
      ? null
      : spawn('sh', ['-c', `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; kill -9 ${child.pid} 2>/dev/null`], {
          detached: true,
          stdio: 'ignore',
        });
  watchdog?.unref();

  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      process.off('exit', killOnExit);
      watchdog?.kill();
      const done = exited(child);
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await done;
      clearTimeout(timer);
    })();
    return stopping;
  };

  const rpcUrl = `http://127.0.0.1:${port}`;
  const gone = exited(child).then(() => {
    throw new Error(`anvil exited before answering: ${stderr.trim() || `code ${child.exitCode}`}`);
  });
  gone.catch(() => {});
  try {
    await Promise.race([waitFor(async () => (await answersChainId(rpcUrl)) !== null, 20_000, `anvil on ${rpcUrl}`), gone]);
    const chainId = await answersChainId(rpcUrl);
    if (chainId === null) throw new Error(`anvil on ${rpcUrl} stopped answering eth_chainId`);
    return { rpcUrl, chainId, minterKey: FIRST_DEV_KEY, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Starts anvil and resolves once it answers eth_chainId. Without a port, a taken port (a race with another process) is retried. */
export async function startAnvil(opts: { port?: number } = {}): Promise<Anvil> {
  const binary = anvilBinary();
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(binary, opts.port ?? (await freePort()));
    } catch (err) {
      if (opts.port !== undefined || attempt >= 3) throw err;
    }
  }
}
