/**
 * What keeps `wrangler dev` off the network and its output plain: no metrics or error reports, no banner (whose
 * update check asks npm), no download of the `Request.cf` placeholder (offline it prints a stack trace), no colours.
 */
export const WRANGLER_OFFLINE_ENV = {
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_SEND_ERROR_REPORTS: 'false',
  WRANGLER_HIDE_BANNER: 'true',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  NO_UPDATE_NOTIFIER: '1',
  FORCE_COLOR: '0',
} as const;
