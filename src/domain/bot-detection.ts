/**
 * Bot detector for one purchase attempt: reads the browser trace a checkout page collects (`sessionData`),
 * the User-Agent header and Cloudflare's bot score, and answers a score in [0,1] with the names of the
 * indicators that fired. Pure: no I/O, no clock, no randomness, so the same request always gets the same
 * verdict and a refusal can be explained afterwards from what was stored.
 *
 * Indicators combine as 1 − Π(1 − wᵢ) like the fraud score: a weight reads as the score the indicator gives
 * alone, more evidence always raises the score, and the result stays in [0,1] without a cap. Hard markers
 * (the browser admitting automation, an automation User-Agent, a low Cloudflare score) refuse on their own.
 * Behavioural indicators are each something a real person can produce by accident, so each stays below the
 * threshold alone and any two of them together pass it.
 */
import { isbot } from 'isbot';

export const SESSION_ACTION_TYPES = ['mousemove', 'click', 'keydown', 'scroll', 'touch', 'focus'] as const;
export type SessionActionType = (typeof SESSION_ACTION_TYPES)[number];

/** One recorded event: its type, milliseconds since the page started recording, and where it happened if it has a place. */
export type SessionAction = { type: SessionActionType; t: number; x?: number; y?: number };

/** What the page reads from the browser. `plugins` is the count of navigator.plugins. */
export type BrowserFeatures = {
  webdriver?: boolean;
  headless?: boolean;
  languages?: string[];
  plugins?: number;
  screen?: { w: number; h: number };
  timezone?: string;
  touch?: boolean;
};

/** The parsed `sessionData` request field (src/schemas/session-data.ts checks that its schema parses to exactly this). */
export type SessionDataValue = { actions?: SessionAction[]; browserFeatures?: BrowserFeatures };

export type BotInput = {
  sessionData?: SessionDataValue;
  userAgent?: string;
  /** Cloudflare bot management score, 1 (automated) to 99 (human); below 30 Cloudflare considers it likely automated. */
  cfBotScore?: number;
};

export type BotVerdict = {
  /** 0 (human) to 1 (bot), in whole hundredths. */
  score: number;
  /** score > BOT_THRESHOLD. */
  isBot: boolean;
  /** Stable snake_case names of the indicators that fired, in the order of BOT_WEIGHTS. */
  indicators: BotIndicator[];
};

/** Refuse above this score; equal to it still passes. */
export const BOT_THRESHOLD = 0.7;

/** The schema's bound on recorded actions; the detector reads no further even if handed more. */
export const MAX_SESSION_ACTIONS = 2000;

/** Weights in hundredths, in the order indicators are reported and combined. */
export const BOT_WEIGHTS = {
  // navigator.webdriver is true only while WebDriver drives the browser: the browser itself says it is automated.
  webdriver: 90,
  // Headless traits (no window chrome, headless-only APIs) never occur in a browser a person is looking at.
  headless: 90,
  // The header names a headless browser or a browser-automation tool: no buyer browses with one.
  automation_user_agent: 90,
  // An HTTP library or crawler (isbot's list). Native apps send these too (okhttp is Android's default client),
  // so with a human trace it passes; with no trace at all (60 and 30 make 72) or any behavioural sign it does not.
  http_library_user_agent: 60,
  // Cloudflare saw the whole connection (TLS, network reputation) and calls it likely automated; strong, but a model's guess.
  cloudflare_bot_score: 80,
  // Some privacy proxies strip the header; it says little alone.
  no_user_agent: 15,
  // A server-to-server caller has no browser to record; legitimate, so only a nudge that an automation UA tips over.
  no_session_data: 30,
  // Paying needs a click, a tap or a key, but a collector loaded late or a native wallet sheet can miss all of them.
  no_pointer_or_key_events: 50,
  // Human input is bursty; a near-constant interval over many events is a timer. Frame-aligned moves alone can look regular.
  constant_timing: 55,
  // Hands draw curves with tremor; a long path of exactly straight segments is interpolated. A ruler-straight drag is possible.
  linear_pointer_path: 55,
  // Screen readers and keyboard activation click where no pointer went, so this one is the weakest behavioural indicator.
  teleport_clicks: 50,
  // Faster than any hand or keyboard, repeatedly and as a real share of the trace: hard to produce by accident.
  superhuman_speed: 60,
  // A screen no device has is a forged or empty value; a broken or privacy-filtered collector could also send one.
  impossible_screen: 55,
  // Headless browsers often report no languages, but so do some privacy settings: weak.
  no_languages: 10,
  // Desktop browsers list their built-in PDF viewer; zero is typical of headless builds, and of a disabled viewer.
  no_plugins: 10,
} as const;

