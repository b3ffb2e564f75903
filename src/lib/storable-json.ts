/**
 * A copy of a JSON value that Postgres `jsonb` accepts: U+0000 and lone UTF-16 surrogates (in values
 * and keys) become U+FFFD. Used where a record must be kept whatever it holds — a dead letter's body —
 * so that the text that made a projection fail cannot also make its dead letter fail. Iterative, so
 * no nesting depth can overflow the stack.
 */
// U+0000, a high surrogate not followed by a low one, or a low one not preceded by a high one.
// biome-ignore lint/suspicious/noControlCharactersInRegex: U+0000 is exactly what Postgres text refuses
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');

/** Whether Postgres `text` and `jsonb` can hold `text` as it is. */
export function isStorableText(text: string): boolean {
  return !UNSTORABLE.test(text);
}

export function storableText(text: string): string {
  return text.replace(UNSTORABLE_ALL, '\uFFFD');
}

export function storableJson(value: unknown): unknown {
  const clean = (v: unknown) => (typeof v === 'string' ? storableText(v) : v);
  if (value === null || typeof value !== 'object') return clean(value);
  const root: unknown = Array.isArray(value) ? [] : {};
  const stack: Array<[from: object, to: Record<string, unknown> | unknown[]]> = [[value, root as Record<string, unknown>]];
  while (stack.length > 0) {
    const [from, to] = stack.pop() as [object, Record<string, unknown> | unknown[]];
    for (const [key, child] of Object.entries(from)) {
      let copy: unknown = clean(child);
      if (child !== null && typeof child === 'object') {
        copy = Array.isArray(child) ? [] : {};
        stack.push([child, copy as Record<string, unknown>]);
      }
      if (Array.isArray(to)) to[Number(key)] = copy;
      // Defined, not assigned: a key "__proto__" (JSON.parse makes it an own key) must stay a key, not set the prototype.
      else Object.defineProperty(to, storableText(key), { value: copy, enumerable: true, writable: true, configurable: true });
    }
  }
  return root;
}
