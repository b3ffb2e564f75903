/**
 * Stripe's form encoding: `metadata[order_id]=42&payment_method_types[0]=card&expand[]=x` → nested values.
 * Indices (`[0]`) and empty brackets (`[]`) make arrays; everything else is an object key. Values stay strings.
 */
export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormObject = { [key: string]: FormValue };

const UNSAFE = new Set(['__proto__', 'constructor', 'prototype']);

/** Splits `a[b][0][]` into ['a', 'b', '0', '']; null when the brackets are malformed. */
export function keyPath(key: string): string[] | null {
  const head = /^([^[\]]+)/.exec(key);
  if (!head) return null;
  const path = [head[1] as string];
  let rest = key.slice(path[0]!.length);
  while (rest) {
    const part = /^\[([^[\]]*)\]/.exec(rest);
    if (!part) return null;
    path.push(part[1] as string);
    rest = rest.slice(part[0].length);
  }
  return path;
}

type Node = { [key: string]: Node | string };

/** Decodes entries in order; later duplicates of the same key win, `[]` appends. Throws on a malformed key. */
export function decodeForm(entries: Iterable<[string, string]>): FormObject {
  const root: Node = {};
  const appendCounters = new Map<Node, number>();
  for (const [key, value] of entries) {
    const path = keyPath(key);
    if (!path || path.some((p) => UNSAFE.has(p))) throw new Error(`Invalid parameter name: ${key}`);
    let node = root;
    path.forEach((segment, i) => {
      let name = segment;
      if (name === '') {
        const n = appendCounters.get(node) ?? Object.keys(node).length;
        appendCounters.set(node, n + 1);
        name = String(n);
      }
      if (i === path.length - 1) {
        node[name] = value;
        return;
      }
      const next = node[name];
      if (typeof next === 'object') node = next;
      else {
        const created: Node = {};
        node[name] = created;
        node = created;
      }
    });
  }
  return toValues(root) as FormObject;
}

/** Objects whose keys are all non-negative integers become arrays, ordered by index. */
function toValues(node: Node | string): FormValue {
  if (typeof node === 'string') return node;
  const keys = Object.keys(node);
  if (keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) {
    return keys
      .map(Number)
      .sort((a, b) => a - b)
      .map((k) => toValues(node[String(k)] as Node | string));
  }
  return Object.fromEntries(keys.map((k) => [k, toValues(node[k] as Node | string)]));
}

/** Decodes an x-www-form-urlencoded body (duplicates kept, unlike Object.fromEntries). */
export function decodeFormBody(raw: string): FormObject {
  return decodeForm(new URLSearchParams(raw).entries());
}

/** JSON with object keys sorted, so equal parameters compare equal whatever order they came in. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