export type BotIndicator = keyof typeof BOT_WEIGHTS;

/** Cloudflare scores below this are "likely automated"; 0 or a missing score means it was not scored. */
const CF_LIKELY_AUTOMATED = 30;
/** Timing is judged from this many intervals on; fewer cannot tell a timer from a quick buyer. */
const MIN_TIMING_INTERVALS = 10;
/** Coefficient of variation of the intervals below which they are a timer; a person's are far above 0.3. */
const CONSTANT_TIMING_CV = 0.1;
/** A pause longer than this ends a pointer stroke, like any other event between two moves. */
const STROKE_GAP_MS = 300;
/** A stroke counts towards straightness with at least this many points and this much travel. */
const MIN_STROKE_POINTS = 5;
const MIN_STROKE_PX = 100;
/** Straightness is judged only over this much counted travel. */
const MIN_LINEAR_EVIDENCE_PX = 300;
/** Chord over path length at or above this is a ruler line: a hand's slight bow already sits below about 0.99. */
const LINEAR_RATIO = 0.995;
/** A click this far from the last pointer position arrived without the pointer travelling there. */
const TELEPORT_PX = 60;
const MIN_TELEPORTS = 2;
/** 30 px per ms is a 1920-pixel screen crossed in 64 ms, between two consecutive samples. */
const SUPERHUMAN_PX_PER_MS = 30;
/** Two keydowns closer than this are not typed; fast typists' rollovers stay above it. */
const SUPERHUMAN_KEY_MS = 5;
const MIN_SUPERHUMAN_STEPS = 3;
/** The superhuman steps must also be at least a tenth of the steps measured, so rare glitches in long traces do not count. */
const SUPERHUMAN_SHARE = 0.1;
/** Full-page zoom at 500% still leaves a small laptop about 256×144; 16384 is past any spanned multi-monitor desktop. */
const MIN_SCREEN_PX = 100;
const MAX_SCREEN_PX = 16384;
/** 10000×10000 and larger is no real display, however it is spanned. */
const MAX_SCREEN_AREA = 100_000_000;
/** Coordinates beyond this are garbage; the point is skipped rather than allowed to overflow the sums. */
const MAX_COORDINATE = 1_000_000;
/** Real User-Agent headers are a few hundred characters; matching more only costs time. */
const MAX_UA_CHARS = 1024;

/** Headless browsers and automation frameworks; Electron is left out on purpose: desktop apps embed checkouts. */
const AUTOMATION_TOKEN = /headless|puppeteer|playwright|selenium|webdriver|phantomjs|slimerjs|nightmare|cypress/i;
const MOBILE_UA = /mobi|android|iphone|ipad|ipod/i;

type Behaviour = {
  pointerOrKey: boolean;
  constantTiming: boolean;
  linearPath: boolean;
  teleportClicks: boolean;
  superhumanSpeed: boolean;
};

const validCoordinate = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= MAX_COORDINATE;
const hasPlace = (a: SessionAction) => validCoordinate(a.x) && validCoordinate(a.y);

/**
 * The actions with a usable time, in time order. A browser records events in dispatch order, so the usual
 * trace is already sorted and this is one pass; a collector that merges per-type buffers can send them out
 * of order, and then one stable sort of at most MAX_SESSION_ACTIONS entries makes the intervals meaningful.
 */
