import fc from 'fast-check';

/**
 * Request generators built from the app's own OpenAPI 3.1 document (GET /openapi.json): for each operation,
 * valid values from its JSON Schemas (so requests get past validation into the services and objects), and
 * mutations of them (wrong types, missing and extra fields, extreme numbers, NUL and lone surrogates, deep
 * nesting, oversized strings, wrong content types, wrong methods). Plain fast-check and web APIs only: the
 * Worker test (test/routes/fuzz.test.ts) and the Node bench (test/bench/fuzz.ts) share it.
 */

export type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  nullable?: boolean;
  default?: unknown;
  [key: string]: unknown;
};

type ParameterObject = { name: string; in: 'path' | 'query' | 'header' | 'cookie'; required?: boolean; schema?: JsonSchema };
type OperationObject = {
  parameters?: ParameterObject[];
  requestBody?: { required?: boolean; content: Record<string, { schema?: JsonSchema }> };
  security?: Array<Record<string, unknown>>;
};
export type OpenApiDoc = {
  paths: Record<string, Record<string, OperationObject>>;
  components?: { schemas?: Record<string, JsonSchema> };
};

export type Param = { name: string; in: 'path' | 'query' | 'header'; required: boolean; schema: JsonSchema };
export type Security = 'bearer' | 'internal' | 'none';
export type Operation = {
  /** "POST /v1/checkout-sessions" */
  id: string;
  method: string;
  path: string;
  params: Param[];
  body: JsonSchema | undefined;
  bodyRequired: boolean;
  security: Security;
};

export const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

export function listOperations(doc: OpenApiDoc): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!(METHODS as readonly string[]).includes(method)) continue;
      const params = (op.parameters ?? [])
        .filter((p): p is ParameterObject & { in: Param['in'] } => p.in !== 'cookie')
        .map((p) => ({ name: p.name, in: p.in, required: p.required ?? p.in === 'path', schema: p.schema ?? {} }));
      const json = op.requestBody?.content['application/json']?.schema;
      const security: Security = op.security?.some((s) => 'internalHmac' in s)
        ? 'internal'
        : op.security?.some((s) => 'bearerAuth' in s)
          ? 'bearer'
          : 'none';
      ops.push({
        id: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        params,
        body: json,
        bodyRequired: op.requestBody?.required ?? false,
        security,
      });
    }
  }
  return ops;
}

/** Methods the document does not list for a path (a request with one should be 405). */
export function unlistedMethods(doc: OpenApiDoc, path: string): string[] {
  const listed = new Set(Object.keys(doc.paths[path] ?? {}));
  return METHODS.filter((m) => !listed.has(m) && !(m === 'get' && listed.has('head'))).map((m) => m.toUpperCase());
}

/** Resolves $ref and folds allOf into one schema (the document uses allOf only to add descriptions). */
export function deref(schema: JsonSchema, doc: OpenApiDoc): JsonSchema {
  let s = schema;
  for (let i = 0; s.$ref && i < 20; i++) {
    const name = s.$ref.replace('#/components/schemas/', '');
    const target = doc.components?.schemas?.[name];
    if (!target) throw new Error(`unresolvable $ref ${s.$ref}`);
    const { $ref: _, ...rest } = s;
    s = { ...target, ...rest };
  }
  if (s.allOf) {
    const { allOf, ...rest } = s;
    let merged: JsonSchema = rest;
    for (const part of allOf) {
      const p = deref(part, doc);
      merged = {
        ...merged,
        ...p,
        properties: { ...merged.properties, ...p.properties },
        required: [...(merged.required ?? []), ...(p.required ?? [])],
      };
    }
    return merged;
  }
  return s;
}

const typeOf = (s: JsonSchema): string | undefined => (Array.isArray(s.type) ? s.type[0] : s.type);

