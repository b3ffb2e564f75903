import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { STRIPE_WEBHOOK_EVENTS } from '../src/psp/stripe/events.ts';
import { ensureDocsAssets } from './assets.ts';
import { startLocalChains } from './chains/local-chains.ts';
import { cronMatches, wranglerCrons } from './cron.ts';
import { type DevLevel, devLine, WranglerOutput } from './dev-log.ts';
import { writeDevVars } from './dev-vars.ts';
import { loadOrCreateDevSecrets } from './keys.ts';
import { migrateDatabase } from './migrate.ts';
import { waitFor } from './ports.ts';
import { type Database, externalDatabase, startPglite } from './postgres.ts';
import { QPAY_TEST_INVOICE_CODE } from './sandbox/qpay/invoices.ts';
import { startSandbox } from './sandbox/server.ts';
import { WRANGLER_OFFLINE_ENV } from './wrangler-env.ts';
import { postgresAddress, startWsProxy } from './ws-proxy.ts';

/**
 * `npm run dev`: the whole local stack in one process — Postgres (DATABASE_URL, else PGlite persisted
 * under .wrangler/pglite), the WebSocket-to-TCP proxy, the PSP sandbox, .dev.vars, then `wrangler dev`.
 * Ctrl-C stops everything. Env: PORT (8787), DATABASE_URL, PSP_SANDBOX_PORT (12111), DEV_INSPECTOR_PORT (wrangler's
 * DevTools inspector on 127.0.0.1, for `npm run bench:profile`; unset: wrangler's default).
 */
const root = process.cwd();
const port = Number(process.env.PORT ?? 8787);
const sandboxPort = Number(process.env.PSP_SANDBOX_PORT ?? 12111);
const appUrl = `http://127.0.0.1:${port}`;
// Where PGlite's files and wrangler's local state (objects, alarms) live; the soak run gives each run its own.
const stateDir = path.resolve(root, process.env.DEV_STATE_DIR ?? '.wrangler');
const say = (msg: string, fields: Record<string, unknown> = {}, level: DevLevel = 'info') => {
  const line = devLine(level, msg, fields);
  if (level === 'error' || level === 'warn') console.error(line);
  else console.log(line);
};

