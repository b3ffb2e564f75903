import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isStorableText, storableJson, storableText } from '../../src/lib/storable-json';

const isStorableDeep = (value: unknown): boolean => {
  const stack = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string' && !isStorableText(v)) return false;
    if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        if (!isStorableText(k)) return false;
        stack.push(child);
      }
    }
  }
  return true;
};

describe('storable text', () => {
  it('finds U+0000 and lone surrogates, and leaves pairs, emoji and other control characters alone', () => {
    expect(isStorableText('a\u0000b')).toBe(false);
    expect(isStorableText('\ud800')).toBe(false);
    expect(isStorableText('x\udc00')).toBe(false);
    expect(isStorableText('\udc00\ud800')).toBe(false);
    expect(isStorableText('😀 \u0001\t\u007f é')).toBe(true);
    expect(storableText('a\u0000b\ud800😀')).toBe('a\uFFFDb\uFFFD😀');
  });

  it('makes any JSON value storable, keys included, and keeps storable values as they are', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ unit: 'binary' }), (value, key) => {
        const dirty = { [key]: value, list: [value, key] };
        const clean = storableJson(dirty);
        expect(isStorableDeep(clean)).toBe(true);
        if (isStorableDeep(dirty)) expect(clean).toEqual(dirty);
      }),
    );
  });

  it('keeps a "__proto__" key as a key (JSON.parse makes it an own property)', () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": "x\\u0000"}, "a": 1}') as object;
    const clean = storableJson(parsed) as Record<string, unknown>;
    expect(Object.getPrototypeOf(clean)).toBe(Object.prototype);
    expect(Object.keys(clean)).toEqual(['__proto__', 'a']);
    expect(Object.getOwnPropertyDescriptor(clean, '__proto__')?.value).toEqual({ polluted: 'x\uFFFD' });
  });

  it('copies nesting far deeper than the call stack allows', () => {
    let deep: unknown = 'x\u0000';
    for (let i = 0; i < 100_000; i++) deep = i % 2 ? [deep] : { a: deep };
    let copy = storableJson(deep);
    for (let i = 100_000 - 1; i >= 0; i--) copy = i % 2 ? (copy as unknown[])[0] : (copy as { a: unknown }).a;
    expect(copy).toBe('x\uFFFD');
  });
});