function stringArb(s: JsonSchema): fc.Arbitrary<string> {
  const min = s.minLength ?? 0;
  const max = s.maxLength ?? Math.max(min, 24);
  const withinLength = (a: fc.Arbitrary<string>) => a.filter((v) => v.length >= min && v.length <= max);
  if (s.pattern) return withinLength(fc.stringMatching(new RegExp(s.pattern)).map((v) => v.slice(0, max)));
  switch (s.format) {
    case 'uuid':
      return fc.uuid({ version: 4 });
    case 'date-time':
      return fc
        .date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2035-01-01T00:00:00Z'), noInvalidDate: true })
        .map((d) => d.toISOString());
    case 'uri':
      return withinLength(fc.webUrl({ validSchemes: ['https'] }));
    case 'email':
      return withinLength(fc.emailAddress());
  }
  return fc.string({ minLength: min, maxLength: Math.min(max, Math.max(min, 40)), unit: 'grapheme-ascii' });
}

function numberArb(s: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const lo = s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + (integer ? 1 : 0.01) : (s.minimum ?? -1_000_000);
  const hi = s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - (integer ? 1 : 0.01) : (s.maximum ?? 1_000_000_000);
  // Small values are the interesting ones for money; keep them likely.
  const smallHi = Math.min(hi, Math.max(lo, 0) + 100_000);
  if (integer) {
    const a = Math.ceil(lo);
    return fc.oneof(
      fc.integer({ min: a, max: Math.floor(smallHi) }),
      fc.integer({ min: a, max: Math.floor(Math.min(hi, Number.MAX_SAFE_INTEGER)) }),
    );
  }
  return fc
    .double({ min: lo, max: hi, noNaN: true, noDefaultInfinity: true })
    .map((v) => Math.round(v * 100) / 100)
    .filter((v) => v >= lo && v <= hi);
}

/**
 * Values the services accept beyond what JSON Schema can say (an existing venue, a currency they settle, a
 * catalog price), by property name. Offered half the time, so requests get past the services' own checks too.
 */
export type Hints = Record<string, fc.Arbitrary<unknown>>;

/** A fast-check arbitrary of values valid for `schema` (as far as JSON Schema says: the services check more). */
export function valueArb(schema: JsonSchema, doc: OpenApiDoc, depth = 0, hints: Hints = {}): fc.Arbitrary<unknown> {
  const s = deref(schema, doc);
  if (s.enum) return fc.constantFrom(...s.enum);
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((a) => valueArb(a, doc, depth + 1, hints)));
  switch (typeOf(s)) {
    case 'string':
      return stringArb(s);
    case 'integer':
      return numberArb(s, true);
    case 'number':
      return numberArb(s, false);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const min = s.minItems ?? 0;
      const max = Math.min(s.maxItems ?? 4, Math.max(min, 4));
      return fc.array(valueArb(s.items ?? {}, doc, depth + 1, hints), { minLength: min, maxLength: max });
    }
    case 'object':
      return objectArb(s, doc, depth, hints);
  }
  if (s.properties) return objectArb(s, doc, depth, hints);
  // No type: anything JSON (e.g. free-form metadata values), kept small.
  return depth > 3 ? fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean()) : fc.jsonValue({ maxDepth: 2 });
}

function objectArb(s: JsonSchema, doc: OpenApiDoc, depth: number, hints: Hints): fc.Arbitrary<unknown> {
  const props = s.properties ?? {};
  const keys = Object.keys(props);
  if (keys.length === 0) {
    const extra = typeof s.additionalProperties === 'object' ? s.additionalProperties : {};
    return fc.dictionary(fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme-ascii' }), valueArb(extra, doc, depth + 1, hints), {
      maxKeys: 4,
    });
  }
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const k of keys) {
    const generated = valueArb(props[k] as JsonSchema, doc, depth + 1, hints);
    const hint = hints[k];
    record[k] = hint ? fc.oneof(hint, generated) : generated;
  }
  return fc.record(record, { requiredKeys: (s.required ?? []).filter((k) => k in record) });
}

// ---------------------------------------------------------------------------------------------------------
// Raw JSON fragments: things JSON.stringify cannot say (5,000 levels without recursion, 1e400, -0).

