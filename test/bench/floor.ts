import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../dev/ports.ts';
import { WRANGLER_OFFLINE_ENV } from '../../dev/wrangler-env.ts';
import type { AutocannonOptions, AutocannonResult } from './autocannon.ts';
import { machineLoad, ms, percentile, send, sleep } from './payments/shared.ts';
import { formatColumns } from './table.ts';

/**
 * The floor under every figure of the bench: a Worker that does nothing, started with `wrangler dev` on this
 * machine the way the stack is (same wrangler, workerd and compatibility date), loaded the way the payment and
 * checkout benchmarks load the stack. `/` answers "ok"; `/log` also writes one log line the size of the stack's
 * request line, because under `wrangler dev` every console.log travels to wrangler over the DevTools protocol.
 * No request to the real Worker can beat these numbers here; a goal below them cannot be met on this machine.
 */
const HOST = '127.0.0.1';
const SECONDS = 5;
const CONNECTIONS = 10;
const BURSTS = [100, 500];
/** Requests sent one after another (50 ms apart): what wrangler dev's own path costs a request at one connection. */
const SEQUENTIAL = 20;

const WORKER = `const line = JSON.stringify({ level: 'info', time: new Date(0).toISOString(), msg: 'request', requestId: '6f1c2b9e-3d4a-4b5c-8d7e-9f0a1b2c3d4e',
  method: 'POST', path: '/api/v1/payments/process', route: '/api/v1/payments/process', status: 200, durationMs: 12.3,
  tenantId: 'bench-tenant-00000000', userId: 'bench-user-0000', role: 'customer', colo: 'local', ua: 'undici', bytes: 1024 });
export default {
  async fetch(request) {
    if (new URL(request.url).pathname === '/log') console.log(line);
    return new Response('ok');
  },
};
`;

export type FloorOptions = {
  root: string;
  measure: (opts: AutocannonOptions) => Promise<AutocannonResult>;
  signal: AbortSignal;
  say: (msg: string) => void;
};

export async function noopFloor(o: FloorOptions): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'edgepay-floor-'));
  const compatibilityDate = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(readFileSync(path.join(o.root, 'wrangler.toml'), 'utf8'))?.[1];
  writeFileSync(path.join(dir, 'worker.js'), WORKER);
  writeFileSync(
    path.join(dir, 'wrangler.json'),
    JSON.stringify({ name: 'floor', main: 'worker.js', compatibility_date: compatibilityDate }),
  );
  const port = await freePort();
  const bin = path.join(o.root, 'node_modules', '.bin');
  const logFile = path.join(dir, 'wrangler.log');
  const log = openSync(logFile, 'w');
  const child: ChildProcess = spawn(
    path.join(bin, 'wrangler'),
    ['dev', '--port', String(port), '--ip', HOST, '--show-interactive-dev-session=false', '--persist-to', path.join(dir, 'state')],
    {
      cwd: dir,
      detached: true,
      stdio: ['ignore', log, log],
      env: {
        ...process.env,
        PATH: [bin, process.env.PATH].filter(Boolean).join(path.delimiter),
        ...WRANGLER_OFFLINE_ENV,
      },
    },
  );
  const stop = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {}
  };
  process.once('exit', stop);
  const base = `http://${HOST}:${port}`;
  try {
    o.say(`floor: a Worker that does nothing, under wrangler dev on ${base}`);
    for (let i = 0; ; i++) {
      if (o.signal.aborted) throw new Error('interrupted');
      if ((await send(`${base}/`, {}, o.signal)).status === 200) break;
      if (i > 240) {
        const tail = readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n');
        throw new Error(`the no-op Worker did not start within 120 s; wrangler printed:\n${tail}`);
      }
      await sleep(500);
    }
    const rows: string[][] = [];
    for (const route of ['/', '/log']) {
      await o.measure({ url: `${base}${route}`, connections: CONNECTIONS, duration: 2 }); // warm-up
      const r = await o.measure({ url: `${base}${route}`, connections: CONNECTIONS, duration: SECONDS });
      const alone: number[] = [];
      for (let i = 0; i < SEQUENTIAL; i++) {
        const reply = await send(`${base}${route}`, {}, o.signal);
        if (reply.status !== 200) throw new Error(`the no-op Worker answered ${reply.status}`);
        alone.push(reply.ms);
        await sleep(50);
      }
      const bursts: string[] = [];
      for (const count of BURSTS) {
        await burst(`${base}${route}`, count, o.signal); // the first burst of a size pays for connection set-up
        const latencies = await burst(`${base}${route}`, count, o.signal);
        bursts.push(`${ms(percentile(latencies, 50))} / ${ms(percentile(latencies, 99))}`);
      }
      rows.push([`GET ${route}`, r.requests.average.toFixed(1), r.latency.p50.toFixed(1), ms(percentile(alone, 50)), ...bursts]);
    }
    const table = formatColumns(
      [
        'no-op Worker',
        `req/s (${CONNECTIONS} conn)`,
        'p50 ms',
        'one at a time: p50 ms',
        ...BURSTS.map((n) => `${n} at once: p50 / p99 ms`),
      ],
      rows,
    );
    return `floor: a Worker that does nothing, under wrangler dev on this machine\n${table}\n${machineLoad()}`;
  } finally {
    stop();
    closeSync(log);
    process.removeListener('exit', stop);
    await sleep(500);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function burst(url: string, count: number, signal: AbortSignal): Promise<number[]> {
  const replies = await Promise.all(Array.from({ length: count }, () => send(url, {}, signal)));
  const failed = replies.filter((r) => r.status !== 200).length;
  if (failed > 0) throw new Error(`${failed} of ${count} requests to the no-op Worker failed`);
  return replies.map((r) => r.ms);
}
