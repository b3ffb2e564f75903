import fc from 'fast-check';
import {
  type Caller,
  type ContentTypeMode,
  contentTypeArb,
  type Expectation,
  encodeParam,
  fieldName,
  type Hints,
  listOperations,
  type MutatedBody,
  mutatedBodyArb,
  type OpenApiDoc,
  type Operation,
  type Param,
  type ParamMode,
  type ParamValue,
  paramArb,
  ROLES,
  toJson,
  unlistedMethods,
  valueArb,
} from './openapi-arbitraries.ts';

/**
 * One fuzz request per sample: an operation of the document, a caller, parameters (existing ids, valid or
 * mutated values), a body (valid or mutated) and its content type; plus what the answer must be when the
 * input is one the contract names (NUL, lone surrogates, deep nesting → 422; wrong content type → 415; wrong
 * method → 405; unsigned webhook → 400; over MAX_BODY_BYTES → 413). Signing (JWTs, internal HMAC, Stripe
 * and Square webhook signatures) happens when the request is sent, by the harness's `Signers`.
 */

export type FuzzTarget = {
  doc: OpenApiDoc;
  /** Ids of objects that exist, for an operation's path parameter (empty: none). */
  existing: (op: Operation, param: string) => string[];
  maxBodyBytes: number;
  /** Property values the services accept (existing ids, supported currencies…): see Hints. */
  hints?: Hints;
};

export type WebhookSigning = 'none' | 'garbage' | 'signed' | 'stale';

export type FuzzCase = {
  op: Operation;
  kind: 'body' | 'params' | 'method' | 'webhook';
  caller: Caller;
  /** Internal HMAC headers are added (operations secured by internalHmac). */
  signInternal: boolean;
  webhookSigning: WebhookSigning;
  method: string;
  /** Path with query, encoded. */
  url: string;
  pathParams: Record<string, string>;
  headers: Record<string, string>;
  contentType: ContentTypeMode;
  body: string | undefined;
  bodyValue: unknown;
  mutation: string;
  field: string | undefined;
  expect: Expectation | undefined;
};

const STRIPE_WEBHOOKS = new Set(['/api/v1/webhooks/stripe', '/v1/payments/stripe/webhooks']);
const SQUARE_WEBHOOKS = new Set(['/api/v1/webhooks/square']);
const isWebhook = (op: Operation) => /webhooks/.test(op.path);

function callerArb(op: Operation): fc.Arbitrary<Caller> {
  if (op.security !== 'bearer') return fc.constant<Caller>('none');
  return fc.oneof(
    { weight: 10, arbitrary: fc.constantFrom<Caller>(...ROLES) },
    { weight: 1, arbitrary: fc.constant<Caller>('none') },
    { weight: 1, arbitrary: fc.constant<Caller>('garbage-token') },
  );
}

type BuiltParams = { values: Record<string, ParamValue>; headers: Record<string, string>; expect: Expectation | undefined; field?: string };

