/** The cron expressions of wrangler.toml [triggers]; a test checks the two stay equal. */
export const CRON = {
  everyFiveMinutes: '*/5 * * * *',
  daily: '0 3 * * *',
  yearly: '0 6 1 1 *',
} as const;
