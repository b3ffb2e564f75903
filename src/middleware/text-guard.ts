import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { type FieldError, ValidationError } from '../lib/errors';
import { isStorableText, storableText } from '../lib/storable-json';

/**
 * Refuses, before any route runs, input that can never be stored: Postgres `text` and `jsonb` reject
 * U+0000, and UTF-8 cannot encode a lone UTF-16 surrogate (JSON can carry both as `\u0000` and
 * `\ud800`). Accepted, such a value would be answered 2xx and then fail its projection on every queue
 * retry until dead-lettered, so it is a 422 here, naming the field, and nothing is called.
 *
 * It also refuses JSON nested deeper than MAX_JSON_DEPTH, so no recursive code further in (schemas,
 * fingerprints, structured clone to objects, log redaction) ever sees unbounded nesting.
 *
 * Checked: path segments, query keys and values, and the body: JSON (whatever its declared type, since
 * webhook adapters parse raw bodies as JSON), url-encoded and multipart forms, and any other text.
 * The body is read once as bytes and put back unchanged, so routes that read `c.req.raw` or verify a
 * signature over the raw body see exactly what was sent.
 */

/** Generous: real payloads, ours and the providers', stay within a handful of levels. */
export const MAX_JSON_DEPTH = 64;
/** One bad field is enough to refuse; listing them all is not worth unbounded work. */
const MAX_REPORTED = 20;

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;
const TEXT_MESSAGE = 'must not contain U+0000 or unpaired UTF-16 surrogates';

/** A field name fit to echo back: the offending code units become U+FFFD. */
const printable = storableText;

function fieldOf(path: readonly (string | number)[]): string {
  return path.map((p) => printable(String(p))).join('.') || '(root)';
}

export class JsonTooDeepError extends ValidationError {
  constructor(field: string) {
    super([{ field, message: `must not be nested more than ${MAX_JSON_DEPTH} levels deep` }]);
  }
}

type Node = { value: unknown; key: string | number | null; parent: Node | null; depth: number };

/** The path from the root to `node`, built only when a field has to be named. */
function pathOf(node: Node): (string | number)[] {
  const path: (string | number)[] = [];
  for (let n: Node | null = node; n !== null && n.key !== null; n = n.parent) path.push(n.key);
  return path.reverse();
}

/**
 * Walks a parsed JSON value without recursion: keys and strings must be storable text, containers at
 * most MAX_JSON_DEPTH deep. A too-deep value is reported on its top-level field (the whole path
 * would be as long as the nesting), or on (root) when the body is an array.
 */
export function checkJsonValue(value: unknown): FieldError[] {
  const errors: FieldError[] = [];
  const stack: Node[] = [{ value, key: null, parent: null, depth: 0 }];
  while (stack.length > 0 && errors.length < MAX_REPORTED) {
    const node = stack.pop()!;
    const v = node.value;
    if (typeof v === 'string') {
      if (!isStorableText(v)) errors.push({ field: fieldOf(pathOf(node)), message: TEXT_MESSAGE });
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    const depth = node.depth + 1;
    if (depth > MAX_JSON_DEPTH) throw new JsonTooDeepError(Array.isArray(value) ? '(root)' : fieldOf(pathOf(node).slice(0, 1)));
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], key: i, parent: node, depth });
      continue;
    }
    const children = Object.entries(v).map(([key, child]): Node => ({ value: child, key, parent: node, depth }));
    for (const child of children) {
      if (!isStorableText(child.key as string)) errors.push({ field: fieldOf(pathOf(child)), message: `key ${TEXT_MESSAGE}` });
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return errors.slice(0, MAX_REPORTED);
}

function checkPairs(pairs: Iterable<[string, unknown]>): FieldError[] {
  const errors: FieldError[] = [];
  for (const [key, value] of pairs) {
    if (!isStorableText(key)) errors.push({ field: fieldOf([key]), message: `key ${TEXT_MESSAGE}` });
    const text = typeof value === 'string' ? value : value instanceof File ? value.name : '';
    if (!isStorableText(text)) errors.push({ field: fieldOf([key]), message: TEXT_MESSAGE });
    if (errors.length >= MAX_REPORTED) break;
  }
  return errors;
}