function paramsArb(target: FuzzTarget, op: Operation, mutate: boolean): fc.Arbitrary<BuiltParams> {
  const urlParams = op.params.filter((p) => p.in !== 'header');
  const idem = op.params.find((p) => p.in === 'header' && p.name === 'idempotency-key');
  const modeArb = (p: Param): fc.Arbitrary<ParamMode> =>
    target.existing(op, p.name).length ? fc.constantFrom<ParamMode>('existing', 'existing', 'valid') : fc.constant<ParamMode>('valid');
  const one = (p: Param, mode: ParamMode) => paramArb(p, target.doc, target.existing(op, p.name), mode);
  const include = (p: Param) => (p.required ? fc.constant(true) : fc.boolean());

  // One thing wrong at a time: a URL parameter (index ≥ 0), or else the Idempotency-Key header (-1).
  const validValues = fc.tuple(
    ...urlParams.map((p) =>
      fc.tuple(
        include(p),
        modeArb(p).chain((m) => one(p, m)),
      ),
    ),
  ) as fc.Arbitrary<Array<[boolean, ParamValue]>>;
  const lowest = idem ? -1 : 0;
  const mutatedIndex = mutate && (urlParams.length || idem) ? fc.integer({ min: lowest, max: urlParams.length - 1 }) : fc.constant(-2);
  const badIdem = fc.constantFrom<string | undefined>(undefined, '', 'not-a-uuid', '7F1C2D3E-4B5A-4C6D-8E9F-0A1B2C3D4E5F', 'x'.repeat(300));

  return fc.tuple(validValues, mutatedIndex).chain(([values, mi]) => {
    const target_ = mi >= 0 ? urlParams[mi] : undefined;
    const mutated = target_ ? one(target_, 'mutated') : fc.constant<ParamValue | undefined>(undefined);
    const idemArb: fc.Arbitrary<string | undefined> = !idem ? fc.constant(undefined) : mi === -1 ? badIdem : fc.uuid({ version: 4 });
    return fc.tuple(mutated, idemArb).map(([mv, idemKey]) => {
      const out: Record<string, ParamValue> = {};
      urlParams.forEach((p, i) => {
        const [inc, v] = values[i] as [boolean, ParamValue];
        if (inc || p.in === 'path') out[p.name] = v;
      });
      if (target_ && mv) out[target_.name] = mv;
      const headers: Record<string, string> = {};
      if (idemKey !== undefined) headers['idempotency-key'] = idemKey;
      return { values: out, headers, expect: mv?.expect, ...(target_ && mv ? { field: target_.name } : {}) };
    });
  });
}

function buildUrl(op: Operation, values: Record<string, ParamValue>): { url: string; pathParams: Record<string, string> } {
  const pathParams: Record<string, string> = {};
  let path = op.path;
  for (const p of op.params.filter((x) => x.in === 'path')) {
    const v = values[p.name] ?? { raw: 'x', encoded: false };
    pathParams[p.name] = v.raw;
    path = path.replace(`{${p.name}}`, encodeParam(v));
  }
  const query = op.params
    .filter((p) => p.in === 'query' && values[p.name])
    .map((p) => `${encodeURIComponent(p.name)}=${encodeParam(values[p.name] as ParamValue)}`);
  return { url: query.length ? `${path}?${query.join('&')}` : path, pathParams };
}

function jsonBody(mb: MutatedBody): string | undefined {
  if (mb.text !== undefined) return mb.text;
  if (mb.value === undefined) return undefined;
  return toJson(mb.value);
}

/** Mutations the app's input guard refuses with 422 before routing, authentication or signatures. */
const UNSTORABLE_MUTATIONS = new Set<string>(['nul', 'lone-surrogate', 'deep-nesting']);