function orderedActions(actions: readonly SessionAction[]): SessionAction[] {
  const out: SessionAction[] = [];
  let sorted = true;
  let latest = Number.NEGATIVE_INFINITY;
  const n = Math.min(actions.length, MAX_SESSION_ACTIONS);
  for (let i = 0; i < n; i++) {
    const a = actions[i];
    if (a === null || typeof a !== 'object' || typeof a.t !== 'number' || !Number.isFinite(a.t) || a.t < 0) continue;
    if (a.t < latest) sorted = false;
    else latest = a.t;
    out.push(a);
  }
  if (!sorted) out.sort((a, b) => a.t - b.t);
  return out;
}

/** Everything the trace's behaviour says, in one pass over the ordered actions. */
function readBehaviour(actions: readonly SessionAction[]): Behaviour {
  // Inter-event intervals, mean and variance by Welford's method (stable for long traces, constant memory).
  let intervals = 0;
  let mean = 0;
  let m2 = 0;
  let prevT = Number.NaN;
  // The current stroke (a run of consecutive mousemoves) and the totals over strokes long enough to judge.
  let strokePoints = 0;
  let strokeX0 = 0;
  let strokeY0 = 0;
  let strokeLen = 0;
  let chordTotal = 0;
  let pathTotal = 0;
  // Last pointer position (a move, a touch or a click), last move with its time, last keydown time.
  let havePos = false;
  let posX = 0;
  let posY = 0;
  let moveT = Number.NaN;
  let moveX = 0;
  let moveY = 0;
  let keyT = Number.NaN;
  let clicks = 0;
  let teleports = 0;
  let steps = 0;
  let superSteps = 0;
  let pointerOrKey = false;

  const closeStroke = () => {
    if (strokePoints >= MIN_STROKE_POINTS && strokeLen >= MIN_STROKE_PX) {
      pathTotal += strokeLen;
      chordTotal += Math.sqrt((moveX - strokeX0) ** 2 + (moveY - strokeY0) ** 2);
    }
    strokePoints = 0;
    strokeLen = 0;
  };

  for (const a of actions) {
    if (!Number.isNaN(prevT)) {
      const dt = a.t - prevT;
      intervals++;
      const delta = dt - mean;
      mean += delta / intervals;
      m2 += delta * (dt - mean);
    }
    prevT = a.t;
    if (a.type === 'mousemove' || a.type === 'click' || a.type === 'touch' || a.type === 'keydown') pointerOrKey = true;

    if (a.type === 'mousemove') {
      // A move without a usable place is skipped: it neither extends nor ends the stroke.
      if (!hasPlace(a)) continue;
      const x = a.x as number;
      const y = a.y as number;
      const gap = a.t - moveT;
      if (strokePoints > 0 && gap > STROKE_GAP_MS) closeStroke();
      if (!Number.isNaN(moveT)) {
        const d = Math.sqrt((x - moveX) ** 2 + (y - moveY) ** 2);
        steps++;
        if (d / Math.max(gap, 1) > SUPERHUMAN_PX_PER_MS) superSteps++;
        if (strokePoints > 0) strokeLen += d;
      }
      if (strokePoints === 0) {
        strokeX0 = x;
        strokeY0 = y;
      }
      strokePoints++;
      moveT = a.t;
      moveX = x;
      moveY = y;
      havePos = true;
      posX = x;
      posY = y;
      continue;
    }

    // Any other event ends the stroke: a path is judged between the things the pointer was moving towards.
    if (strokePoints > 0) closeStroke();
    if (a.type === 'keydown') {
      if (!Number.isNaN(keyT)) {
        steps++;
        if (a.t - keyT < SUPERHUMAN_KEY_MS) superSteps++;
      }
      keyT = a.t;
    } else if ((a.type === 'click' || a.type === 'touch') && hasPlace(a)) {
      const x = a.x as number;
      const y = a.y as number;
      // A click at (0,0) is how browsers report a button activated from the keyboard: the pointer neither went there nor moved.
      if (a.type === 'click' && x === 0 && y === 0) continue;
      if (a.type === 'click') {
        clicks++;
        if (!havePos || Math.sqrt((x - posX) ** 2 + (y - posY) ** 2) > TELEPORT_PX) teleports++;
      }
      havePos = true;
      posX = x;
      posY = y;
    }
  }
  if (strokePoints > 0) closeStroke();

  const sd = intervals > 0 ? Math.sqrt(Math.max(0, m2 / intervals)) : 0;
  // All events in the same millisecond (mean 0) is as regular as timing gets.
  const constantTiming = intervals >= MIN_TIMING_INTERVALS && (mean === 0 || sd / mean < CONSTANT_TIMING_CV);
  return {
    pointerOrKey,
    constantTiming,
    linearPath: pathTotal >= MIN_LINEAR_EVIDENCE_PX && chordTotal / pathTotal >= LINEAR_RATIO,
    teleportClicks: teleports >= MIN_TELEPORTS && teleports * 2 >= clicks,
    superhumanSpeed: superSteps >= MIN_SUPERHUMAN_STEPS && superSteps >= steps * SUPERHUMAN_SHARE,
  };
}

