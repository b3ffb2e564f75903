/// <reference types="node" />
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BOT_THRESHOLD,
  BOT_WEIGHTS,
  type BotIndicator,
  type BotInput,
  type BrowserFeatures,
  detectBot,
  MAX_SESSION_ACTIONS,
  SESSION_ACTION_TYPES,
  type SessionAction,
  type SessionDataValue,
} from '../../src/domain/bot-detection';
import { SessionData } from '../../src/schemas/session-data';

type Trace = { id: string; label: 'human' | 'automated'; rule: string; userAgent: string; cfBotScore?: number; sessionData?: unknown };

const FIXTURES = path.join(import.meta.dirname, '../fixtures/bot-traces');
const load = (name: string) => JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8')) as Trace[];
const humans = load('human.json');
const bots = load('automated.json');

/** A trace as the route would hand it over: sessionData parsed by the request schema first. */
const inputOf = (trace: Trace): BotInput => ({
  userAgent: trace.userAgent,
  cfBotScore: trace.cfBotScore,
  sessionData: trace.sessionData === undefined ? undefined : SessionData.parse(trace.sessionData),
});
const judged = (traces: Trace[]) => traces.map((trace) => ({ trace, verdict: detectBot(inputOf(trace)) }));

describe('the fixture traces', () => {
  const h = judged(humans);
  const b = judged(bots);

  it('are at least 30 of each, with unique ids, each from a rule README.md documents', () => {
    expect(humans.length).toBeGreaterThanOrEqual(30);
    expect(bots.length).toBeGreaterThanOrEqual(30);
    const all = [...humans, ...bots];
    expect(new Set(all.map((t) => t.id)).size).toBe(all.length);
    expect(humans.every((t) => t.label === 'human') && bots.every((t) => t.label === 'automated')).toBe(true);
    const readme = readFileSync(path.join(FIXTURES, 'README.md'), 'utf8');
    expect([...new Set(all.map((t) => t.rule))].filter((rule) => !readme.includes(`\`${rule}\``))).toEqual([]);
  });

  it('separate: every human passes, every automated trace is refused (confusion matrix printed)', () => {
    const trueHuman = h.filter((x) => !x.verdict.isBot).length;
    const falseBot = h.length - trueHuman;
    const trueBot = b.filter((x) => x.verdict.isBot).length;
    const falseHuman = b.length - trueBot;
    const precision = trueBot / Math.max(1, trueBot + falseBot);
    const recall = trueBot / Math.max(1, trueBot + falseHuman);
    const maxHuman = Math.max(...h.map((x) => x.verdict.score));
    const minBot = Math.min(...b.map((x) => x.verdict.score));
    const cell = (s: string | number) => String(s).padStart(16);
    console.log(
      [
        `bot detector over ${h.length + b.length} fixture traces (refused when score > ${BOT_THRESHOLD})`,
        `${''.padEnd(18)}${cell('passed')}${cell('refused')}`,
        `${'human traces'.padEnd(18)}${cell(`${trueHuman} true human`)}${cell(`${falseBot} false bot`)}`,
        `${'automated traces'.padEnd(18)}${cell(`${falseHuman} false human`)}${cell(`${trueBot} true bot`)}`,
        `precision ${precision.toFixed(2)}  recall ${recall.toFixed(2)}  highest human score ${maxHuman}  lowest automated score ${minBot}`,
      ].join('\n'),
    );
    const wrong = (xs: typeof h) =>
      xs.map(({ trace, verdict }) => ({ id: trace.id, score: verdict.score, indicators: verdict.indicators }));
    expect(wrong(h.filter((x) => x.verdict.score > BOT_THRESHOLD))).toEqual([]);
    expect(wrong(b.filter((x) => x.verdict.score <= BOT_THRESHOLD))).toEqual([]);
  });

  it('need more than one rule: some bots are caught by behaviour alone, some humans carry an indicator', () => {
    const behaviourOnly = b.filter((x) => x.verdict.indicators.every((i) => BOT_WEIGHTS[i] < 70));
    expect(behaviourOnly.length).toBeGreaterThanOrEqual(10);
    expect(behaviourOnly.every((x) => x.verdict.indicators.length >= 2)).toBe(true);
    expect(h.filter((x) => x.verdict.indicators.length > 0).length).toBeGreaterThanOrEqual(4);
  });
});

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const FEATURES: BrowserFeatures = { webdriver: false, languages: ['en-US', 'en'], plugins: 5, screen: { w: 1920, h: 1080 }, touch: false };
const GAPS = [17, 15, 21, 16, 33, 18, 14, 19, 16, 25];