/** Expectation for a body case: the contract's answer when the input is one it names. */
function bodyExpectation(op: Operation, ct: ContentTypeMode, mb: MutatedBody): Expectation | undefined {
  if (mb.mutation === 'too-large') return mb.expect;
  // Text that can never be stored and over-deep JSON are refused before any route runs, so with a wrong
  // content type as well either refusal (422 or 415) is a right answer.
  if (ct.kind === 'wrong' && op.body && UNSTORABLE_MUTATIONS.has(mb.mutation)) return undefined;
  if (ct.kind === 'wrong' && op.body) return { kind: 'status', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' };
  if (ct.kind === 'json' || ct.kind === 'json-charset') return mb.expect;
  return undefined;
}

function contentTypeHeader(ct: ContentTypeMode): Record<string, string> {
  switch (ct.kind) {
    case 'json':
      return { 'content-type': 'application/json' };
    case 'json-charset':
      return { 'content-type': 'application/json; charset=utf-8' };
    case 'wrong':
      return { 'content-type': ct.type };
    case 'none':
      return {};
  }
}

function bodyCaseArb(target: FuzzTarget, op: Operation): fc.Arbitrary<FuzzCase> {
  const bodyArb: fc.Arbitrary<MutatedBody> = op.body
    ? valueArb(op.body, target.doc, 0, target.hints).chain((valid) => mutatedBodyArb(valid, target.maxBodyBytes))
    : fc.constant({ mutation: 'none', value: undefined });
  return fc
    .tuple(
      callerArb(op),
      paramsArb(target, op, false),
      bodyArb,
      op.body ? contentTypeArb : fc.constant<ContentTypeMode>({ kind: 'json' }),
      fc.boolean(),
    )
    .map(([caller, params, mb, ct, signInternal]) => {
      const { url, pathParams } = buildUrl(op, params.values);
      const hasBody = op.method !== 'GET' && op.body !== undefined;
      return {
        op,
        kind: 'body' as const,
        caller,
        signInternal: op.security === 'internal' && signInternal,
        webhookSigning: 'none' as const,
        method: op.method,
        url,
        pathParams,
        headers: { ...params.headers, ...(hasBody ? contentTypeHeader(ct) : {}) },
        contentType: ct,
        body: hasBody ? jsonBody(mb) : undefined,
        bodyValue: mb.value,
        mutation: hasBody ? `body:${mb.mutation}${ct.kind === 'json' ? '' : `+ct:${ct.kind === 'wrong' ? ct.type : ct.kind}`}` : 'valid',
        field: mb.field,
        // An internal route's signature check comes before validation: only signed requests can be held to it.
        expect: hasBody && (op.security !== 'internal' || signInternal) ? bodyExpectation(op, ct, mb) : undefined,
      };
    });
}

function paramCaseArb(target: FuzzTarget, op: Operation): fc.Arbitrary<FuzzCase> {
  const bodyArb = op.body ? valueArb(op.body, target.doc, 0, target.hints) : fc.constant(undefined);
  return fc.tuple(callerArb(op), paramsArb(target, op, true), bodyArb, fc.boolean()).map(([caller, params, body, signInternal]) => {
    const { url, pathParams } = buildUrl(op, params.values);
    const hasBody = op.method !== 'GET' && op.body !== undefined;
    return {
      op,
      kind: 'params' as const,
      caller,
      signInternal: op.security === 'internal' && signInternal,
      webhookSigning: 'none' as const,
      method: op.method,
      url,
      pathParams,
      headers: { ...params.headers, ...(hasBody ? { 'content-type': 'application/json' } : {}) },
      contentType: { kind: 'json' as const },
      body: hasBody ? toJson(body) : undefined,
      bodyValue: body,
      mutation: params.field ? `param:${params.field}` : 'header:idempotency-key',
      field: params.field,
      expect: params.expect,
    };
  });
}

function methodCaseArb(target: FuzzTarget, op: Operation): fc.Arbitrary<FuzzCase | null> {
  const wrong = unlistedMethods(target.doc, op.path);
  if (!wrong.length) return fc.constant(null);
  return fc.tuple(fc.constantFrom(...wrong), callerArb(op), paramsArb(target, op, false)).map(([method, caller, params]) => {
    const { url, pathParams } = buildUrl(op, params.values);
    return {
      op,
      kind: 'method' as const,
      caller,
      signInternal: false,
      webhookSigning: 'none' as const,
      method,
      url,
      pathParams,
      headers: { ...params.headers, 'content-type': 'application/json' },
      contentType: { kind: 'json' as const },
      body: method === 'GET' ? undefined : '{}',
      bodyValue: {},
      mutation: `method:${method}`,
      field: undefined,
      expect: { kind: 'status' as const, status: 405, code: 'METHOD_NOT_ALLOWED' },
    };
  });
}

// ---------------------------------------------------------------------------------------------------------
// Webhooks: provider-shaped bodies, mutated, sent unsigned, with a garbage signature, or signed correctly.

export type WebhookIds = { transactionIds: string[]; checkoutSessionIds: string[]; tenant: string };

function stripeEventArb(ids: WebhookIds): fc.Arbitrary<unknown> {
  const txn = ids.transactionIds.length ? fc.constantFrom(...ids.transactionIds) : fc.uuid({ version: 4 });
  const cko = ids.checkoutSessionIds.length ? fc.constantFrom(...ids.checkoutSessionIds) : fc.constant('cko0');
  const type = fc.constantFrom(
    'payment_intent.succeeded',
    'payment_intent.payment_failed',
    'payment_intent.canceled',
    'charge.refunded',
    'refund.created',
    'refund.updated',
    'checkout.session.completed',
    'checkout.session.expired',
    'charge.dispute.created',
    'unknown.event',
  );
  const object = fc.oneof(
    fc.record({
      id: fc.stringMatching(/^pi_[A-Za-z0-9]{8,24}$/),
      object: fc.constant('payment_intent'),
      amount: fc.integer({ min: 0, max: 1_000_000 }),
      currency: fc.constantFrom('usd', 'eur', 'USD', ''),
      status: fc.constantFrom('succeeded', 'processing', 'requires_action', 'canceled'),
      metadata: fc.record({ transaction_id: txn, tenant_id: fc.constantFrom(ids.tenant, 'other-tenant') }),
    }),
    fc.record({
      id: fc.stringMatching(/^cs_test_[A-Za-z0-9]{8,24}$/),
      object: fc.constant('checkout.session'),
      amount_total: fc.integer({ min: 0, max: 1_000_000 }),
      payment_status: fc.constantFrom('paid', 'unpaid'),
      status: fc.constantFrom('complete', 'expired', 'open'),
      metadata: fc.record({ edgepay_session_id: cko, edgepay_tenant_id: fc.constant(ids.tenant), transaction_id: txn }),
    }),
    fc.record({
      id: fc.stringMatching(/^re_[A-Za-z0-9]{8,24}$/),
      object: fc.constant('refund'),
      amount: fc.integer({ min: -5, max: 1_000_000 }),
      payment_intent: fc.stringMatching(/^pi_[A-Za-z0-9]{8,24}$/),
      status: fc.constantFrom('succeeded', 'pending', 'failed'),
      metadata: fc.record({ transaction_id: txn, tenant_id: fc.constant(ids.tenant) }),
    }),
    fc.jsonValue({ maxDepth: 3 }),
  );
  return fc.record({
    id: fc.stringMatching(/^evt_[A-Za-z0-9]{8,24}$/),
    object: fc.constant('event'),
    type,
    created: fc.integer({ min: 0, max: 2_000_000_000 }),
    data: fc.record({ object }),
  });
}

function squareEventArb(ids: WebhookIds): fc.Arbitrary<unknown> {
  const ref = ids.transactionIds.length ? fc.constantFrom(...ids.transactionIds) : fc.uuid({ version: 4 });
  return fc.record({
    merchant_id: fc.string({ maxLength: 12 }),
    type: fc.constantFrom('payment.updated', 'payment.created', 'refund.updated', 'refund.created', 'unknown'),
    event_id: fc.uuid({ version: 4 }),
    created_at: fc.constantFrom(new Date().toISOString(), 'yesterday', ''),
    data: fc.record({
      type: fc.constantFrom('payment', 'refund'),
      id: fc.string({ maxLength: 20 }),
      object: fc.oneof(
        fc.record({
          payment: fc.record({
            id: fc.string({ maxLength: 20 }),
            status: fc.constantFrom('COMPLETED', 'FAILED', 'APPROVED', 'CANCELED'),
            amount_money: fc.record({ amount: fc.integer({ min: -5, max: 1_000_000 }), currency: fc.constantFrom('USD', 'usd', '') }),
            reference_id: fc.oneof(ref, fc.constant(null)),
            order_id: fc.string({ maxLength: 20 }),
          }),
        }),
        fc.jsonValue({ maxDepth: 3 }),
      ),
    }),
  });
}

function webhookCaseArb(target: FuzzTarget, op: Operation, ids: WebhookIds): fc.Arbitrary<FuzzCase> {
  const stripe = STRIPE_WEBHOOKS.has(op.path);
  const square = SQUARE_WEBHOOKS.has(op.path);
  const event: fc.Arbitrary<unknown> = stripe ? stripeEventArb(ids) : square ? squareEventArb(ids) : fc.jsonValue({ maxDepth: 3 });
  const signing: fc.Arbitrary<WebhookSigning> =
    stripe || square ? fc.constantFrom<WebhookSigning>('none', 'garbage', 'signed', 'signed', 'signed', 'stale') : fc.constant('none');
  const ct = fc.oneof({ weight: 6, arbitrary: fc.constant<ContentTypeMode>({ kind: 'json' }) }, { weight: 1, arbitrary: contentTypeArb });
  return fc
    .tuple(
      event.chain((e) => mutatedBodyArb(e, target.maxBodyBytes)),
      signing,
      ct,
      paramsArb(target, op, false),
    )
    .map(([mb, webhookSigning, contentType, params]) => {
      const { url, pathParams } = buildUrl(op, params.values);
      const hasBody = op.method !== 'GET';
      const tooLarge = hasBody && mb.mutation === 'too-large';
      return {
        op,
        kind: 'webhook' as const,
        caller: 'none' as const,
        signInternal: false,
        webhookSigning,
        method: op.method,
        url,
        pathParams,
        headers: hasBody ? contentTypeHeader(contentType) : {},
        contentType,
        body: hasBody ? jsonBody(mb) : undefined,
        bodyValue: mb.value,
        mutation: `webhook:${webhookSigning}:${mb.mutation}`,
        field: mb.field,
        // Unsigned or wrongly signed Stripe/Square notifications are refused whatever the body,
        // except that unstorable text and over-deep JSON are refused first, before any route runs.
        expect:
          tooLarge || (hasBody && contentType.kind !== 'wrong' && UNSTORABLE_MUTATIONS.has(mb.mutation))
            ? mb.expect
            : (stripe || square) && (webhookSigning === 'none' || webhookSigning === 'garbage' || webhookSigning === 'stale')
              ? { kind: 'status' as const, status: 400, code: 'WEBHOOK_SIGNATURE_INVALID' }
              : undefined,
      };
    });
}

/** Every case kind for one operation, weighted towards bodies (where most of the input is). */
export function caseArb(target: FuzzTarget, op: Operation, ids: WebhookIds): fc.Arbitrary<FuzzCase> {
  const method = methodCaseArb(target, op).filter((c): c is FuzzCase => c !== null);
  const hasWrongMethods = unlistedMethods(target.doc, op.path).length > 0;
  const options: Array<{ weight: number; arbitrary: fc.Arbitrary<FuzzCase> }> = [];
  if (isWebhook(op)) options.push({ weight: 8, arbitrary: webhookCaseArb(target, op, ids) });
  else options.push({ weight: op.body ? 8 : 4, arbitrary: bodyCaseArb(target, op) });
  if (op.params.some((p) => p.in !== 'header' || p.name === 'idempotency-key'))
    options.push({ weight: 3, arbitrary: paramCaseArb(target, op) });
  if (hasWrongMethods) options.push({ weight: 1, arbitrary: method });
  return fc.oneof(...options);
}

/** Deterministic samples for one operation (fixed seed; the path is part of it so operations differ). */
export function sampleCases(target: FuzzTarget, op: Operation, ids: WebhookIds, seed: number, runs: number): FuzzCase[] {
  let h = seed;
  for (const ch of op.id) h = (Math.imul(h, 31) + ch.charCodeAt(0)) | 0;
  return fc.sample(caseArb(target, op, ids), { seed: h, numRuns: runs });
}

export { fieldName, listOperations };
