import { createRequire } from 'node:module';

/**
 * autocannon (CommonJS, no bundled types) loaded through require, with the part of its API the bench uses.
 * Result fields are documented in node_modules/autocannon/README.md ("Results").
 */
type Histogram = { average: number; mean: number; stddev: number; min: number; max: number; total: number; p50: number; p99: number };

export type AutocannonResult = {
  url: string;
  requests: Histogram; // per-second samples; `total` is every request sent
  latency: Histogram; // milliseconds
  errors: number;
  timeouts: number;
  non2xx: number;
  duration: number;
  statusCodeStats: Record<string, { count: number }>;
};

/** What autocannon turns into the bytes of one request; setupRequest may return a changed copy. */
export type RawRequest = { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer };

export type AutocannonRequest = RawRequest & {
  /** Called before every request of this entry (per-request keys, tokens, bodies); must return the request. */
  setupRequest?: (request: RawRequest, context: Record<string, unknown>) => RawRequest;
  /** Called with every response to this entry (autocannon then also reads the body). */
  onResponse?: (status: number, body: string, context: Record<string, unknown>, headers: Record<string, string>) => void;
};

export type AutocannonOptions = {
  url: string;
  connections?: number;
  duration?: number;
  /** A number of requests instead of a duration. */
  amount?: number;
  timeout?: number;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  requests?: AutocannonRequest[];
};

type Instance = { stop(): void };
type Autocannon = (opts: AutocannonOptions, cb: (err: Error | null, result: AutocannonResult) => void) => Instance;

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

let running: Instance | null = null;

/** Runs one load test; only loopback URLs are accepted so the bench can never send traffic elsewhere. */
export function load(opts: AutocannonOptions): Promise<AutocannonResult> {
  const host = new URL(opts.url).hostname;
  if (host !== '127.0.0.1') return Promise.reject(new Error(`refusing to load ${opts.url}: the bench only targets 127.0.0.1`));
  return new Promise((resolve, reject) => {
    running = autocannon(opts, (err, result) => {
      running = null;
      if (err) reject(err);
      else resolve(result);
    });
  });
}

/** Stops the load test in progress, if any (Ctrl-C). */
export function stopLoad(): void {
  running?.stop();
}