/** Three reaches along bowed curves (or straight lines), a click at each stop, and a few keys with uneven gaps. */
function trace(opts: { straight?: boolean } = {}): SessionAction[] {
  const actions: SessionAction[] = [];
  const bezier = (s: number, from: number, via: number, to: number) => Math.round((1 - s) ** 2 * from + 2 * (1 - s) * s * via + s * s * to);
  let [t, g, x, y] = [500, 0, 100, 100];
  for (const stop of ['900,300', '420,700', '1300,640']) {
    const [tx = 0, ty = 0] = stop.split(',').map(Number);
    const bow = opts.straight ? 0 : 0.3;
    const cx = (x + tx) / 2 + (ty - y) * bow;
    const cy = (y + ty) / 2 - (tx - x) * bow;
    for (let i = 1; i <= 20; i++) {
      t += GAPS[g++ % GAPS.length]!;
      actions.push({ type: 'mousemove', t, x: bezier(i / 20, x, cx, tx), y: bezier(i / 20, y, cy, ty) });
    }
    [x, y] = [tx, ty];
    t += 180 + ((g * 37) % 200);
    actions.push({ type: 'click', t, x: tx + 1, y: ty });
    for (let k = 0; k < 6; k++) {
      t += 90 + ((k * 53 + g * 29) % 240);
      actions.push({ type: 'keydown', t });
    }
  }
  return actions;
}

const input = (actions: SessionAction[] = trace(), features: BrowserFeatures = FEATURES, userAgent = CHROME): BotInput => ({
  userAgent,
  sessionData: { actions, browserFeatures: { ...features } },
});
const retime = (actions: SessionAction[], period: number) => actions.map((a, i) => ({ ...a, t: 500 + i * period }));
const indicators = (i: BotInput) => detectBot(i).indicators;
const expectAlone = (i: BotInput, name: BotIndicator) => {
  const v = detectBot(i);
  expect(v.indicators).toEqual([name]);
  expect(v.score).toBe(BOT_WEIGHTS[name] / 100);
};