/**
 * The most any router can make of a path: a URL's pathname is ASCII with %XX escapes, decoded here as
 * bytes and then as UTF-8 with replacement. Routers decode escapes run by run and keep the runs they
 * cannot decode, so a `%00` beside an invalid escape still becomes U+0000 there, and here too.
 */
function decodePath(pathname: string): string {
  const bytes = new Uint8Array(pathname.length);
  let n = 0;
  for (let i = 0; i < pathname.length; i++) {
    const hex = pathname[i] === '%' ? pathname.slice(i + 1, i + 3) : '';
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes[n++] = Number.parseInt(hex, 16);
      i += 2;
    } else {
      bytes[n++] = pathname.charCodeAt(i);
    }
  }
  return new TextDecoder().decode(bytes.subarray(0, n));
}

/** Finds the route pattern (`/api/v1/venues/:venueId`) a path matches, so a bad segment is named by its parameter. */
export type RoutePatternOf = (path: string) => string | undefined;

function checkPath(url: URL, patternOf: RoutePatternOf | undefined): FieldError[] {
  // A parsed URL's pathname is ASCII with %XX escapes: without an escape there is nothing to refuse.
  if (!url.pathname.includes('%')) return [];
  const decoded = decodePath(url.pathname);
  if (isStorableText(decoded)) return [];
  const pattern = patternOf?.(decoded)?.split('/');
  const errors: FieldError[] = [];
  decoded.split('/').forEach((segment, i) => {
    if (isStorableText(segment)) return;
    const name = pattern?.[i]?.startsWith(':') ? pattern[i].slice(1).replace(/\{.*$/, '') : null;
    errors.push(name ? { field: name, message: TEXT_MESSAGE } : { field: '(path)', message: `path ${TEXT_MESSAGE}` });
  });
  return errors;
}

/** The deepest nesting of `[` and `{` outside strings: for valid JSON, the depth checkJsonValue measures. */
function bracketDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) max = Math.max(max, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

async function checkBody(raw: Request, bytes: ArrayBuffer): Promise<FieldError[]> {
  const contentType = raw.headers.get('content-type') ?? '';
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  if (mediaType === 'application/x-www-form-urlencoded' || mediaType === 'multipart/form-data') {
    let form: FormData;
    try {
      form = await new Request(raw.url, { method: 'POST', headers: { 'content-type': contentType }, body: bytes }).formData();
    } catch {
      return []; // not a form after all: whatever reads it refuses it as it does today
    }
    return checkPairs(form.entries());
  }
  // Decoded as Request#text() decodes: UTF-8, invalid sequences replaced, so only U+0000 can survive here.
  const text = new TextDecoder().decode(bytes);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    // An engine that parses recursively may give up on deep nesting: that is too deep, not malformed.
    if (err instanceof RangeError) throw new JsonTooDeepError('(root)');
    // Malformed JSON keeps its own answer (400 MALFORMED_JSON from the route's validator).
    if (JSON_MEDIA_TYPE.test(mediaType)) return [];
    return isStorableText(text) ? [] : [{ field: '(body)', message: `body ${TEXT_MESSAGE}` }];
  }
  // The common case without the walk: no raw U+0000 and no \u escape means no key or string can hold one, nor
  // a lone surrogate, and the nesting is read off the brackets. Anything else is walked value by value.
  if (!text.includes('\u0000') && !text.includes('\\u') && bracketDepth(text) <= MAX_JSON_DEPTH) return [];
  return checkJsonValue(parsed);
}

export function textGuard(patternOf?: RoutePatternOf): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const url = new URL(c.req.url);
    const errors = [...checkPath(url, patternOf), ...checkPairs(url.searchParams.entries())];
    if (errors.length === 0 && c.req.raw.body) {
      const bytes = await c.req.raw.arrayBuffer();
      // Put the exact bytes back: later readers (validators, signature checks, c.req.raw) are unaffected.
      c.req.raw = new Request(c.req.raw, { body: bytes });
      errors.push(...(await checkBody(c.req.raw, bytes)));
    }
    if (errors.length > 0) throw new ValidationError(errors.slice(0, MAX_REPORTED));
    await next();
  };
}
