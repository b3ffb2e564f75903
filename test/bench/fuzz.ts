import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { DevSecrets } from '../../dev/keys.ts';
import { type FuzzCase, type FuzzTarget, listOperations, sampleCases } from '../fuzz/engine.ts';
import { existingIds, type FixtureCall, fixtureHints, makeFixtures } from '../fuzz/fixtures.ts';
import type { OpenApiDoc, Role } from '../fuzz/openapi-arbitraries.ts';
import { errorEnvelopeProblems, type Finding, judge, prepare, repro, type Signers, summarize } from '../fuzz/oracle.ts';
import { ms, type PaymentBenchOptions, percentile, send } from './payments/shared.ts';
import { formatColumns, formatKeyValue } from './table.ts';
import type { Signer } from './tokens.ts';

/**
 * `BENCH_ONLY=fuzz npm run bench` (FUZZ_REQUESTS, default 10,000; FUZZ_SEED; FUZZ_CONCURRENCY, default 4): the
 * generator of the in-suite fuzz test (test/fuzz/) run longer against the dev stack over HTTP. Prints requests by
 * status class, answers ≥ 500 (must be 0), error-format violations, contract answers missed (NUL, surrogates,
 * deep nesting → 422; 415; 405; unsigned webhook → 400; 413), with GET /health latency sampled during the same
 * run. Then it copies the stack's log to test/artifacts/fuzz-dev.log and counts what must never be logged
 * there: e-mail addresses, phone numbers, JWTs, the dev secrets, card-like numbers (0 expected for each).
 * Like the other benches it reports and never fails the run.
 */

const HEALTH_EVERY = 25;