describe('signals', () => {
  it('the person-like base trace fires nothing', () => {
    expect(detectBot(input())).toEqual({ score: 0, isBot: false, indicators: [] });
  });

  it('hard markers refuse alone: webdriver, headless, automation user agents, Cloudflare score below 30', () => {
    for (const flag of ['webdriver', 'headless'] as const) {
      expectAlone(input(trace(), { ...FEATURES, [flag]: true }), flag);
      expect(detectBot(input(trace(), { ...FEATURES, [flag]: true })).isBot).toBe(true);
    }
    const uas = [
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36',
      `${CHROME} Puppeteer`,
      `${CHROME} Playwright/1.43.0`,
    ];
    for (const ua of uas)
      expect(detectBot(input(trace(), FEATURES, ua)), ua).toMatchObject({ isBot: true, indicators: ['automation_user_agent'] });
    expect(detectBot({ ...input(), cfBotScore: 29 })).toMatchObject({ isBot: true, indicators: ['cloudflare_bot_score'] });
    // 30 and above is Cloudflare's "likely human" side; 0, out-of-range and NaN scores were not scored at all.
    for (const cfBotScore of [30, 99, 0, -5, Number.NaN, 0.5]) expect(indicators({ ...input(), cfBotScore })).toEqual([]);
  });

  it('no sessionData alone passes (server-to-server callers), with an automation user agent it refuses', () => {
    expect(detectBot({ userAgent: CHROME })).toEqual({ score: 0.3, isBot: false, indicators: ['no_session_data'] });
    expect(detectBot({})).toMatchObject({ isBot: false, indicators: ['no_user_agent', 'no_session_data'] });
    expect(detectBot({ userAgent: `${CHROME} HeadlessChrome` })).toMatchObject({
      isBot: true,
      indicators: ['automation_user_agent', 'no_session_data'],
    });
  });

  it('an HTTP library or crawler user agent passes with a human trace (native apps) and is refused without one', () => {
    const libraries = [
      'okhttp/4.9.0',
      'python-requests/2.31.0',
      'curl/8.4.0',
      'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    ];
    for (const ua of libraries) {
      expect(detectBot(input(trace(), FEATURES, ua)), ua).toMatchObject({ isBot: false, indicators: ['http_library_user_agent'] });
      expect(detectBot({ userAgent: ua }), ua).toMatchObject({ isBot: true, indicators: ['http_library_user_agent', 'no_session_data'] });
    }
  });

  it('a missing or blank user agent is a small weight only', () => {
    expectAlone(input(trace(), FEATURES, ''), 'no_user_agent');
    expectAlone({ sessionData: input().sessionData }, 'no_user_agent');
    expectAlone(input(trace(), FEATURES, '   '), 'no_user_agent');
  });

  it('constant timing: every event a fixed period apart, or all in one millisecond', () => {
    expectAlone(input(retime(trace(), 20)), 'constant_timing');
    // All in one millisecond is also far too fast for a hand: both fire.
    expect(indicators(input(retime(trace(), 0)))).toEqual(['constant_timing', 'superhuman_speed']);
    // Too few intervals to tell a timer from a quick buyer.
    expect(indicators(input(retime(trace(), 20).slice(0, 10)))).not.toContain('constant_timing');
  });

  it('straight pointer paths over long strokes', () => {
    expectAlone(input(trace({ straight: true })), 'linear_pointer_path');
  });

  it('no pointer or key events: empty, absent, or only focus and scroll', () => {
    expectAlone(input([]), 'no_pointer_or_key_events');
    expectAlone({ userAgent: CHROME, sessionData: { browserFeatures: { ...FEATURES } } }, 'no_pointer_or_key_events');
    const idle: SessionAction[] = [0, 130, 170, 900, 1400].map((t, i) => ({ type: i % 2 ? 'scroll' : 'focus', t }));
    expectAlone(input(idle), 'no_pointer_or_key_events');
  });

  it('teleporting clicks: clicks where the pointer never went; keyboard activation at (0,0) is not one', () => {
    const clicks = (points: Array<[number, number]>): SessionAction[] =>
      points.flatMap(([x, y], i) => [
        { type: 'click', t: 400 + i * 700, x, y },
        { type: 'keydown', t: 400 + i * 700 + 160 + i * 37 },
      ]);
    expectAlone(
      input(
        clicks([
          [800, 300],
          [300, 600],
          [1200, 700],
        ]),
      ),
      'teleport_clicks',
    );
    expect(
      indicators(
        input(
          clicks([
            [0, 0],
            [0, 0],
            [0, 0],
          ]),
        ),
      ),
    ).toEqual([]);
    // A tap: the finger lands (touch) where the click follows.
    const taps = [100, 900, 1700].flatMap((t, i): SessionAction[] => [
      { type: 'touch', t, x: 100 + i * 90, y: 500 },
      { type: 'click', t: t + 80, x: 101 + i * 90, y: 501 },
    ]);
    expect(indicators(input(taps, { ...FEATURES, touch: true, plugins: 0 }))).toEqual([]);
  });

  it('superhuman speed: pointer jumps of hundreds of pixels per millisecond, or keys under 5 ms apart', () => {
    const jumps: SessionAction[] = [];
    for (let i = 0; i < 12; i++) jumps.push({ type: 'mousemove', t: 100 + i * (i % 3 ? 1 : 40), x: i % 2 ? 1500 : 200, y: 300 + i * 7 });
    expectAlone(input(jumps), 'superhuman_speed');
    const keys: SessionAction[] = [0, 2, 3, 5, 6, 200, 202, 203, 600].map((t) => ({ type: 'keydown', t: 1000 + t }));
    expectAlone(input(keys), 'superhuman_speed');
  });

  it('impossible screens; zoomed laptops and spanned monitors are possible', () => {
    for (const [w, h] of [
      [0, 0],
      [1, 1],
      [50, 50],
      [20000, 1080],
      [10000, 10000],
    ] as const) {
      expectAlone(input(trace(), { ...FEATURES, screen: { w, h } }), 'impossible_screen');
    }
    for (const [w, h] of [
      [256, 144],
      [320, 568],
      [11520, 2160],
      [7680, 4320],
    ] as const) {
      expect(indicators(input(trace(), { ...FEATURES, screen: { w, h } }))).toEqual([]);
    }
  });

  it('no languages and no plugins are weak; no plugins counts only on desktop', () => {
    expectAlone(input(trace(), { ...FEATURES, languages: [] }), 'no_languages');
    expectAlone(input(trace(), { ...FEATURES, languages: undefined }), 'no_languages');
    expectAlone(input(trace(), { ...FEATURES, plugins: 0 }), 'no_plugins');
    expect(indicators(input(trace(), { ...FEATURES, plugins: 0, touch: true }))).toEqual([]);
  });

  it('one behavioural signal with the weak ones passes; any two behavioural signals refuse', () => {
    const weak = { ...FEATURES, languages: [], plugins: 0 };
    for (const actions of [retime(trace(), 20), trace({ straight: true }), []]) {
      expect(detectBot(input(actions, weak, '')).isBot).toBe(false);
    }
    expect(detectBot(input(retime(trace({ straight: true }), 20))).isBot).toBe(true);
    expect(detectBot(input([], { ...FEATURES, screen: { w: 0, h: 0 } })).isBot).toBe(true);
    const strong = Object.entries(BOT_WEIGHTS).filter(([, w]) => w >= 50 && w < 70);
    for (const [, a] of strong) for (const [, b] of strong) expect(1 - (1 - a / 100) * (1 - b / 100)).toBeGreaterThan(BOT_THRESHOLD);
  });

  it('never throws on odd input: NaN or huge coordinates, unsorted, negative or missing times, more than the bound', () => {
    const odd = [
      { type: 'mousemove', t: 10, x: Number.NaN, y: 4 },
      { type: 'click', t: -5, x: 1, y: 1 },
      { type: 'mousemove', t: Number.POSITIVE_INFINITY, x: 1e308, y: -1e308 },
      { type: 'keydown', t: Number.NaN },
      { type: 'weird', t: 3 },
      null,
    ] as unknown as SessionAction[];
    expect(() => detectBot(input(odd))).not.toThrow();
    expect(() => detectBot({ sessionData: null as unknown as SessionDataValue, userAgent: 42 as unknown as string })).not.toThrow();
    const many = retime(trace(), 13);
    while (many.length < 3 * MAX_SESSION_ACTIONS) many.push(...many.slice(0, 1000));
    expect(detectBot(input(many)).score).toBeGreaterThan(0);
    // Out of order (a collector that sends keys after pointer events) reads as the sorted trace.
    const sorted = trace();
    const shuffled = [...sorted.filter((a) => a.type !== 'keydown'), ...sorted.filter((a) => a.type === 'keydown')];
    expect(detectBot(input(shuffled))).toEqual(detectBot(input(sorted)));
  });
});

const number = fc.double({ noNaN: true, noDefaultInfinity: true });
const actionArb = fc.record(
  { type: fc.constantFrom(...SESSION_ACTION_TYPES), t: fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }), x: number, y: number },
  { requiredKeys: ['type', 't'] },
);
const featuresArb = fc.record(
  {
    webdriver: fc.boolean(),
    headless: fc.boolean(),
    languages: fc.array(fc.string({ maxLength: 35 }), { maxLength: 50 }),
    plugins: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.array(fc.string(), { maxLength: 100 })),
    screen: fc.record({ w: fc.integer({ min: 0, max: 100_000 }), h: fc.integer({ min: 0, max: 100_000 }) }),
    timezone: fc.string({ maxLength: 64 }),
    touch: fc.boolean(),
  },
  { requiredKeys: [] },
);
const sessionArb = (actions = fc.array(actionArb, { maxLength: MAX_SESSION_ACTIONS, size: 'medium' })) =>
  fc.record({ actions, browserFeatures: featuresArb }, { requiredKeys: [] });
