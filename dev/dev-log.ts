/**
 * `npm run dev` prints one kind of line: a JSON object, like the Worker's own log. The stack's messages
 * are written as JSON here; wrangler's output is passed through `WranglerOutput`, which keeps the
 * Worker's JSON lines as they are, drops wrangler's own request lines (the Worker already logs each
 * request once) and wraps everything else as `{ level, msg, source: 'wrangler' }`.
 */
export type DevLevel = 'debug' | 'info' | 'warn' | 'error';

export function devLine(level: DevLevel, msg: string, fields: Record<string, unknown> = {}, source = 'edgepay'): string {
  return JSON.stringify({ level, time: new Date().toISOString(), msg, source, ...fields });
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences are what this removes.
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;
/** `[wrangler:info] GET /health 200 OK (12ms)`: the proxy's per-request line. */
const REQUEST_LINE = /^\[wrangler:\w+\]\s+[A-Z]+\s+\S+\s+\d{3}\b/;
const BINDINGS_TITLE = /has access to the following bindings:$/;
const BINDING_ROW = /^env\.(\w+)(?: \(.*?\))?\s{2,}(.+?)(?:\s{2,}\S+)?\s*$/;
const PREFIXES: Array<[RegExp, DevLevel]> = [
  [/^\[wrangler:(error)\]\s*/, 'error'],
  [/^\[wrangler:(warn)\]\s*/, 'warn'],
  [/^\[wrangler:(info|debug|log)\]\s*/, 'info'],
  [/^✘\s*\[ERROR\]\s*/, 'error'],
  [/^▲\s*\[WARNING\]\s*/, 'warn'],
  [/^⎔\s*/, 'info'],
];

type Pending = { level: DevLevel; msg: string; detail: string[] };

export class WranglerOutput {
  private pending: Pending | undefined;
  private bindings: Record<string, string[]> | undefined;
  private lastBindings = '';
  private partial = '';

  /** Feeds a chunk of wrangler's output; returns the lines to print. A chunk ends what it started (one write, one message). */
  write(chunk: string): string[] {
    const text = this.partial + chunk;
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    const out: string[] = [];
    for (const line of lines) this.line(line.replace(ANSI, '').replace(/\r$/, ''), out);
    this.emitPending(out);
    return out;
  }

  /** Whatever is still held (an unterminated last line, an open bindings table). */
  end(): string[] {
    const out: string[] = [];
    if (this.partial) this.line(this.partial.replace(ANSI, ''), out);
    this.partial = '';
    this.emitPending(out);
    this.emitBindings(out);
    return out;
  }

  private line(line: string, out: string[]) {
    if (this.bindings) {
      const row = BINDING_ROW.exec(line);
      if (row) {
        const [, name, type] = row as unknown as [string, string, string];
        const kind = type.trim();
        this.bindings[kind] = [...(this.bindings[kind] ?? []), name];
        return;
      }
      if (/^Binding\s{2,}/.test(line)) return;
      this.emitBindings(out);
    }
    if (!line.trim()) return;
    if (line.startsWith('{')) {
      try {
        JSON.parse(line);
        this.emitPending(out);
        out.push(line);
        return;
      } catch {
        // not JSON after all: wrapped below like any other line
      }
    }
    if (REQUEST_LINE.test(line)) return;
    if (BINDINGS_TITLE.test(line)) {
      this.emitPending(out);
      this.bindings = {};
      return;
    }
    if (this.pending && /^\s/.test(line)) {
      this.pending.detail.push(line.trim());
      return;
    }
    this.emitPending(out);
    let level: DevLevel = 'info';
    let msg = line.trim();
    for (const [prefix, prefixLevel] of PREFIXES) {
      if (prefix.test(msg)) {
        level = prefixLevel;
        msg = msg.replace(prefix, '');
        break;
      }
    }
    if (/^[─-]+$/.test(msg)) return;
    this.pending = { level, msg, detail: [] };
  }

  private emitPending(out: string[]) {
    if (!this.pending) return;
    const { level, msg, detail } = this.pending;
    out.push(devLine(level, msg, detail.length ? { detail } : {}, 'wrangler'));
    this.pending = undefined;
  }

  /** wrangler prints the table on start and again when the local server starts; the same table is said once. */
  private emitBindings(out: string[]) {
    if (!this.bindings) return;
    const table = JSON.stringify(this.bindings);
    if (table !== this.lastBindings) out.push(devLine('info', 'bindings', { bindings: this.bindings }, 'wrangler'));
    this.lastBindings = table;
    this.bindings = undefined;
  }
}