export async function runFuzzBench(o: PaymentBenchOptions, sign: Signer): Promise<void> {
  const total = Number(process.env.FUZZ_REQUESTS ?? 10_000);
  const seed = Number(process.env.FUZZ_SEED ?? 20_261_207);
  const concurrency = Math.max(1, Number(process.env.FUZZ_CONCURRENCY ?? 4));
  const tenant = `fuzz-bench-${Date.now().toString(36)}`;
  const secrets = JSON.parse(readFileSync(path.join(o.root, '.wrangler', 'dev', 'secrets.json'), 'utf8')) as DevSecrets;
  o.say(`fuzz: ${total} requests, seed ${seed}, concurrency ${concurrency}, tenant ${tenant}`);

  // Subjects rotate (per-user limit 60/min), tokens are cached per subject.
  const tokens = new Map<string, Promise<string>>();
  const uses = new Map<string, number>();
  const token = (role: Role, sub?: string) => {
    const n = (uses.get(role) ?? 0) + 1;
    uses.set(role, n);
    const subject = sub ?? `fzb-${role}-${Math.floor(n / 40)}`;
    let t = tokens.get(`${role}:${subject}`);
    if (!t) {
      t = sign({ sub: subject, tenant, role });
      tokens.set(`${role}:${subject}`, t);
    }
    return t;
  };
  const signers: Signers = {
    token: (role) => token(role),
    stripeWebhookSecret: secrets.stripeWebhookSecret,
    squareSignatureKey: secrets.squareSignatureKey,
    squareNotificationUrl: `${o.baseUrl}/api/v1/webhooks/square`,
    internalServiceSecret: secrets.internalServiceSecret,
    internalService: 'order-service',
  };

  const fixtureCall: FixtureCall = async (method, url, body, role, sub) => {
    const headers: Record<string, string> = { authorization: `Bearer ${await token(role, sub)}`, 'content-type': 'application/json' };
    if (/process|refund/.test(url)) headers['idempotency-key'] = crypto.randomUUID();
    const r = await send(`${o.baseUrl}${url}`, { method, headers, body: JSON.stringify(body) }, o.signal);
    if (r.status < 200 || r.status >= 300)
      throw new Error(`fixture ${method} ${url} answered ${r.status || r.error}: ${r.text.slice(0, 200)}`);
    return JSON.parse(r.text);
  };

  const docReply = await send(`${o.baseUrl}/openapi.json`, {}, o.signal);
  if (docReply.status !== 200) throw new Error(`GET /openapi.json answered ${docReply.status || docReply.error}`);
  const doc = JSON.parse(docReply.text) as OpenApiDoc;
  const fx = await makeFixtures(tenant, fixtureCall);
  const maxBodyBytes = Number(
    /^MAX_BODY_BYTES\s*=\s*"(\d+)"/m.exec(readFileSync(path.join(o.root, 'wrangler.toml'), 'utf8'))?.[1] ?? 1_048_576,
  );
  const target: FuzzTarget = { doc, existing: existingIds(fx), maxBodyBytes, hints: fixtureHints(fx) };
  const ids = { transactionIds: [fx.transactionId], checkoutSessionIds: [fx.checkoutSessionId], tenant };
  const ops = listOperations(doc);
  const perOp = Math.ceil(total / ops.length);
  // Interleave operations so every part of the app is under fuzz for the whole run.
  const byOp = ops.map((op) => sampleCases(target, op, ids, seed, perOp));
  const cases: FuzzCase[] = [];
  for (let i = 0; i < perOp && cases.length < total; i++)
    for (const list of byOp) if (list[i] && cases.length < total) cases.push(list[i] as FuzzCase);

  const classes = new Map<string, number>();
  const findings: Finding[] = [];
  let formatViolations = 0;
  let networkErrors = 0;
  const health: number[] = [];
  const fuzzMs: number[] = [];
  let next = 0;
  const started = performance.now();

  const worker = async () => {
    for (;;) {
      if (o.signal.aborted) return;
      const gone = o.stackGone();
      if (gone) throw new Error(gone);
      const i = next++;
      const c = cases[i];
      if (!c) return;
      if (i > 0 && i % 1000 === 0) o.say(`fuzz: ${i} requests sent, ${classes.get('5xx') ?? 0} answers ≥ 500 so far`);
      if (i % HEALTH_EVERY === 0) {
        const h = await send(`${o.baseUrl}/health`, {}, o.signal);
        if (h.status === 200) health.push(h.ms);
      }
      const out = await prepare(c, signers);
      const r = await send(`${o.baseUrl}${out.url}`, { method: out.method, headers: out.headers, body: out.body }, o.signal);
      if (r.status === 0 || !r.headers) {
        networkErrors++;
        continue;
      }
      fuzzMs.push(r.ms);
      const klass = `${Math.floor(r.status / 100)}xx`;
      classes.set(klass, (classes.get(klass) ?? 0) + 1);
      const reply = { status: r.status, headers: r.headers, text: r.text, ms: r.ms };
      if (r.status >= 400 && errorEnvelopeProblems(reply).length) formatViolations++;
      for (const f of judge(c, reply)) {
        f.curl = repro(c, out, o.baseUrl);
        findings.push(f);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const done = [...classes.values()].reduce((a, b) => a + b, 0);
  const fiveHundreds = classes.get('5xx') ?? 0;
  const missed = findings.filter((f) => f.klass.startsWith('expected') || f.klass.startsWith('422 does not')).length;

  const rows = [
    [
      `fuzz (${ops.length} operations)`,
      String(done),
      ...['2xx', '3xx', '4xx'].map((k) => String(classes.get(k) ?? 0)),
      String(fiveHundreds),
      String(formatViolations),
      String(missed),
      (done / seconds).toFixed(1),
      ms(percentile(fuzzMs, 50)),
      ms(percentile(fuzzMs, 99)),
    ],
    ['GET /health (same run)', String(health.length), '', '', '', '', '', '', '', ms(percentile(health, 50)), ms(percentile(health, 99))],
  ];
  console.log(
    `\n${formatColumns(
      ['route', 'requests', '2xx', '3xx', '4xx', '≥500 (must be 0)', 'format violations', 'contract missed', 'req/s', 'p50 ms', 'p99 ms'],
      rows,
    )}\n`,
  );
  console.log(
    `seed ${seed}, ${concurrency} concurrent, ${seconds.toFixed(1)} s, ${networkErrors} network errors; /health sampled every ${HEALTH_EVERY} requests\n`,
  );
  if (findings.length) console.log(`fuzz failures by defect:\n${summarize(findings)}\n`);

  // The stack's log, kept where it can be grepped again, and checked here for what must never be in it.
  const artifact = path.join(o.root, 'test', 'artifacts', 'fuzz-dev.log');
  mkdirSync(path.dirname(artifact), { recursive: true });
  copyFileSync(o.logFile, artifact);
  const log = readFileSync(artifact, 'utf8');
  const secretValues = Object.entries(secrets)
    .filter(([k, v]) => typeof v === 'string' && v.length >= 12 && !/PublicKey|Kid|Alg|ClientId|ApiUser/i.test(k))
    .map(([, v]) => v as string);
  const counts: Array<[string, string]> = [
    ['e-mail addresses', String(count(log, /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g))],
    ['phone numbers (+E.164)', String(count(log, /\+[1-9]\d{7,14}\b/g))],
    ['JWTs', String(count(log, /eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g))],
    ['dev secrets (values)', String(secretValues.reduce((n, v) => n + log.split(v).length - 1, 0))],
    [
      'key-like strings (sk_/whsec_/Bearer)',
      String(count(log, /\b(?:sk_(?:test|live)_[A-Za-z0-9]+|whsec_[A-Za-z0-9]+|Bearer\s+[A-Za-z0-9._-]{20,})/g)),
    ],
    ['card-like numbers (Luhn, 15–19 digits)', String(cardLike(log))],
  ];
  console.log(`${formatKeyValue(`stack log ${artifact} (${log.length} bytes)`, counts)}\n`);
  if (fiveHundreds > 0) o.say(`warning: ${fiveHundreds} answers ≥ 500`);
  if (counts.some(([, v]) => v !== '0')) o.say(`warning: the stack's log holds data it must not (see ${artifact})`);
}

function count(text: string, re: RegExp): number {
  return text.match(re)?.length ?? 0;
}

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * Card-like numbers passing the Luhn check: 15–19 digits in one run, or 4-digit groups split by spaces or dashes.
 * Not part of a longer token (a UUID's digits, a hex id), and 13-digit runs are left out: mostly epoch ms.
 */
function cardLike(text: string): number {
  let n = 0;
  for (const m of text.matchAll(/(?<![\w.-])(?:\d{15,19}|\d{4}(?:([ -])\d{4}){2}[ -]\d{3,7})(?![\w.-])/g))
    if (luhn(m[0].replace(/[ -]/g, ''))) n++;
  return n;
}