const inputArb = (session = sessionArb()) =>
  fc
    .record(
      {
        sessionData: session,
        userAgent: fc.oneof(fc.string(), fc.constantFrom(CHROME, 'curl/8.4.0', '')),
        cfBotScore: fc.oneof(fc.integer({ min: 1, max: 99 }), fc.double()),
      },
      { requiredKeys: [] },
    )
    .map((raw): BotInput => ({ ...raw, sessionData: raw.sessionData === undefined ? undefined : SessionData.parse(raw.sessionData) }));

const withWebdriver = (i: BotInput): BotInput => ({
  ...i,
  sessionData: { ...i.sessionData, browserFeatures: { ...i.sessionData?.browserFeatures, webdriver: true } },
});

describe('invariants', () => {
  it('the score is within [0,1] in whole hundredths, isBot is score > threshold, indicators are known and unique', () => {
    fc.assert(
      fc.property(inputArb(), (i) => {
        const v = detectBot(i);
        expect(v.score).toBeGreaterThanOrEqual(0);
        expect(v.score).toBeLessThanOrEqual(1);
        expect(Math.round(v.score * 100) / 100).toBe(v.score);
        expect(v.isBot).toBe(v.score > BOT_THRESHOLD);
        expect(new Set(v.indicators).size).toBe(v.indicators.length);
        expect(v.indicators.every((name) => name in BOT_WEIGHTS)).toBe(true);
      }),
    );
  });

  it('never throws on full-size traces the schema accepts', () => {
    const full = fc.array(actionArb, { minLength: MAX_SESSION_ACTIONS, maxLength: MAX_SESSION_ACTIONS });
    fc.assert(
      fc.property(inputArb(sessionArb(full)), (i) => {
        expect(() => detectBot(i)).not.toThrow();
      }),
      { numRuns: 20 },
    );
  });

  it('never throws on any numbers at all, NaN and infinities included', () => {
    const anyAction = fc.record({ type: fc.constantFrom(...SESSION_ACTION_TYPES), t: fc.double(), x: fc.double(), y: fc.double() });
    fc.assert(
      fc.property(fc.array(anyAction, { size: 'medium' }), fc.double(), fc.double(), (actions, w, h) => {
        const v = detectBot(input(actions, { ...FEATURES, screen: { w, h } }));
        expect(v.score >= 0 && v.score <= 1).toBe(true);
      }),
    );
  });

  it('adding the webdriver marker never lowers the score, and always refuses', () => {
    fc.assert(
      fc.property(inputArb(), (i) => {
        const marked = detectBot(withWebdriver(i));
        expect(marked.score).toBeGreaterThanOrEqual(detectBot(i).score);
        expect(marked.isBot).toBe(true);
      }),
    );
  });

  it('is deterministic: the same input, or a copy of it, gets the same verdict', () => {
    fc.assert(
      fc.property(inputArb(), (i) => {
        expect(detectBot(structuredClone(i))).toEqual(detectBot(i));
        expect(detectBot(i)).toEqual(detectBot(i));
      }),
    );
  });
});

