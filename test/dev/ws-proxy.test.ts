import { createRequire } from 'node:module';
import net from 'node:net';
import type { neonConfig as NeonConfigType, Pool as PoolType } from '@neondatabase/serverless';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocket as WebSocketType } from 'ws';
import { freePort } from '../../dev/ports.ts';
import { type Database, findPostgresBinDir, startPglite, startPostgresCluster } from '../../dev/postgres.ts';
import { postgresAddress, postgresError, startWsProxy, terminateWatcher, type WsProxy } from '../../dev/ws-proxy.ts';

// Loaded through require, as dev/ws-proxy.ts does: a resolver with browser conditions would pick ws's stub
// and the Neon driver's non-Node build.
const require = createRequire(import.meta.url);
const { WebSocket } = require('ws') as { WebSocket: typeof WebSocketType };
const { Pool, neonConfig } = require('@neondatabase/serverless') as { Pool: typeof PoolType; neonConfig: typeof NeonConfigType };

type EchoServer = {
  port: number;
  address: string;
  connections: number;
  received: Buffer[];
  events: string[];
  /** Resolves once a connection has seen 'end' (the peer half-closed) and then 'close'. */
  closed: Promise<void>;
  server: net.Server;
  sockets: Set<net.Socket>;
};

/** A TCP server that writes back every byte it receives and logs what happens to its connections. */
async function startEcho(): Promise<EchoServer> {
  let onClosed: () => void = () => {};
  const echo: EchoServer = {
    port: 0,
    address: '',
    connections: 0,
    received: [],
    events: [],
    closed: new Promise<void>((resolve) => {
      onClosed = resolve;
    }),
    server: net.createServer((socket) => {
      echo.connections += 1;
      echo.sockets.add(socket);
      socket.on('data', (chunk) => {
        echo.received.push(chunk);
        socket.write(chunk);
      });
      socket.on('end', () => echo.events.push('end'));
      socket.on('error', (err) => echo.events.push(`error:${err.message}`));
      socket.on('close', () => {
        echo.events.push('close');
        echo.sockets.delete(socket);
        onClosed();
      });
    }),
    sockets: new Set(),
  };
  await new Promise<void>((resolve) => echo.server.listen(0, '127.0.0.1', resolve));
  echo.port = (echo.server.address() as net.AddressInfo).port;
  echo.address = `127.0.0.1:${echo.port}`;
  return echo;
}

function closeEcho(echo: EchoServer): Promise<void> {
  for (const s of echo.sockets) s.destroy();
  return new Promise((resolve) => echo.server.close(() => resolve()));
}

/** `onMessage` is attached before the handshake completes, so a frame that arrives with it is not missed. */
function open(url: string, onMessage?: (data: Buffer) => void): Promise<WebSocketType> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.binaryType = 'nodebuffer';
    if (onMessage) ws.on('message', onMessage);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function nextMessage(ws: WebSocketType): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve, reject) => {
    ws.once('message', (data: Buffer, isBinary: boolean) => resolve({ data, isBinary }));
    ws.once('close', () => reject(new Error('closed before a message arrived')));
  });
}

/** Sends a ping and waits for its pong: the frames are ordered, so whatever the peer sent before has arrived. */
function roundTrip(ws: WebSocketType): Promise<void> {
  return new Promise((resolve) => {
    ws.once('pong', () => resolve());
    ws.ping();
  });
}

function closeEvent(ws: WebSocketType): Promise<number> {
  return new Promise((resolve) => ws.once('close', (code: number) => resolve(code)));
}

/** Reads a Postgres ErrorResponse's fields (type byte, length, then code-letter/value pairs). */
function parseErrorResponse(frame: Buffer) {
  const fields: Record<string, string> = {};
  let i = 5;
  while (i < frame.length && frame[i] !== 0) {
    const code = String.fromCharCode(frame[i] as number);
    const end = frame.indexOf(0, i + 1);
    fields[code] = frame.subarray(i + 1, end).toString('utf8');
    i = end + 1;
  }
  return { type: String.fromCharCode(frame[0] as number), length: frame.readInt32BE(1), fields };
}

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(allowed?: (echo: EchoServer) => string[]) {
  const echo = await startEcho();
  cleanups.push(() => closeEcho(echo));
  const proxy = await startWsProxy(allowed ? allowed(echo) : [echo.address]);
  cleanups.push(() => proxy.close());
  return { echo, proxy };
}

