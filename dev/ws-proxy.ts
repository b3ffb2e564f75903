import { createRequire } from 'node:module';
import net from 'node:net';
import type { WebSocketServer as WebSocketServerType } from 'ws';

// Loaded through require: under the vitest-plugin's resolver `import 'ws'` picks ws's browser stub.
const { WebSocketServer } = createRequire(import.meta.url)('ws') as { WebSocketServer: typeof WebSocketServerType };

/**
 * The WebSocket-to-TCP proxy Neon's serverless driver uses to reach a plain Postgres: the driver
 * opens ws://127.0.0.1:<port>/v1?address=<host>:<port> and speaks the wire protocol in binary frames.
 * Only the addresses in `allowed` are reachable, so it is never an open relay. Both directions close
 * cleanly (code 1000 / socket end) so the driver does not report "Network connection lost".
 *
 * After the client's Terminate message the proxy ends the upstream connection itself, as a Postgres
 * server does. PGlite's socket server does not: it keeps the connection open, so the driver's
 * WebSocket never closed, and a Worker invocation holding one (a queue consumer after `pool.end()`)
 * never finished, which stalled the local queue behind it.
 */
export type WsProxy = { port: number; address: string; openConnections(): number; close(): Promise<void> };

export async function startWsProxy(allowed: string[], port = 0): Promise<WsProxy> {
  const allow = new Set(allowed);
  const wss = new WebSocketServer({ host: '127.0.0.1', port, path: '/v1' });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  const sockets = new Set<net.Socket>();

  wss.on('connection', (ws, req) => {
    const target = new URL(req.url ?? '/', 'http://proxy').searchParams.get('address') ?? '';
    const match = /^(.+):(\d+)$/.exec(target);
    if (!match || !allow.has(target)) {
      ws.once('message', () => {
        ws.send(postgresError('08004', `proxy: address ${target} is not allowed`), { binary: true });
        setTimeout(() => ws.readyState === ws.OPEN && ws.close(1008), 2_000).unref();
      });
      return;
    }
    const socket = net.connect({ host: match[1] as string, port: Number(match[2]) });
    socket.setNoDelay(true);
    sockets.add(socket);
    let connected = false;
    let failed = false;
    let heardFromClient = false;
    // Like Neon's proxy, report an unreachable upstream as a Postgres error and let the client hang up:
    // closing first makes the driver write its Terminate message into a closed socket.
    const reportFailure = () => {
      if (ws.readyState !== ws.OPEN) return;
      ws.send(postgresError('08001', `proxy: cannot connect to ${target}`), { binary: true });
      setTimeout(() => ws.readyState === ws.OPEN && ws.close(1000), 2_000).unref();
    };
    socket.on('connect', () => {
      connected = true;
    });
    socket.on('data', (chunk) => {
      if (ws.readyState === ws.OPEN) ws.send(chunk, { binary: true });
    });
    socket.on('error', () => {
      if (connected) return ws.close(1011, 'upstream error');
      failed = true;
      if (heardFromClient) reportFailure();
    });
    socket.on('close', () => {
      sockets.delete(socket);
      if (!failed && ws.readyState === ws.OPEN) ws.close(1000);
    });
    const terminate = terminateWatcher();
    ws.on('message', (data: Buffer) => {
      const first = !heardFromClient;
      heardFromClient = true;
      if (failed) return first ? reportFailure() : undefined;
      socket.write(data);
      if (terminate(data)) socket.end();
    });
    ws.on('close', () => socket.end());
    ws.on('error', () => socket.destroy());
  });

  const actual = (wss.address() as net.AddressInfo).port;
  return {
    port: actual,
    address: `127.0.0.1:${actual}/v1`,
    openConnections: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.close(1001, 'proxy shutting down');
        for (const socket of sockets) socket.end();
        wss.close(() => resolve());
      }),
  };
}

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

/**
 * Follows the frontend side of the wire protocol across arbitrary chunking and says when a complete
 * Terminate ('X') message has gone by. Before the startup message, messages carry no type byte
 * (SSLRequest, GSSENCRequest, StartupMessage); after it, each is a type byte plus an int32 length.
 */
export function terminateWatcher(): (chunk: Buffer) => boolean {
  let startup = true;
  let header = Buffer.alloc(0);
  let skip = 0;
  return (chunk) => {
    let at = 0;
    while (at < chunk.length) {
      if (skip > 0) {
        const n = Math.min(skip, chunk.length - at);
        skip -= n;
        at += n;
        continue;
      }
      const need = startup ? 8 : 5;
      const take = Math.min(need - header.length, chunk.length - at);
      header = Buffer.concat([header, chunk.subarray(at, at + take)]);
      at += take;
      if (header.length < need) break;
      if (startup) {
        const length = header.readInt32BE(0);
        const code = header.readInt32BE(4);
        if (code !== SSL_REQUEST && code !== GSSENC_REQUEST) startup = false;
        skip = Math.max(0, length - 8);
      } else {
        const type = header[0];
        const length = header.readInt32BE(1);
        if (type === 0x58 && length === 4) return true;
        skip = Math.max(0, length - 4);
      }
      header = Buffer.alloc(0);
    }
    return false;
  };
}

/** host:port of a postgres:// URL, as the driver will ask the proxy for it. */
export function postgresAddress(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || '5432'}`;
}

/** A Postgres ErrorResponse ('E') message with severity FATAL. */
export function postgresError(code: string, message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0\0`, 'utf8');
  const head = Buffer.alloc(5);
  head.write('E', 0, 'ascii');
  head.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([head, fields]);
}
