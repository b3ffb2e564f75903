import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { decodeForm } from './stripe/form.ts';

/**
 * Checks requests sent to the sandbox against the providers' official OpenAPI extracts (openapi/*.json):
 * the operation is found by method and path template; then the JSON body (Stripe: the form body, decoded
 * from bracket notation into nested objects and arrays), path/query/header parameters (required ones must
 * be present, present ones must match their schema) are validated with ajv. A request to a path the
 * extract does not have (e.g. Square CreatePayment) has operation null and no errors.
 *
 * OpenAPI 3.0 documents (Stripe, Square, PayPal) are read with ajv's draft-07 validator after `nullable`
 * is rewritten into JSON Schema (`type: [t, "null"]`, or anyOf with null); 3.1 (Adyen) with Ajv2020. Form
 * bodies, queries and headers carry strings, so their validators coerce to the schema's number, integer,
 * boolean and array types. Formats unknown to ajv-formats (Stripe unix-time, PayPal ppaas_*) are not checked.
 */
export type ContractRequest = {
  provider: string;
  method: string;
  /** Below the provider prefix, e.g. "/v1/checkout/sessions" or Adyen's "/v71/sessions". */
  path: string;
  /** Repeated keys as arrays. */
  query: Record<string, string | string[]>;
  headers: Record<string, string>;
  rawBody: string;
  contentType?: string | undefined;
};

export type ContractResult = { operation: string | null; errors: string[] };

export type ContractValidator = {
  /** Whether the provider has an extract (only those get a `contract` on recorded requests). */
  covers(provider: string): boolean;
  validate(req: ContractRequest): ContractResult;
};

const EXTRACTS: Record<string, { file: string; stripVersion: boolean; form: boolean }> = {
  stripe: { file: 'stripe.json', stripVersion: false, form: true },
  adyen: { file: 'adyen-checkout.json', stripVersion: true, form: false },
  square: { file: 'square.json', stripVersion: false, form: false },
  paypal: { file: 'paypal-orders.json', stripVersion: false, form: false },
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
const MAX_ERRORS = 20;
const addFormats = addFormatsModule.default;

type Json = Record<string, unknown>;
type Param = { name: string; in: string; required: boolean; pointer: string | null };
type Operation = {
  name: string;
  method: string;
  template: string;
  pattern: RegExp;
  paramNames: string[];
  params: Param[];
  body: { required: boolean; content: Record<string, string> } | null;
};
type Doc = {
  id: string;
  form: boolean;
  stripVersion: boolean;
  operations: Operation[];
  /** Validators by JSON pointer: `strict` for JSON bodies, `coercing` for forms, queries and headers. */
  compiled: Map<string, ValidateFunction>;
  ajv: { strict: Ajv | Ajv2020; coercing: Ajv | Ajv2020 };
};

const isJson = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const escapePointer = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

/** OpenAPI 3.0 `nullable` → JSON Schema, in place (ajv refuses `nullable` without a sibling `type`). */
function rewriteNullable(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) rewriteNullable(item);
    return;
  }
  if (!isJson(node)) return;
  for (const value of Object.values(node)) rewriteNullable(value);
  if (typeof node.nullable !== 'boolean') return;
  const nullable = node.nullable;
  delete node.nullable;
  if (!nullable) return;
  if (typeof node.type === 'string') {
    node.type = [node.type, 'null'];
    if (Array.isArray(node.enum) && !node.enum.includes(null)) node.enum = [...node.enum, null];
    return;
  }
  const inner: Json = { ...node };
  for (const key of Object.keys(node)) delete node[key];
  node.anyOf = [inner, { type: 'null' }];
}

function collectFormats(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) for (const item of node) collectFormats(item, into);
  else if (isJson(node)) {
    if (typeof node.format === 'string') into.add(node.format);
    for (const value of Object.values(node)) collectFormats(value, into);
  }
}

function resolve(doc: Json, ref: string): { value: unknown; pointer: string } {
  if (!ref.startsWith('#/')) throw new Error(`external $ref ${ref} is not supported`);
  let value: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    value = isJson(value) || Array.isArray(value) ? (value as Json)[key] : undefined;
  }
  if (value === undefined) throw new Error(`unresolved $ref ${ref}`);
  return { value, pointer: ref.slice(1) };
}

/** Follows a Reference Object (parameters, request bodies) to its target and that target's pointer. */
function deref(doc: Json, value: unknown, pointer: string): { value: Json; pointer: string } {
  let current = { value, pointer };
  for (let hops = 0; isJson(current.value) && typeof current.value.$ref === 'string' && hops < 10; hops++) {
    current = resolve(doc, current.value.$ref);
  }
  if (!isJson(current.value)) throw new Error(`${pointer} is not an object`);
  return { value: current.value, pointer: current.pointer };
}