export class RawJson {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

export const DEEP_LEVELS = 5_000;
export const deepArray = (levels = DEEP_LEVELS) => new RawJson(`${'['.repeat(levels)}${']'.repeat(levels)}`);
export const deepObject = (levels = DEEP_LEVELS) => new RawJson(`${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`);

/** JSON text of a value that may hold RawJson fragments. */
export function toJson(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_k, v) => {
    if (v instanceof RawJson) {
      raws.push(v.text);
      return `__fuzz_raw_${raws.length - 1}__`;
    }
    return v;
  });
  if (text === undefined) return '';
  return raws.length ? text.replace(/"__fuzz_raw_(\d+)__"/g, (_m, i: string) => raws[Number(i)] as string) : text;
}

// ---------------------------------------------------------------------------------------------------------
// Mutations of a valid value.

export type PathKey = string | number;
export type Leaf = { path: PathKey[]; value: unknown };

/** Every node of a JSON value with its path (root first). */
export function nodes(value: unknown, path: PathKey[] = [], out: Leaf[] = []): Leaf[] {
  out.push({ path, value });
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) nodes(v, [...path, i], out);
  } else if (value && typeof value === 'object' && !(value instanceof RawJson))
    for (const [k, v] of Object.entries(value)) nodes(v, [...path, k], out);
  return out;
}

