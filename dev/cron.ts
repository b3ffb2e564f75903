/**
 * `wrangler dev` never fires cron triggers by itself; the dev stack calls /__scheduled when one of
 * wrangler.toml's expressions matches the current UTC minute. Supports the forms edgepay uses:
 * numbers, `*`, `*\/n` and comma lists.
 */
function fieldMatches(field: string, value: number): boolean {
  return field.split(',').some((part) => {
    if (part === '*') return true;
    const step = /^\*\/(\d+)$/.exec(part);
    if (step) return value % Number(step[1]) === 0;
    return /^\d+$/.test(part) && Number(part) === value;
  });
}

export function cronMatches(expression: string, date: Date): boolean {
  const [minute, hour, day, month, weekday] = expression.trim().split(/\s+/);
  if (!minute || !hour || !day || !month || !weekday) return false;
  return (
    fieldMatches(minute, date.getUTCMinutes()) &&
    fieldMatches(hour, date.getUTCHours()) &&
    fieldMatches(day, date.getUTCDate()) &&
    fieldMatches(month, date.getUTCMonth() + 1) &&
    fieldMatches(weekday, date.getUTCDay())
  );
}

export function wranglerCrons(toml: string): string[] {
  const match = /^crons\s*=\s*\[([^\]]*)\]/m.exec(toml);
  return match ? [...(match[1] as string).matchAll(/"([^"]+)"/g)].map((m) => m[1] as string) : [];
}