function operations(doc: Json): Operation[] {
  const out: Operation[] = [];
  const paths = isJson(doc.paths) ? doc.paths : {};
  for (const [template, item] of Object.entries(paths)) {
    if (!isJson(item)) continue;
    const itemPointer = `/paths/${escapePointer(template)}`;
    const paramNames: string[] = [];
    const source = template.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\\\{([^}]+)\\\}/g, (_, name: string) => {
      paramNames.push(name);
      return '([^/]+)';
    });
    for (const method of METHODS) {
      const op = item[method];
      if (!isJson(op)) continue;
      const opPointer = `${itemPointer}/${method}`;
      const params = new Map<string, Param>();
      const addParams = (list: unknown, listPointer: string) => {
        if (!Array.isArray(list)) return;
        list.forEach((entry, i) => {
          const p = deref(doc, entry, `${listPointer}/${i}`);
          const name = String(p.value.name);
          const where = String(p.value.in);
          params.set(`${where}:${where === 'header' ? name.toLowerCase() : name}`, {
            name,
            in: where,
            required: p.value.required === true || where === 'path',
            pointer: isJson(p.value.schema) ? `${p.pointer}/schema` : null,
          });
        });
      };
      addParams(item.parameters, `${itemPointer}/parameters`);
      addParams(op.parameters, `${opPointer}/parameters`); // operation-level parameters override path-level ones
      let body: Operation['body'] = null;
      if (op.requestBody !== undefined) {
        const rb = deref(doc, op.requestBody, `${opPointer}/requestBody`);
        const content: Record<string, string> = {};
        if (isJson(rb.value.content)) {
          for (const [type, media] of Object.entries(rb.value.content)) {
            if (isJson(media) && isJson(media.schema)) content[type.toLowerCase()] = `${rb.pointer}/content/${escapePointer(type)}/schema`;
          }
        }
        body = { required: rb.value.required === true, content };
      }
      out.push({
        name: `${method.toUpperCase()} ${template}`,
        method: method.toUpperCase(),
        template,
        pattern: new RegExp(`^${source}$`),
        paramNames,
        params: [...params.values()],
        body,
      });
    }
  }
  // Literal paths before templated ones, so /orders/{id}/capture never loses to a broader template.
  return out.sort((a, b) => a.paramNames.length - b.paramNames.length);
}

function loadDoc(dir: URL, provider: string): Doc {
  const extract = EXTRACTS[provider]!;
  const doc = JSON.parse(readFileSync(new URL(extract.file, dir), 'utf8')) as Json;
  rewriteNullable(doc);
  const v31 = typeof doc.openapi === 'string' && doc.openapi.startsWith('3.1');
  const id = `https://sandbox.contract/${extract.file}`;
  const formats = new Set<string>();
  collectFormats(doc, formats);
  const make = (coerce: boolean) => {
    const options: Options = {
      strict: false,
      allErrors: true,
      validateSchema: false,
      // OpenAPI patterns are ECMA-262 without the u flag (PayPal's e-mail pattern is invalid with it).
      unicodeRegExp: false,
      coerceTypes: coerce ? 'array' : false,
    };
    const ajv = v31 ? new Ajv2020(options) : new Ajv(options);
    addFormats(ajv);
    for (const format of formats) if (!ajv.formats[format]) ajv.addFormat(format, true);
    ajv.addSchema(doc, id);
    return ajv;
  };
  return {
    id,
    form: extract.form,
    stripVersion: extract.stripVersion,
    operations: operations(doc),
    compiled: new Map(),
    ajv: { strict: make(false), coercing: make(true) },
  };
}

function validator(doc: Doc, pointer: string, coerce: boolean): ValidateFunction {
  const key = `${coerce ? 'c' : 's'}${pointer}`;
  let fn = doc.compiled.get(key);
  if (!fn) {
    fn = (coerce ? doc.ajv.coercing : doc.ajv.strict).compile({ $ref: `${doc.id}#${pointer}` });
    doc.compiled.set(key, fn);
  }
  return fn;
}

function describe(where: string, errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    const at = `${where}${e.instancePath}`;
    const params = e.params as Record<string, unknown>;
    if (e.keyword === 'required') return `${at}: missing required property "${String(params.missingProperty)}"`;
    if (e.keyword === 'additionalProperties') return `${at}: unknown property "${String(params.additionalProperty)}"`;
    if (e.keyword === 'enum')
      return `${at}: ${e.message} (${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')})`;
    return `${at}: ${e.message}`;
  });
}