export function setAt(root: unknown, path: PathKey[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const copy = structuredClone(root) as Record<PathKey, unknown>;
  let node = copy;
  for (const k of path.slice(0, -1)) node = node[k] as Record<PathKey, unknown>;
  node[path[path.length - 1] as PathKey] = replacement;
  return copy;
}

export function deleteAt(root: unknown, path: PathKey[]): unknown {
  const copy = structuredClone(root) as Record<PathKey, unknown>;
  let node = copy;
  for (const k of path.slice(0, -1)) node = node[k] as Record<PathKey, unknown>;
  const last = path[path.length - 1] as PathKey;
  if (Array.isArray(node)) node.splice(Number(last), 1);
  else delete node[last];
  return copy;
}

export const fieldName = (path: PathKey[]) => path.map(String).join('.') || '(root)';

export type BodyMutation =
  | 'none'
  | 'wrong-type'
  | 'drop-field'
  | 'extra-field'
  | 'extreme-number'
  | 'nul'
  | 'lone-surrogate'
  | 'deep-nesting'
  | 'oversized-string'
  | 'null'
  | 'root-wrong-type'
  | 'malformed-json'
  | 'empty-body'
  | 'too-large';

export const EXTREME_NUMBERS: Array<number | RawJson> = [
  -1,
  0,
  -2_147_483_648,
  2 ** 31,
  2 ** 53,
  2 ** 53 + 2,
  Number.MAX_SAFE_INTEGER * 1000,
  1e308,
  -1e308,
  0.5,
  -0.0001,
  1e-320,
  new RawJson('1e400'),
  new RawJson('-1e400'),
  new RawJson('-0'),
  new RawJson('123456789012345678901234567890'),
];

export const WRONG_TYPED: unknown[] = ['x', '', '0', 'true', 1, -1, 3.5, true, false, null, [], [1, 'a'], {}, { a: 1 }];

/** Strings that must never be accepted in any field: the app answers 422 naming the field. */
export const FORBIDDEN_CHARS = { nul: '\u0000', 'lone-surrogate': ['\ud800', '\udfff', 'a\udc00b'] } as const;

export type Expectation =
  /** 422 VALIDATION_ERROR whose errors[] names `field` (or a parent/child of it). */
  | { kind: 'validation-field'; field: string }
  /** 422 VALIDATION_ERROR. */
  | { kind: 'validation' }
  | { kind: 'status'; status: number; code: string };

export type MutatedBody = { mutation: BodyMutation; field?: string; value: unknown; text?: string; expect?: Expectation };

function insertAt(s: string, insert: string, at: number): string {
  const i = Math.min(s.length, Math.max(0, at));
  return s.slice(0, i) + insert + s.slice(i);
}

/** One mutation of a valid body, chosen by fast-check. */
export function mutatedBodyArb(valid: unknown, maxBodyBytes: number): fc.Arbitrary<MutatedBody> {
  const all = nodes(valid);
  const inner = all.filter((n) => n.path.length > 0);
  const strings = all.filter((n) => typeof n.value === 'string' && n.path.length > 0);
  const numbers = all.filter((n) => typeof n.value === 'number');
  const objectKeys = inner.filter((n) => typeof n.path[n.path.length - 1] === 'string');
  const objects = all.filter((n) => n.value && typeof n.value === 'object' && !Array.isArray(n.value));
  const pick = <T>(xs: T[]) => fc.constantFrom(...xs);
  const options: Array<fc.Arbitrary<MutatedBody>> = [fc.constant<MutatedBody>({ mutation: 'none', value: valid })];

  if (inner.length) {
    options.push(
      fc.tuple(pick(inner), fc.constantFrom(...WRONG_TYPED)).map(([n, v]) => ({
        mutation: 'wrong-type' as const,
        field: fieldName(n.path),
        value: setAt(valid, n.path, v),
      })),
      pick(inner).map((n) => ({ mutation: 'null' as const, field: fieldName(n.path), value: setAt(valid, n.path, null) })),
      // Deep nesting anywhere: where the schema wants a scalar, and where it takes free-form JSON.
      fc.tuple(pick(inner), fc.boolean()).map(([n, arr]) => ({
        mutation: 'deep-nesting' as const,
        field: fieldName(n.path),
        value: setAt(valid, n.path, arr ? deepArray() : deepObject()),
        expect: { kind: 'validation' as const },
      })),
    );
  }
  options.push(
    fc.boolean().map((arr) => ({
      mutation: 'deep-nesting' as const,
      field: '(root)',
      value: arr ? deepArray() : deepObject(),
      expect: { kind: 'validation' as const },
    })),
  );
  if (objectKeys.length)
    options.push(
      pick(objectKeys).map((n) => ({ mutation: 'drop-field' as const, field: fieldName(n.path), value: deleteAt(valid, n.path) })),
    );
  if (objects.length)
    options.push(
      fc
        .tuple(
          pick(objects),
          fc.constantFrom('__proto__', 'constructor', 'extra', 'tenant_id', 'id', 'status'),
          fc.jsonValue({ maxDepth: 2 }),
        )
        .map(([n, key, v]) => ({
          mutation: 'extra-field' as const,
          field: fieldName([...n.path, key]),
          value: setAt(valid, [...n.path, key], v),
        })),
    );
  if (numbers.length || inner.length)
    options.push(
      fc.tuple(pick(numbers.length ? numbers : inner), fc.constantFrom(...EXTREME_NUMBERS)).map(([n, v]) => ({
        mutation: 'extreme-number' as const,
        field: fieldName(n.path),
        value: setAt(valid, n.path, v),
      })),
    );
  if (strings.length) {
    options.push(
      fc.tuple(pick(strings), fc.nat(64)).map(([n, at]) => ({
        mutation: 'nul' as const,
        field: fieldName(n.path),
        value: setAt(valid, n.path, insertAt(n.value as string, FORBIDDEN_CHARS.nul, at)),
        expect: { kind: 'validation-field' as const, field: fieldName(n.path) },
      })),
      fc.tuple(pick(strings), fc.constantFrom(...FORBIDDEN_CHARS['lone-surrogate']), fc.nat(64)).map(([n, ch, at]) => ({
        mutation: 'lone-surrogate' as const,
        field: fieldName(n.path),
        value: setAt(valid, n.path, insertAt(n.value as string, ch, at)),
        expect: { kind: 'validation-field' as const, field: fieldName(n.path) },
      })),
      fc.tuple(pick(strings), fc.constantFrom(10_000, 200_000)).map(([n, size]) => ({
        mutation: 'oversized-string' as const,
        field: fieldName(n.path),
        value: setAt(valid, n.path, `${n.value as string}${'x'.repeat(size)}`),
      })),
    );
  }
  options.push(
    fc.constantFrom<unknown>([], 'x', 42, null, true, [valid]).map((v) => ({ mutation: 'root-wrong-type' as const, value: v })),
    fc.nat().map((cut) => {
      const text = toJson(valid);
      return { mutation: 'malformed-json' as const, value: valid, text: text.slice(0, cut % Math.max(1, text.length)) || '{' };
    }),
    fc.constant({ mutation: 'empty-body' as const, value: undefined, text: '' }),
    fc.constant({
      mutation: 'too-large' as const,
      value: undefined,
      text: `{"pad":"${'x'.repeat(maxBodyBytes + 10)}"}`,
      expect: { kind: 'status' as const, status: 413, code: 'PAYLOAD_TOO_LARGE' },
    }),
  );
  return fc.oneof(...options);
}

// ---------------------------------------------------------------------------------------------------------
// Parameters.

export type ParamMode = 'existing' | 'valid' | 'mutated';
export type ParamValue = { raw: string; encoded: boolean; expect?: Expectation };

/** Path/query values that are wrong in some way. `encoded: true` means already URL-encoded. */
export const MUTATED_PARAM_VALUES: ParamValue[] = [
  { raw: '', encoded: true },
  { raw: ' ', encoded: false },
  { raw: '-1', encoded: false },
  { raw: '0', encoded: false },
  { raw: '1e309', encoded: false },
  { raw: '99999999999999999999999', encoded: false },
  { raw: 'null', encoded: false },
  { raw: '../../admin/stats', encoded: false },
  { raw: '%2e%2e%2f%2e%2e%2fadmin', encoded: true },
  { raw: '%ED%A0%80', encoded: true }, // the UTF-8 bytes of a lone surrogate: not decodable
  { raw: '%FF%FE', encoded: true },
  { raw: '%', encoded: true },
  { raw: '🦊🚀', encoded: false },
  { raw: 'a'.repeat(5_000), encoded: false },
  { raw: "' OR 1=1 --", encoded: false },
  { raw: '<script>', encoded: false },
  { raw: '00000000-0000-0000-0000-000000000000', encoded: false },
  { raw: 'cko00000000000000000000000000000000', encoded: false },
  { raw: 'sess_00000000000000000000000000000000', encoded: false },
];

export function paramArb(param: Param, doc: OpenApiDoc, existing: string[], mode: ParamMode): fc.Arbitrary<ParamValue> {
  const valid = valueArb(param.schema, doc).map((v) => ({ raw: String(v), encoded: false }));
  if (mode === 'existing' && existing.length) return fc.constantFrom(...existing).map((raw) => ({ raw, encoded: false }));
  if (mode === 'mutated')
    return fc.oneof(
      fc.constantFrom(...MUTATED_PARAM_VALUES),
      // NUL inside an otherwise valid value: must be refused naming the parameter.
      fc.tuple(existing.length ? fc.constantFrom(...existing) : valid.map((v) => v.raw), fc.nat(40)).map(([v, at]) => ({
        raw: insertAt(encodeURIComponent(v), '%00', at % (v.length + 1)),
        encoded: true,
        expect: { kind: 'validation-field' as const, field: param.name },
      })),
    );
  return valid;
}

export const encodeParam = (v: ParamValue) => (v.encoded ? v.raw : encodeURIComponent(v.raw));

// ---------------------------------------------------------------------------------------------------------
// Content types and roles.

export const WRONG_CONTENT_TYPES = [
  'text/plain',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=fuzz',
  'application/octet-stream',
];
export type ContentTypeMode = { kind: 'json' } | { kind: 'json-charset' } | { kind: 'none' } | { kind: 'wrong'; type: string };
export const contentTypeArb: fc.Arbitrary<ContentTypeMode> = fc.oneof(
  { weight: 8, arbitrary: fc.constant<ContentTypeMode>({ kind: 'json' }) },
  { weight: 1, arbitrary: fc.constant<ContentTypeMode>({ kind: 'json-charset' }) },
  { weight: 1, arbitrary: fc.constant<ContentTypeMode>({ kind: 'none' }) },
  { weight: 2, arbitrary: fc.constantFrom(...WRONG_CONTENT_TYPES).map((type): ContentTypeMode => ({ kind: 'wrong', type })) },
);

export const ROLES = ['user', 'merchant', 'venue_manager', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export type Caller = Role | 'none' | 'garbage-token';