async function main() {
  const cleanups: Array<() => Promise<void> | void> = [];
  let wrangler: ChildProcess | undefined;
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    if (wrangler && wrangler.exitCode === null) {
      wrangler.kill('SIGINT');
      await new Promise((r) => wrangler?.once('exit', r));
    }
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {});
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    const secrets = await loadOrCreateDevSecrets();
    let db: Database;
    if (process.env.DATABASE_URL) {
      db = externalDatabase(process.env.DATABASE_URL);
      say('database: DATABASE_URL', { postgres: postgresAddress(db.url) });
    } else {
      db = await startPglite(path.join(stateDir, 'pglite'));
      say(
        `database: embedded PGlite, persisted in ${path.relative(root, path.join(stateDir, 'pglite')) || stateDir} (set DATABASE_URL to use a server)`,
        {
          postgres: 'pglite',
        },
      );
    }
    cleanups.push(() => db.stop());

    const proxy = await startWsProxy([postgresAddress(db.url)]);
    cleanups.push(() => proxy.close());
    await migrateDatabase(db.url, proxy.address);
    say('migrations applied');

    const squareNotificationUrl = `${appUrl}/api/v1/webhooks/square`;
    const sandbox = await startSandbox({
      port: sandboxPort,
      appUrl,
      secrets: {
        stripeWebhookSecret: secrets.stripeWebhookSecret,
        // The endpoint is registered for the events the app acts on, as a deployment's should be.
        stripeEnabledEvents: STRIPE_WEBHOOK_EVENTS,
        squareSignatureKey: secrets.squareSignatureKey,
        squareNotificationUrl,
        adyenHmacKey: secrets.adyenHmacKey,
        mercadopagoWebhookSecret: secrets.mercadopagoWebhookSecret,
        paypalWebhookId: secrets.paypalWebhookId,
        tilopayApiUser: secrets.tilopayApiUser,
        tilopayApiPassword: secrets.tilopayApiPassword,
      },
    });
    cleanups.push(() => sandbox.close());

    const chains = await startLocalChains();
    cleanups.push(() => chains.stop());
    say('local chains up', { polygon: chains.polygon.rpcUrl, contract: chains.polygon.contract, solana: chains.solana.rpcUrl });

    const vars: Record<string, string> = {
      JWT_PUBLIC_KEY: secrets.jwtPublicKeyPem,
      DATABASE_URL: db.url,
      NEON_WS_PROXY: proxy.address,
      INTERNAL_SERVICE_SECRET: secrets.internalServiceSecret,
      QUEUE_TOKEN_SECRET: secrets.queueTokenSecret,
      PAYMENT_ID_KEY: secrets.paymentIdKey,
      STRIPE_SECRET_KEY: secrets.stripeSecretKey,
      STRIPE_WEBHOOK_SECRET: secrets.stripeWebhookSecret,
      STRIPE_PLATFORM_ACCOUNT_ID: 'acct_1EdgepayPlatform0',
      SQUARE_ACCESS_TOKEN: secrets.squareAccessToken,
      SQUARE_WEBHOOK_SIGNATURE_KEY: secrets.squareSignatureKey,
      SQUARE_WEBHOOK_NOTIFICATION_URL: squareNotificationUrl,
      PSP_SANDBOX_URL: sandbox.url,
      PUBLIC_BASE_URL: appUrl,
      ADYEN_API_KEY: secrets.adyenApiKey,
      ADYEN_HMAC_KEY: secrets.adyenHmacKey,
      MERCADOPAGO_ACCESS_TOKEN: secrets.mercadopagoAccessToken,
      MERCADOPAGO_WEBHOOK_SECRET: secrets.mercadopagoWebhookSecret,
      PAYPAL_CLIENT_ID: secrets.paypalClientId,
      PAYPAL_CLIENT_SECRET: secrets.paypalClientSecret,
      PAYPAL_WEBHOOK_ID: secrets.paypalWebhookId,
      TILOPAY_API_KEY: secrets.tilopayApiKey,
      TILOPAY_API_USER: secrets.tilopayApiUser,
      TILOPAY_API_PASSWORD: secrets.tilopayApiPassword,
      // The bench gives each run its own client id, so its token broker starts cold.
      QPAY_CLIENT_ID: process.env.QPAY_CLIENT_ID ?? secrets.qpayClientId,
      QPAY_CLIENT_SECRET: secrets.qpayClientSecret,
      QPAY_INVOICE_CODE: QPAY_TEST_INVOICE_CODE,
      FACTOR_PEPPER: secrets.factorPepper,
      VERIFICATION_SIGNING_KEY: secrets.verificationKeyPem,
      EMAIL_API_TOKEN: secrets.emailApiToken,
      EMAIL_FROM: 'recovery@edgepay.dev',
      SMS_ACCOUNT_SID: secrets.smsAccountSid,
      SMS_AUTH_TOKEN: secrets.smsAuthToken,
      SMS_FROM: '+15005550006',
      CUSTODY_SEED: secrets.custodySeed,
      TAX_TIN_KEY: secrets.taxTinKey,
      // POLYGON_RPC_URL, POLYGON_TICKET_CONTRACT, POLYGON_MINTER_KEY, SOLANA_RPC_URL, SOLANA_MINTER_KEY: tools read the chains from here too.
      ...chains.vars,
      // LOG_LEVEL in the shell overrides wrangler.toml's level for this run (e.g. debug while chasing a bug).
      ...(process.env.LOG_LEVEL ? { LOG_LEVEL: process.env.LOG_LEVEL } : {}),
      // VELOCITY_LIMITS in the shell replaces the default purchase velocity limits for this run (the benches raise them).
      ...(process.env.VELOCITY_LIMITS ? { VELOCITY_LIMITS: process.env.VELOCITY_LIMITS } : {}),
      ...(process.env.PRECHARGE_RISK_CHECKS ? { PRECHARGE_RISK_CHECKS: process.env.PRECHARGE_RISK_CHECKS } : {}),
      ...(process.env.GAS_QUOTE_TTL_SECONDS ? { GAS_QUOTE_TTL_SECONDS: process.env.GAS_QUOTE_TTL_SECONDS } : {}),
      ...(process.env.CHAIN_COIN_PRICES ? { CHAIN_COIN_PRICES: process.env.CHAIN_COIN_PRICES } : {}),
    };
    writeDevVars(root, vars);
    ensureDocsAssets(root);

    wrangler = spawn(
      path.join(root, 'node_modules', '.bin', 'wrangler'),
      [
        'dev',
        '--port',
        String(port),
        '--ip',
        '127.0.0.1',
        '--test-scheduled',
        '--show-interactive-dev-session=false',
        '--persist-to',
        path.join(stateDir, 'state'),
        ...(process.env.DEV_INSPECTOR_PORT ? ['--inspector-port', process.env.DEV_INSPECTOR_PORT, '--inspector-ip', '127.0.0.1'] : []),
      ],
      // wrangler's launcher runs whichever `node` comes first on PATH; make that this Node (≥ 22.12).
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`,
          ...WRANGLER_OFFLINE_ENV,
        },
      },
    );
    // One JSON line per event: the Worker's lines pass through, wrangler's are dropped or wrapped.
    for (const [from, to] of [
      [wrangler.stdout, process.stdout],
      [wrangler.stderr, process.stderr],
    ] as const) {
      const output = new WranglerOutput();
      const print = (lines: string[]) => {
        if (lines.length) to.write(`${lines.join('\n')}\n`);
      };
      from?.setEncoding('utf8');
      from?.on('data', (chunk: string) => print(output.write(chunk)));
      from?.on('end', () => print(output.end()));
    }
    wrangler.on('exit', (code) => {
      if (!stopping) {
        say('wrangler exited; stopping the stack', { code }, 'warn');
        void stop(code ?? 1);
      }
    });
    await waitFor(async () => (await fetch(`${appUrl}/health`)).status < 500, 120_000, 'wrangler dev to answer /health');

    const crons = wranglerCrons(readFileSync(path.join(root, 'wrangler.toml'), 'utf8'));
    let lastMinute = -1;
    const ticker = setInterval(() => {
      const now = new Date();
      const minute = Math.floor(now.getTime() / 60_000);
      if (minute === lastMinute) return;
      lastMinute = minute;
      for (const cron of crons.filter((c) => cronMatches(c, now))) {
        fetch(`${appUrl}/__scheduled?cron=${encodeURIComponent(cron)}`).catch(() => {});
      }
    }, 5_000);
    cleanups.push(() => clearInterval(ticker));

    say('ready', {
      api: appUrl,
      health: `${appUrl}/health`,
      openapi: `${appUrl}/openapi.json`,
      docs: `${appUrl}/docs`,
      sandbox: `${sandbox.url}/__sandbox/requests`,
      postgres: `${db.kind === 'pglite' ? 'PGlite (single session) at ' : ''}${postgresAddress(db.url)} via ws proxy ${proxy.address}`,
      adminToken: 'npm run -s dev:token -- --sub admin-1 --tenant t1 --role admin',
      stop: 'Ctrl-C',
    });
  } catch (err) {
    say('failed to start', { error: err instanceof Error ? err.message : String(err) }, 'error');
    await stop(1);
  }
}

void main();
