import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cronMatches, wranglerCrons } from '../../dev/cron.ts';
import { CRON } from '../../src/cron/schedules.ts';

describe('cron schedules', () => {
  it('wrangler.toml triggers are exactly the schedules the Worker dispatches on', () => {
    const toml = readFileSync('wrangler.toml', 'utf8');
    expect(wranglerCrons(toml).sort()).toEqual(Object.values(CRON).sort());
  });

  it('matches every five minutes, daily at 03:00 UTC and yearly on 1 January 06:00 UTC', () => {
    expect(cronMatches(CRON.everyFiveMinutes, new Date('2026-03-04T10:15:00Z'))).toBe(true);
    expect(cronMatches(CRON.everyFiveMinutes, new Date('2026-03-04T10:16:00Z'))).toBe(false);
    expect(cronMatches(CRON.daily, new Date('2026-03-04T03:00:00Z'))).toBe(true);
    expect(cronMatches(CRON.daily, new Date('2026-03-04T04:00:00Z'))).toBe(false);
    expect(cronMatches(CRON.yearly, new Date('2027-01-01T06:00:00Z'))).toBe(true);
    expect(cronMatches(CRON.yearly, new Date('2027-02-01T06:00:00Z'))).toBe(false);
  });
});