/** Points the Neon driver at a local proxy, as src/db/client.ts does for NEON_WS_PROXY. */
function useProxy(proxy: WsProxy) {
  neonConfig.wsProxy = (host, port) => `${proxy.address}?address=${host}:${port}`;
  neonConfig.useSecureWebSocket = false;
  neonConfig.pipelineConnect = false;
  neonConfig.pipelineTLS = false;
}

function track(ws: WebSocketType) {
  cleanups.push(() => ws.terminate());
  return ws;
}

describe('WebSocket-to-TCP proxy', () => {
  it('listens on 127.0.0.1 under /v1', async () => {
    const { proxy } = await setup();
    expect(proxy.address).toBe(`127.0.0.1:${proxy.port}/v1`);
  });

  it('relays binary bytes both ways to an allowed address', async () => {
    const { echo, proxy } = await setup();
    const ws = track(await open(`ws://${proxy.address}?address=${echo.address}`));
    const payload = Buffer.from([0, 1, 2, 3, 254, 255, 0x45, 0x0a]);
    const reply = nextMessage(ws);
    ws.send(payload, { binary: true });
    const { data, isBinary } = await reply;
    expect(isBinary).toBe(true);
    expect(Buffer.compare(data, payload)).toBe(0);
    expect(Buffer.concat(echo.received)).toEqual(payload);

    // A second message on the same connection goes over the same TCP socket.
    const again = nextMessage(ws);
    ws.send(Buffer.from('second'), { binary: true });
    expect((await again).data.toString()).toBe('second');
    expect(echo.connections).toBe(1);
  });

  it('answers a disallowed address with a Postgres ErrorResponse 08004 after the first message, relaying nothing', async () => {
    const { echo, proxy } = await setup(() => []);
    const ws = track(await open(`ws://${proxy.address}?address=${echo.address}`));
    const closed = closeEvent(ws);
    const reply = nextMessage(ws);
    ws.send(Buffer.from('startup message'), { binary: true });
    const { data, isBinary } = await reply;
    expect(isBinary).toBe(true);
    const parsed = parseErrorResponse(data);
    expect(parsed.type).toBe('E');
    expect(parsed.length).toBe(data.length - 1);
    expect(parsed.fields.C).toBe('08004');
    expect(data.includes(Buffer.from('08004'))).toBe(true);
    expect(parsed.fields.S).toBe('FATAL');
    expect(parsed.fields.M).toContain(echo.address);
    // The proxy then hangs up with 1008 (policy violation), having never opened a TCP connection.
    expect(await closed).toBe(1008);
    expect(echo.connections).toBe(0);
    expect(echo.received).toEqual([]);
  }, 10_000);

  it('does not answer a disallowed address before the client speaks', async () => {
    const { echo, proxy } = await setup(() => []);
    const messages: Buffer[] = [];
    const ws = track(await open(`ws://${proxy.address}?address=${echo.address}`, (d) => messages.push(d)));
    // A ping's pong comes after everything the proxy sent on this connection before it read the ping.
    await roundTrip(ws);
    expect(messages).toEqual([]);
    expect(echo.connections).toBe(0);
    // Spoken to, it answers with the refusal.
    const reply = nextMessage(ws);
    ws.send(Buffer.from('x'), { binary: true });
    expect(parseErrorResponse((await reply).data).fields.C).toBe('08004');
    expect(messages).toHaveLength(1);
  });

  it('treats a missing or malformed address as not allowed', async () => {
    const { echo, proxy } = await setup();
    for (const query of ['', '?address=', `?address=${echo.address.replace(':', '')}`, `?address=localhost:${echo.port}`]) {
      const ws = track(await open(`ws://${proxy.address}${query}`));
      const reply = nextMessage(ws);
      ws.send(Buffer.from('x'), { binary: true });
      expect(parseErrorResponse((await reply).data).fields.C).toBe('08004');
      ws.terminate();
    }
    expect(echo.connections).toBe(0);
  });

  it('refuses WebSocket upgrades outside /v1', async () => {
    const { echo, proxy } = await setup();
    await expect(open(`ws://127.0.0.1:${proxy.port}/other?address=${echo.address}`)).rejects.toThrow();
    expect(echo.connections).toBe(0);
  });

  it('reports an unreachable allowed address as a Postgres error 08001', async () => {
    const closedPort = await freePort();
    const target = `127.0.0.1:${closedPort}`;
    const { proxy } = await setup(() => [target]);
    const ws = track(await open(`ws://${proxy.address}?address=${target}`));
    const reply = nextMessage(ws);
    ws.send(Buffer.from('startup'), { binary: true });
    const parsed = parseErrorResponse((await reply).data);
    expect(parsed.type).toBe('E');
    expect(parsed.fields.C).toBe('08001');
  });

  it('closing the client ends the TCP socket', async () => {
    const { echo, proxy } = await setup();
    const ws = track(await open(`ws://${proxy.address}?address=${echo.address}`));
    const reply = nextMessage(ws);
    ws.send(Buffer.from('hi'), { binary: true });
    await reply;
    expect(echo.connections).toBe(1);
    ws.close(1000);
    await echo.closed;
    // A clean FIN (end), not a reset.
    expect(echo.events).toEqual(['end', 'close']);
  });

  it('the upstream closing closes the WebSocket with 1000', async () => {
    const { echo, proxy } = await setup();
    const ws = track(await open(`ws://${proxy.address}?address=${echo.address}`));
    const closed = closeEvent(ws);
    const reply = nextMessage(ws);
    ws.send(Buffer.from('hi'), { binary: true });
    await reply;
    for (const s of echo.sockets) s.end();
    expect(await closed).toBe(1000);
  });

  it('close() closes open clients with 1001 and their TCP sockets', async () => {
    const echo = await startEcho();
    cleanups.push(() => closeEcho(echo));
    const proxy: WsProxy = await startWsProxy([echo.address]);
    const ws = track(await open(`ws://${proxy.address}?address=${echo.address}`));
    const reply = nextMessage(ws);
    ws.send(Buffer.from('hi'), { binary: true });
    await reply;
    const closed = closeEvent(ws);
    await proxy.close();
    expect(await closed).toBe(1001);
    await echo.closed;
    expect(echo.events).toContain('end');
  });
});

