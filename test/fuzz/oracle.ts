import type { FuzzCase } from './engine.ts';
import type { Role } from './openapi-arbitraries.ts';

/**
 * Sending a fuzz case (tokens, internal HMAC, Stripe and Square signatures added at the last moment) and
 * judging the answer: never 5xx; every error in the one envelope with a JSON content type and X-Request-Id;
 * and the contract's answer where the input is one it names (FuzzCase.expect).
 */

export type Secrets = {
  stripeWebhookSecret: string;
  squareSignatureKey: string;
  squareNotificationUrl: string;
  internalServiceSecret: string;
  internalService: string;
};

export type Signers = Secrets & {
  /** A valid JWT for `role` in the fuzz tenant; the harness rotates subjects so the per-user rate limit is not the answer. */
  token(role: Role): Promise<string>;
};

const enc = new TextEncoder();

async function hmac(key: string, data: string): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey('raw', enc.encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', k, enc.encode(data)));
}
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const b64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));

/** Stripe's scheme (what stripe.webhooks.generateTestHeaderString makes): t=<unix s>,v1=hex(HMAC(secret, "t.body")). */
export async function stripeSignature(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): Promise<string> {
  return `t=${timestamp},v1=${hex(await hmac(secret, `${timestamp}.${body}`))}`;
}

/** Square's scheme: base64(HMAC(key, notification URL + body)). */
export async function squareSignature(key: string, url: string, body: string): Promise<string> {
  return b64(await hmac(key, url + body));
}

export type Outgoing = { method: string; url: string; headers: Record<string, string>; body: string | undefined };

export async function prepare(c: FuzzCase, s: Signers): Promise<Outgoing> {
  const headers: Record<string, string> = { ...c.headers };
  if (c.caller === 'garbage-token') headers.authorization = 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.';
  else if (c.caller !== 'none') headers.authorization = `Bearer ${await s.token(c.caller)}`;
  const body = c.body;
  if (c.signInternal) {
    const ts = String(Math.floor(Date.now() / 1000));
    const path = c.url.split('?')[0] as string;
    headers['x-internal-service'] = s.internalService;
    headers['x-internal-timestamp'] = ts;
    headers['x-internal-signature'] = hex(
      await hmac(s.internalServiceSecret, `${s.internalService}\n${ts}\n${c.method}\n${path}\n${body ?? ''}`),
    );
  }
  if (c.kind === 'webhook' && c.webhookSigning !== 'none') {
    const raw = body ?? '';
    const stripe = /stripe/.test(c.op.path);
    if (c.webhookSigning === 'garbage')
      headers[stripe ? 'stripe-signature' : 'x-square-hmacsha256-signature'] = stripe ? 't=1,v1=00ff' : 'AAAA';
    else if (stripe)
      headers['stripe-signature'] = await stripeSignature(
        s.stripeWebhookSecret,
        raw,
        Math.floor(Date.now() / 1000) - (c.webhookSigning === 'stale' ? 3600 : 0),
      );
    else if (c.webhookSigning === 'stale')
      headers['x-square-hmacsha256-signature'] = await squareSignature(s.squareSignatureKey, 'https://wrong.example/', raw);
    else headers['x-square-hmacsha256-signature'] = await squareSignature(s.squareSignatureKey, s.squareNotificationUrl, raw);
  }
  return { method: c.method, url: c.url, headers, body };
}

export type Reply = { status: number; headers: Headers; text: string; ms: number };

export type Finding = {
  /** Groups findings that are the same defect: what was wrong × operation × input shape. */
  klass: string;
  detail: string;
  c: FuzzCase;
  status: number;
  response: string;
  /** curl command replaying the request (set by the harness, which knows the signed headers). */
  curl?: string;
};

const ENVELOPE_KEYS = new Set(['error', 'code', 'timestamp', 'path', 'requestId', 'errors']);
/** Answers that come before validation: no token / wrong role / rate limit. */
const BEFORE_VALIDATION = new Set([401, 403, 429]);

export function errorEnvelopeProblems(r: Reply): string[] {
  const problems: string[] = [];
  const ct = r.headers.get('content-type') ?? '';
  if (!/^application\/json\b/i.test(ct)) problems.push(`content-type "${ct}"`);
  const rid = r.headers.get('x-request-id');
  if (!rid) problems.push('no X-Request-Id header');
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(r.text) as Record<string, unknown>;
  } catch {
    return [...problems, 'body is not JSON'];
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return [...problems, 'body is not an object'];
  for (const k of ['error', 'code', 'timestamp', 'path', 'requestId'])
    if (typeof body[k] !== 'string') problems.push(`"${k}" missing or not a string`);
  const extra = Object.keys(body).filter((k) => !ENVELOPE_KEYS.has(k));
  if (extra.length) problems.push(`extra keys ${extra.join(',')}`);
  if (typeof body.code === 'string' && !/^[A-Z][A-Z0-9_]*$/.test(body.code)) problems.push(`code "${body.code}" not UPPER_SNAKE`);
  if (typeof body.timestamp === 'string' && Number.isNaN(Date.parse(body.timestamp))) problems.push('timestamp not a date');
  if (rid && typeof body.requestId === 'string' && body.requestId !== rid) problems.push('requestId differs from X-Request-Id');
  if (body.errors !== undefined) {
    const ok =
      Array.isArray(body.errors) &&
      body.errors.every((e) => e && typeof e === 'object' && typeof e.field === 'string' && typeof e.message === 'string');
    if (!ok) problems.push('errors[] not [{field,message}]');
  }
  return problems;
}

