/// <reference path="./env.d.ts" />
import { exportJWK, exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import type { TestProject } from 'vitest/node';
import { startLocalChains } from '../../dev/chains/local-chains.ts';
import { migrateInChildProcess } from '../../dev/migrate.ts';
import { type Database, externalDatabase, findPostgresBinDir, startPglite, startPostgresCluster } from '../../dev/postgres.ts';
import { startSandbox } from '../../dev/sandbox/server.ts';
import { postgresAddress, startWsProxy } from '../../dev/ws-proxy.ts';

/**
 * Starts what lies outside the Worker for the workers project: a real PostgreSQL (TEST_DATABASE_URL,
 * else a throwaway cluster from the system binaries, else PGlite with a warning), the WebSocket-to-TCP
 * proxy, the PSP sandbox, the local chains (anvil with the ticket contract, the Solana emulator), and test
 * signing keys. Values reach the Worker's bindings via provide/inject.
 */
export default async function setup(project: TestProject) {
  let db: Database;
  if (process.env.TEST_DATABASE_URL) db = externalDatabase(process.env.TEST_DATABASE_URL);
  else {
    const bin = findPostgresBinDir();
    if (bin) db = await startPostgresCluster(bin);
    else {
      console.warn('\n[test] WARNING: no PostgreSQL binaries found; falling back to PGlite (single session, not a real server)\n');
      db = await startPglite();
    }
  }
  const proxy = await startWsProxy([postgresAddress(db.url)]).catch(async (err) => {
    await db.stop();
    throw err;
  });
  try {
    await migrateInChildProcess(db.url, proxy.address);
  } catch (err) {
    await proxy.close();
    await db.stop();
    throw err;
  }

  const chains = await startLocalChains().catch(async (err) => {
    await proxy.close();
    await db.stop();
    throw err;
  });
  project.provide('chainVars', JSON.stringify(chains.vars));
  project.provide('chainDirectUrls', JSON.stringify(chains.direct));

  const es = await generateKeyPair('ES256', { extractable: true });
  const rs = await generateKeyPair('RS256', { extractable: true });
  const esPublicJwk = { ...(await exportJWK(es.publicKey)), kid: 'test-es', alg: 'ES256', use: 'sig' };
  const rsPublicJwk = { ...(await exportJWK(rs.publicKey)), kid: 'test-rs', alg: 'RS256', use: 'sig' };
  // Workers under test cannot receive HTTP: webhooks are recorded (manual mode) and tests replay them.
  const sandbox = await startSandbox({
    appUrl: 'http://edgepay.test',
    jwks: { keys: [esPublicJwk, rsPublicJwk] },
    secrets: { stripeWebhookSecret: 'whsec_test', squareSignatureKey: 'sq_sig_key_test' },
  });
  await fetch(`${sandbox.url}/__sandbox/config`, { method: 'POST', body: JSON.stringify({ webhooks: 'manual' }) });

  project.provide('databaseKind', db.kind);
  project.provide('databaseUrl', db.url);
  project.provide('wsProxy', proxy.address);
  project.provide('sandboxUrl', sandbox.url);
  project.provide('esPrivateJwk', JSON.stringify(await exportJWK(es.privateKey)));
  project.provide('esPublicPem', await exportSPKI(es.publicKey));
  project.provide('rsPrivateJwk', JSON.stringify(await exportJWK(rs.privateKey)));
  project.provide('rsPublicPem', await exportSPKI(rs.publicKey));
  const verification = await generateKeyPair('ES256', { extractable: true });
  project.provide('verificationKeyPem', await exportPKCS8(verification.privateKey));

  return async () => {
    // Issue 4: every request an adapter sent during the whole run must validate against its provider's
    // OpenAPI extract. The sandbox checked each one; any violation fails the run here.
    const violations = (await (await fetch(`${sandbox.url}/__sandbox/contract-violations`)).json()) as {
      provider: string;
      method: string;
      path: string;
      contract: { errors: string[] };
    }[];
    await sandbox.close();
    await chains.stop();
    if (violations.length > 0) {
      await proxy.close();
      await db.stop();
      throw new Error(
        `outbound PSP requests violated the OpenAPI extracts:\n${violations.map((v) => `  ${v.provider} ${v.method} ${v.path}: ${v.contract.errors.join('; ')}`).join('\n')}`,
      );
    }
    await proxy.close();
    await db.stop();
  };
}