describe('postgresError', () => {
  it('encodes an ErrorResponse whose length counts the bytes after the type byte', () => {
    const frame = postgresError('08004', 'proxy: nope');
    expect(frame[0]).toBe('E'.charCodeAt(0));
    expect(frame.readInt32BE(1)).toBe(frame.length - 1);
    expect(frame[frame.length - 1]).toBe(0);
    expect(frame[frame.length - 2]).toBe(0);
    expect(parseErrorResponse(frame).fields).toEqual({ S: 'FATAL', V: 'FATAL', C: '08004', M: 'proxy: nope' });
  });

  it('counts bytes, not characters, for non-ASCII messages', () => {
    const frame = postgresError('08001', 'café ☕');
    expect(frame.readInt32BE(1)).toBe(frame.length - 1);
    expect(parseErrorResponse(frame).fields.M).toBe('café ☕');
  });
});

describe('postgresAddress', () => {
  it('returns host:port of a postgres URL, with 5432 by default', () => {
    expect(postgresAddress('postgres://u:p@127.0.0.1:6543/db')).toBe('127.0.0.1:6543');
    expect(postgresAddress('postgres://u:p@db.example.com/db')).toBe('db.example.com:5432');
    expect(postgresAddress('postgresql://localhost/db?sslmode=disable')).toBe('localhost:5432');
  });
});

const pgBin = findPostgresBinDir();

