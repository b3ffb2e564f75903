import { describe, expect, it } from 'vitest';
import { WranglerOutput } from '../../dev/dev-log.ts';

/** What `wrangler dev` prints, chunk by chunk, and what `npm run dev` shows of it: JSON lines only. */
const WORKER_LINE = '{"level":"info","time":"2026-12-07T09:08:52.594Z","msg":"request","method":"GET","path":"/health","status":200}';

function run(chunks: string[]) {
  const output = new WranglerOutput();
  const lines = [...chunks.flatMap((c) => output.write(c)), ...output.end()];
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('wrangler dev output', () => {
  it('passes the Worker’s JSON lines through unchanged and drops wrangler’s own request lines', () => {
    const output = new WranglerOutput();
    const out = [
      ...output.write(`${WORKER_LINE}\n\u001b[32m[wrangler:info]\u001b[39m GET /health 200 OK (2164ms)\n`),
      ...output.write('[wrangler:info] POST /v1/checkout-sessions 401 Unauthorized (27ms)\n'),
      ...output.end(),
    ];
    expect(out).toEqual([WORKER_LINE]);
  });

  it('wraps every other line as one JSON object with level and source, folding indented lines into it', () => {
    const lines = run([
      'Using secrets defined in .dev.vars\n',
      '⎔ Starting local server...\n',
      '[wrangler:warn] Unable to fetch the `Request.cf` object! Falling back to a default placeholder...\n' +
        'Error: getaddrinfo ENOTFOUND workers.cloudflare.com\n    at GetAddrInfoReqWrap.onlookupall (node:dns:122:26)\n',
      '\u001b[31m✘ [ERROR]\u001b[0m Build failed\n\n',
      '[wrangler:info] Ready on http://127.0.0.1:8787\n',
    ]);
    expect(lines.map(({ level, msg, source }) => ({ level, msg, source }))).toEqual([
      { level: 'info', msg: 'Using secrets defined in .dev.vars', source: 'wrangler' },
      { level: 'info', msg: 'Starting local server...', source: 'wrangler' },
      { level: 'warn', msg: 'Unable to fetch the `Request.cf` object! Falling back to a default placeholder...', source: 'wrangler' },
      { level: 'info', msg: 'Error: getaddrinfo ENOTFOUND workers.cloudflare.com', source: 'wrangler' },
      { level: 'error', msg: 'Build failed', source: 'wrangler' },
      { level: 'info', msg: 'Ready on http://127.0.0.1:8787', source: 'wrangler' },
    ]);
    expect(lines[3]?.detail).toEqual(['at GetAddrInfoReqWrap.onlookupall (node:dns:122:26)']);
  });

  it('turns the bindings table into one line of names (values never printed), and says the same table once', () => {
    const table = [
      'Your Worker has access to the following bindings:\n',
      'Binding                                   Resource                  Mode\n',
      'env.PAYMENTS (PaymentDO)                  Durable Object            local\n',
      'env.OUTBOX_QUEUE (outbox)                 Queue                     local\n',
      'env.SERVICE_NAME ("edgepay")              Environment Variable      local\n',
      'env.STRIPE_SECRET_KEY ("(hidden)")        Environment Variable      local\n',
      '\n',
    ];
    const lines = run([...table, '⎔ Starting local server...\n', ...table]);
    expect(lines.map((l) => l.msg)).toEqual(['bindings', 'Starting local server...']);
    expect(lines[0]?.bindings).toEqual({
      'Durable Object': ['PAYMENTS'],
      Queue: ['OUTBOX_QUEUE'],
      'Environment Variable': ['SERVICE_NAME', 'STRIPE_SECRET_KEY'],
    });
    expect(JSON.stringify(lines)).not.toContain('edgepay"');
  });

  it('joins a line split across chunks', () => {
    const [line] = run([WORKER_LINE.slice(0, 20), `${WORKER_LINE.slice(20)}\n`]);
    expect(line?.msg).toBe('request');
  });
});