function check(doc: Doc, pointer: string, value: unknown, coerce: boolean, where: string, errors: string[]) {
  const fn = validator(doc, pointer, coerce);
  // ajv coerces in place: validate a copy.
  if (!fn(structuredClone(value))) errors.push(...describe(where, fn.errors));
}

function paramValue(
  param: Param,
  req: ContractRequest,
  pathValues: Record<string, string>,
  formQuery: Json | null,
): string | string[] | unknown | undefined {
  if (param.in === 'path') return pathValues[param.name];
  if (param.in === 'query') return formQuery ? formQuery[param.name] : req.query[param.name];
  if (param.in === 'header') {
    const wanted = param.name.toLowerCase();
    return Object.entries(req.headers).find(([k]) => k.toLowerCase() === wanted)?.[1];
  }
  return undefined; // cookies are not checked
}

function validateOperation(doc: Doc, op: Operation, req: ContractRequest, pathValues: Record<string, string>): string[] {
  const errors: string[] = [];
  let formQuery: Json | null = null;
  if (doc.form) {
    try {
      const entries: Array<[string, string]> = [];
      for (const [k, v] of Object.entries(req.query)) for (const one of Array.isArray(v) ? v : [v]) entries.push([k, one]);
      formQuery = decodeForm(entries) as Json;
    } catch (err) {
      errors.push(`query: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  for (const param of op.params) {
    if (param.in === 'cookie') continue;
    const value = paramValue(param, req, pathValues, formQuery);
    const where = `${param.in} parameter "${param.name}"`;
    if (value === undefined || value === '') {
      if (param.required) errors.push(`${where}: required but missing`);
      continue;
    }
    if (param.pointer) check(doc, param.pointer, value, true, where, errors);
  }
  if (!op.body || req.method === 'GET' || req.method === 'HEAD') return errors;
  const declared = Object.keys(op.body.content);
  const given = req.contentType?.split(';')[0]?.trim().toLowerCase() || '';
  const empty = req.rawBody.trim() === '';
  if (empty && op.body.required) {
    errors.push('body: required but missing');
    return errors;
  }
  const type = given && Object.hasOwn(op.body.content, given) ? given : empty ? declared[0] : undefined;
  if (!type) {
    errors.push(`body: content-type "${given}" is not one the operation accepts (${declared.join(', ')})`);
    return errors;
  }
  const pointer = op.body.content[type]!;
  if (type === 'application/x-www-form-urlencoded') {
    let decoded: unknown;
    try {
      decoded = decodeForm(new URLSearchParams(req.rawBody).entries());
    } catch (err) {
      errors.push(`body: ${err instanceof Error ? err.message : String(err)}`);
      return errors;
    }
    check(doc, pointer, decoded, true, 'body', errors);
  } else if (type.includes('json')) {
    if (empty) return errors; // an optional JSON body left out
    let parsed: unknown;
    try {
      parsed = JSON.parse(req.rawBody);
    } catch {
      errors.push('body: not valid JSON');
      return errors;
    }
    check(doc, pointer, parsed, false, 'body', errors);
  }
  return errors;
}

const shared = new Map<string, Doc>();

export function createContractValidator(options: { dir?: URL } = {}): ContractValidator {
  const dir = options.dir ?? new URL('./openapi/', import.meta.url);
  const docFor = (provider: string): Doc => {
    const key = `${dir.href}\u0000${provider}`;
    let doc = shared.get(key);
    if (!doc) {
      doc = loadDoc(dir, provider);
      shared.set(key, doc);
    }
    return doc;
  };
  return {
    covers: (provider) => Object.hasOwn(EXTRACTS, provider),
    validate(req) {
      if (!Object.hasOwn(EXTRACTS, req.provider)) return { operation: null, errors: [] };
      const doc = docFor(req.provider);
      const path = doc.stripVersion ? req.path.replace(/^\/v\d+(?=\/)/, '') : req.path;
      const method = req.method.toUpperCase();
      for (const op of doc.operations) {
        if (op.method !== method) continue;
        const match = op.pattern.exec(path);
        if (!match) continue;
        const pathValues: Record<string, string> = {};
        let decodeError: string | null = null;
        op.paramNames.forEach((name, i) => {
          try {
            pathValues[name] = decodeURIComponent(match[i + 1] as string);
          } catch {
            decodeError = `path parameter "${name}": malformed percent-encoding`;
          }
        });
        const errors = decodeError ? [decodeError] : validateOperation(doc, op, req, pathValues);
        const unique = [...new Set(errors)];
        return {
          operation: op.name,
          errors: unique.length > MAX_ERRORS ? [...unique.slice(0, MAX_ERRORS), `… ${unique.length - MAX_ERRORS} more`] : unique,
        };
      }
      return { operation: null, errors: [] };
    },
  };
}