function related(a: string, b: string) {
  return a === b || a.startsWith(`${b}.`) || b.startsWith(`${a}.`);
}

/** The input shape without incidental detail, for grouping: "body:nul+ct:json-charset" → "body:nul". */
export function shape(c: FuzzCase): string {
  if (c.kind === 'method') return 'wrong method';
  if (c.contentType.kind === 'wrong' && c.kind === 'body') return 'non-JSON content type';
  return c.mutation.replace(/\+ct:.*$/, '');
}

export function judge(c: FuzzCase, r: Reply): Finding[] {
  const out: Finding[] = [];
  const add = (what: string, detail: string) =>
    out.push({ klass: `${what} | ${c.op.id} | ${shape(c)}`, detail, c, status: r.status, response: r.text.slice(0, 600) });
  let body: { code?: string; errors?: Array<{ field: string }> } = {};
  try {
    body = JSON.parse(r.text);
  } catch {}

  if (r.status >= 500) add(`status ${r.status}`, `${r.status} ${body.code ?? ''}`);
  if (r.status >= 400) {
    const problems = errorEnvelopeProblems(r);
    if (problems.length) add('error-format', problems.join('; '));
  }
  const e = c.expect;
  if (!e) return out;
  if (e.kind === 'status') {
    const early = e.status !== 413 && e.status !== 405 && BEFORE_VALIDATION.has(r.status);
    if (!early && (r.status !== e.status || body.code !== e.code))
      add(`expected ${e.status} ${e.code}`, `got ${r.status} ${body.code ?? ''}`);
    return out;
  }
  if (BEFORE_VALIDATION.has(r.status)) return out;
  if (r.status !== 422 || body.code !== 'VALIDATION_ERROR') {
    add(`expected 422 VALIDATION_ERROR`, `got ${r.status} ${body.code ?? ''}${e.kind === 'validation-field' ? ` (field ${e.field})` : ''}`);
    return out;
  }
  if (e.kind === 'validation-field' && !(body.errors ?? []).some((x) => related(x.field, e.field)))
    add('422 does not name the field', `field ${e.field}; errors ${JSON.stringify(body.errors)}`);
  return out;
}

/** A curl command that replays the case (bodies over 2 KB are described, not inlined). */
export function repro(c: FuzzCase, o: Outgoing, baseUrl: string): string {
  const h = Object.entries(o.headers)
    .filter(([k]) => k !== 'authorization')
    .map(([k, v]) => `-H '${k}: ${v.length > 80 ? `${v.slice(0, 40)}…` : v}'`);
  if (o.headers.authorization) h.unshift(`-H "Authorization: Bearer $${c.caller.toUpperCase().replace('-', '_')}_TOKEN"`);
  let data = '';
  if (o.body !== undefined) {
    data =
      o.body.length <= 2048
        ? ` --data-binary '${o.body.replace(/'/g, "'\\''")}'`
        : ` --data-binary @<(${c.mutation.includes('deep') ? `a 5000-level nested JSON at ${c.field}` : `${o.body.length} bytes: ${c.mutation} at ${c.field}`})`;
  }
  return `curl -s -X ${o.method} '${baseUrl}${o.url.length > 300 ? `${o.url.slice(0, 300)}…` : o.url}' ${h.join(' ')}${data}`;
}

/** Findings grouped by defect (what × input shape) across operations, one reproduction each: the report. */
export function summarize(findings: Finding[]): string {
  const groups = new Map<string, Finding[]>();
  for (const f of findings) {
    const [what, , how] = f.klass.split(' | ');
    const key = `${what} | ${how}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  return [...groups]
    .map(([key, fs]) => {
      const ops = [...new Set(fs.map((f) => f.c.op.id))];
      const first = fs[0] as Finding;
      return `${key} — ${fs.length}× on ${ops.length} operation(s): ${ops.join(', ')}\n    e.g. ${first.detail}\n    ${first.curl ?? ''}\n    → ${first.status} ${first.response.slice(0, 240)}`;
    })
    .join('\n');
}
