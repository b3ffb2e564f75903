import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IdempotencyRecord } from '../../src/domain/idempotency';
import { canonicalJson, decideIdempotency, fingerprint, responseRetentionMs } from '../../src/domain/idempotency';

/** Rebuilds `value` with every object's keys in an order chosen by `seed`. */
function reorder(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v, i) => reorder(v, seed + i));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  // Deterministic shuffle (LCG) so a failing case replays.
  let s = seed >>> 0;
  for (let i = entries.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [entries[i], entries[j]] = [entries[j]!, entries[i]!];
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, reorder(v, s + k.length)]));
}

describe('canonicalJson', () => {
  it.each([
    [{ b: 1, a: [3, { d: true, c: null }] }, '{"a":[3,{"c":null,"d":true}],"b":1}'],
    [{ amount: 1050, currency: 'usd' }, '{"amount":1050,"currency":"usd"}'],
    [[], '[]'],
    [{}, '{}'],
    ['é"\n', '"é\\"\\n"'],
    [-0, '0'],
    [1e21, '1e+21'],
    [{ a: undefined, b: 1 }, '{"b":1}'],
    [{ B: 1, a: 2, _: 3, 10: 4, 9: 5 }, '{"10":4,"9":5,"B":1,"_":3,"a":2}'],
  ])('%j → %s', (value, json) => {
    expect(canonicalJson(value)).toBe(json);
  });

  it.each([
    ['undefined at the top', undefined],
    ['undefined in an array', [1, undefined]],
    ['a function', { f: () => 1 }],
    ['NaN', { n: Number.NaN }],
    ['Infinity', [Number.POSITIVE_INFINITY]],
    ['a bigint', { n: 1n }],
    ['a symbol', [Symbol('s')]],
    ['a Date', { at: new Date(0) }],
    ['a Map', new Map()],
  ])('rejects %s', (_label, value) => {
    expect(() => canonicalJson(value)).toThrow(TypeError);
  });

  it('rejects cycles but allows shared (acyclic) references', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(TypeError);
  });

  it('is invariant under key reordering and parses back to the same value', () => {
    fc.assert(
      fc.property(
        fc.json().map((s) => JSON.parse(s) as unknown),
        fc.integer(),
        (value, seed) => {
          const json = canonicalJson(value);
          expect(canonicalJson(reorder(value, seed))).toBe(json);
          expect(JSON.parse(json)).toEqual(value);
        },
      ),
    );
  });

  it('different values give different canonical JSON', () => {
    fc.assert(
      fc.property(fc.json(), fc.json(), (a, b) => {
        const va: unknown = JSON.parse(a);
        const vb: unknown = JSON.parse(b);
        fc.pre(JSON.stringify(va) !== JSON.stringify(vb));
        // Same canonical form would mean the values are deep-equal.
        if (canonicalJson(va) === canonicalJson(vb)) expect(va).toEqual(vb);
      }),
    );
  });
});

/** The obvious recursive definition, to check the iterative one against (fine for shallow values). */
function reference(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const record = value as Record<string, unknown>;
  return `{${Object.keys(record)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${reference(record[key])}`)
    .join(',')}}`;
}

/** `levels` arrays or objects each holding the next, innermost 1. Built in a loop: no recursion. */
function nested(levels: number, kind: 'array' | 'object'): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = kind === 'array' ? [value] : { a: value };
  return value;
}

describe('canonicalJson on any nesting', () => {
  it('equals the recursive definition, whatever the key order', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 12 }), fc.integer(), (value, seed) => {
        const expected = reference(value);
        expect(canonicalJson(value)).toBe(expected);
        expect(canonicalJson(reorder(value, seed))).toBe(expected);
      }),
    );
  });

  it.each(['array', 'object'] as const)('writes %s nesting 50 000 levels deep without overflowing the stack', (kind) => {
    const levels = 50_000;
    const [open, close] = kind === 'array' ? ['[', ']'] : ['{"a":', '}'];
    expect(canonicalJson(nested(levels, kind))).toBe(`${open.repeat(levels)}1${close.repeat(levels)}`);
  });

  it('fingerprints a deeply nested body', async () => {
    await expect(fingerprint({ sessionData: nested(50_000, 'object') })).resolves.toMatch(/^[0-9a-f]{64}$/);
  });

  it('still rejects a cycle deep down, and a hole in an array', () => {
    const inner: Record<string, unknown> = {};
    const outer = { x: [[{ y: inner }]] };
    inner.back = outer;
    expect(() => canonicalJson(outer)).toThrow(TypeError);
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point
    expect(() => canonicalJson([1, , 3])).toThrow(TypeError);
  });
});

describe('fingerprint', () => {
  it('is lowercase hex SHA-256 of the canonical JSON', async () => {
    expect(await fingerprint({})).toBe('44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
    expect(await fingerprint({ b: [true, null, 'x'], a: 1 })).toBe('eca8cfb31ab74533e1eb2f4c74d2d55dfe3c79ac704787e54be8647ea7777eb1');
  });

  it('differs when the body differs', async () => {
    expect(await fingerprint({ amount: 1000 })).not.toBe(await fingerprint({ amount: 1001 }));
  });
});

describe('decideIdempotency', () => {
  const now = 1_700_000_000_000;
  const record = (overrides: Partial<IdempotencyRecord>): IdempotencyRecord => ({
    fingerprint: 'aaa',
    state: 'completed',
    status: 200,
    expiresAt: now + 1,
    ...overrides,
  });

  it.each([
    ['no record', null, 'aaa', 'execute'],
    ['expired record', record({ expiresAt: now }), 'aaa', 'execute'],
    ['expired record with another body', record({ expiresAt: now - 1, fingerprint: 'bbb' }), 'aaa', 'execute'],
    ['same body, still running', record({ state: 'in_progress' }), 'aaa', 'in_progress'],
    ['same body, finished', record({}), 'aaa', 'replay'],
    ['same body, finished with a 4xx', record({ status: 422 }), 'aaa', 'replay'],
    ['other body, finished', record({}), 'bbb', 'reused'],
    ['other body, still running', record({ state: 'in_progress' }), 'bbb', 'reused'],
  ] as Array<[string, IdempotencyRecord | null, string, string]>)('%s → %s', (_label, rec, fp, decision) => {
    expect(decideIdempotency(rec, fp, now)).toBe(decision);
  });
});

describe('responseRetentionMs', () => {
  it.each([
    [200, 86_400_000],
    [201, 86_400_000],
    [299, 86_400_000],
    [400, 3_600_000],
    [422, 3_600_000],
    [499, 3_600_000],
    [500, 0],
    [502, 0],
    [302, 0],
  ])('status %i is kept %i ms', (status, ms) => {
    expect(responseRetentionMs(status)).toBe(ms);
  });
});