function impossibleScreen(screen: unknown): boolean {
  if (screen === null || typeof screen !== 'object') return false;
  const { w, h } = screen as { w?: unknown; h?: unknown };
  if (typeof w !== 'number' || typeof h !== 'number' || !Number.isFinite(w) || !Number.isFinite(h)) return false;
  return w < MIN_SCREEN_PX || h < MIN_SCREEN_PX || w > MAX_SCREEN_PX || h > MAX_SCREEN_PX || w * h >= MAX_SCREEN_AREA;
}

function automationUserAgent(ua: string): boolean {
  return ua !== '' && AUTOMATION_TOKEN.test(ua);
}

/** Scores one attempt. Never throws and never logs: odd values are skipped, not trusted. */
export function detectBot(input: BotInput): BotVerdict {
  const fired = new Set<BotIndicator>();
  const rawUa = input?.userAgent;
  const ua = typeof rawUa === 'string' ? rawUa.trim().slice(0, MAX_UA_CHARS) : '';
  const cf = input?.cfBotScore;
  const session = input?.sessionData;
  const haveSession = session !== null && typeof session === 'object';
  const features = haveSession ? session.browserFeatures : undefined;
  const haveFeatures = features !== null && typeof features === 'object';

  if (haveFeatures && features.webdriver === true) fired.add('webdriver');
  if (haveFeatures && features.headless === true) fired.add('headless');
  if (automationUserAgent(ua)) fired.add('automation_user_agent');
  else if (ua !== '' && isbot(ua)) fired.add('http_library_user_agent');
  if (typeof cf === 'number' && cf >= 1 && cf < CF_LIKELY_AUTOMATED) fired.add('cloudflare_bot_score');
  if (ua === '') fired.add('no_user_agent');

  if (!haveSession) {
    fired.add('no_session_data');
  } else {
    const b = readBehaviour(orderedActions(Array.isArray(session.actions) ? session.actions : []));
    if (!b.pointerOrKey) fired.add('no_pointer_or_key_events');
    if (b.constantTiming) fired.add('constant_timing');
    if (b.linearPath) fired.add('linear_pointer_path');
    if (b.teleportClicks) fired.add('teleport_clicks');
    if (b.superhumanSpeed) fired.add('superhuman_speed');
  }

  if (haveFeatures) {
    if (impossibleScreen(features.screen)) fired.add('impossible_screen');
    if (!Array.isArray(features.languages) || features.languages.length === 0) fired.add('no_languages');
    const mobile = features.touch === true || MOBILE_UA.test(ua);
    if (features.plugins === 0 && !mobile) fired.add('no_plugins');
  }

  // Combined in BOT_WEIGHTS order, so the float arithmetic (and the rounded score) is the same for the same indicators.
  const indicators = (Object.keys(BOT_WEIGHTS) as BotIndicator[]).filter((name) => fired.has(name));
  let clean = 1;
  for (const name of indicators) clean *= 1 - BOT_WEIGHTS[name] / 100;
  // Decided on the rounded score, so the score stored and shown always explains the verdict.
  const score = Math.round((1 - clean) * 100) / 100;
  return { score, isBot: score > BOT_THRESHOLD, indicators };
}
