import http from 'node:http';
import type net from 'node:net';
import { freePort } from '../ports.ts';

export type OutageProxy = { url: string; setDown(down: boolean): void; close(): Promise<void> };

/**
 * A JSON-RPC forwarder in front of a local chain, so tests can take the chain away and give it back
 * without losing its state: `POST /__outage {"down": true}` (or `setDown`) makes every later connection
 * close at once, as a node that has gone away does, until `{"down": false}`.
 */
export async function startOutageProxy(target: string): Promise<OutageProxy> {
  let down = false;
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    if (req.url === '/__outage' && req.method === 'POST') {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        down = Boolean((JSON.parse(body || '{}') as { down?: boolean }).down);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ down }));
      });
      return;
    }
    if (down) {
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      try {
        const upstream = await fetch(target, {
          method: req.method,
          headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
          body: req.method === 'GET' || req.method === 'HEAD' ? undefined : Buffer.concat(chunks),
        });
        res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
        res.end(Buffer.from(await upstream.arrayBuffer()));
      } catch {
        req.socket.destroy();
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    setDown(value: boolean) {
      down = value;
      if (down) for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
