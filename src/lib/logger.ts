import { maskPii, redact } from './redact';

/**
 * One JSON object per line on console.log, which is what `wrangler tail` and Workers Logs show.
 * Fields pass through `redact` so a careless caller cannot log a secret, card data or a customer's
 * contact details: errors are reduced to their class and codes (a failed query never brings its
 * parameters), and e-mails, phones, JWTs and card numbers are masked in every string.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type Logger = {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
};

export function createLogger(minLevel: LogLevel = 'info', base: Record<string, unknown> = {}): Logger {
  const write = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < ORDER[minLevel]) return;
    const line = JSON.stringify({
      level,
      time: new Date().toISOString(),
      msg: maskPii(msg),
      ...(redact({ ...base, ...fields }) as Record<string, unknown>),
    });
    if (level === 'error') console.error(line);
    else if (level === 'warn') console.warn(line);
    else console.log(line);
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}

export function parseLogLevel(value: string | undefined): LogLevel {
  return value === 'debug' || value === 'warn' || value === 'error' ? value : 'info';
}

/** The logger of one Worker, consumer or object at the level LOG_LEVEL sets: the one way everything makes its logger. */
export function loggerFor(env: { LOG_LEVEL?: string } | undefined, base: Record<string, unknown> = {}): Logger {
  return createLogger(parseLogLevel(env?.LOG_LEVEL), base);
}