describe('through a real Postgres with the Neon driver', () => {
  const title = pgBin
    ? 'runs a query and pool.end() resolves without errors'
    : 'SKIPPED: no PostgreSQL binaries found (install postgresql or set PG_BIN to its bin dir)';
  it.skipIf(!pgBin)(
    title,
    async () => {
      const db: Database = await startPostgresCluster(pgBin as string);
      cleanups.push(() => db.stop());
      const proxy = await startWsProxy([postgresAddress(db.url)]);
      cleanups.push(() => proxy.close());

      useProxy(proxy);

      // Every WebSocket the driver opens, so the test can wait until each has closed.
      const closes: Promise<void>[] = [];
      neonConfig.webSocketConstructor = class extends globalThis.WebSocket {
        constructor(url: string | URL, protocols?: string | string[]) {
          super(url, protocols);
          closes.push(new Promise((resolve) => this.addEventListener('close', () => resolve())));
        }
      };
      cleanups.push(() => {
        neonConfig.webSocketConstructor = undefined;
      });

      const pool = new Pool({ connectionString: db.url, max: 2 });
      const errors: unknown[] = [];
      pool.on('error', (err: Error) => errors.push(err));
      const { rows } = await pool.query('SELECT 1 AS one');
      expect(rows).toEqual([{ one: 1 }]);
      const [a, b] = await Promise.all([pool.query('SELECT 2 AS two'), pool.query('SELECT pg_backend_pid() AS pid')]);
      expect(a.rows).toEqual([{ two: 2 }]);
      expect(typeof b.rows[0]?.pid).toBe('number');

      await expect(pool.end()).resolves.toBeUndefined();
      // A late "Network connection lost" would come from a socket's error or close: wait until every socket has
      // closed, and for the callbacks queued by those events to run.
      expect(closes.length).toBeGreaterThanOrEqual(2);
      await Promise.all(closes);
      await new Promise((r) => setImmediate(r));
      expect(errors).toEqual([]);

      // A disallowed cluster address is refused with the proxy's error, not a hang.
      const other = new Pool({ connectionString: db.url.replace(/:(\d+)\//, ':1/'), max: 1 });
      other.on('error', () => {});
      await expect(other.query('SELECT 1')).rejects.toThrow(/not allowed/);
      await other.end().catch(() => {});
    },
    90_000,
  );
});

/** Frontend messages as the driver writes them: the startup message, then typed messages. */
function startupMessage(): Buffer {
  const params = Buffer.from('user\0postgres\0database\0postgres\0\0', 'utf8');
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + params.length, 0);
  head.writeInt32BE(196608, 4);
  return Buffer.concat([head, params]);
}

function typed(type: string, payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'ascii');
  head.writeInt32BE(payload.length + 4, 1);
  return Buffer.concat([head, payload]);
}

const TERMINATE = typed('X', Buffer.alloc(0));

describe('terminateWatcher', () => {
  it('sees Terminate after the startup message, whatever the chunking', () => {
    const ssl = Buffer.alloc(8);
    ssl.writeInt32BE(8, 0);
    ssl.writeInt32BE(80877103, 4);
    const stream = Buffer.concat([ssl, startupMessage(), typed('Q', Buffer.from('SELECT 1\0')), TERMINATE]);
    for (const size of [1, 2, 3, 5, 7, stream.length]) {
      const watch = terminateWatcher();
      const seen: boolean[] = [];
      for (let i = 0; i < stream.length; i += size) seen.push(watch(stream.subarray(i, i + size)));
      expect(seen.at(-1)).toBe(true);
      expect(seen.slice(0, -1).every((s) => !s)).toBe(true);
    }
  });

  it('does not mistake an X byte inside another message for Terminate', () => {
    const watch = terminateWatcher();
    expect(watch(startupMessage())).toBe(false);
    // A query whose text holds the exact bytes of a Terminate message.
    expect(watch(typed('Q', Buffer.concat([Buffer.from('SELECT '), TERMINATE, Buffer.from('\0')])))).toBe(false);
    expect(watch(TERMINATE)).toBe(true);
  });
});

describe('through PGlite with the Neon driver', () => {
  it('closes the connection after pool.end(), since PGlite keeps it open after Terminate', async () => {
    const db = await startPglite();
    cleanups.push(() => db.stop());
    const proxy = await startWsProxy([postgresAddress(db.url)]);
    cleanups.push(() => proxy.close());
    useProxy(proxy);

    const pool = new Pool({ connectionString: db.url, max: 1 });
    pool.on('error', () => {});
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    expect(proxy.openConnections()).toBe(1);
    await pool.end();
    // Waits for the positive signal; without the Terminate handling the connection stays open forever.
    const deadline = Date.now() + 5_000;
    while (proxy.openConnections() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(proxy.openConnections()).toBe(0);
  }, 60_000);
});