describe('SessionData schema', () => {
  it('strips unknown keys, counts a plugin list, and bounds actions and languages', () => {
    const parsed = SessionData.parse({
      extra: 1,
      actions: [{ type: 'click', t: 1, x: 2, y: 3, z: 4 }],
      browserFeatures: { plugins: ['a', 'b'], gpu: 'x' },
    });
    expect(parsed).toEqual({ actions: [{ type: 'click', t: 1, x: 2, y: 3 }], browserFeatures: { plugins: 2 } });
    const tooMany = Array.from({ length: MAX_SESSION_ACTIONS + 1 }, (_, t) => ({ type: 'scroll', t }));
    expect(SessionData.safeParse({ actions: tooMany }).success).toBe(false);
    expect(SessionData.safeParse({ actions: [{ type: 'click', t: -1 }] }).success).toBe(false);
    expect(SessionData.safeParse({ actions: [{ type: 'hover', t: 1 }] }).success).toBe(false);
    expect(SessionData.safeParse({ browserFeatures: { languages: ['x'.repeat(36)] } }).success).toBe(false);
    expect(SessionData.safeParse({ browserFeatures: { plugins: 1.5 } }).success).toBe(false);
    expect(SessionData.safeParse({ browserFeatures: { screen: { w: 100_001, h: 1 } } }).success).toBe(false);
    const value: SessionDataValue = parsed;
    expect(value.browserFeatures?.plugins).toBe(2);
  });
});
