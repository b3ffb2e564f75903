import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type CryptoKey, importPKCS8, SignJWT } from 'jose';
import type { DevSecrets } from '../../dev/keys.ts';

/**
 * Dev JWTs signed in-process with the key the stack wrote to .wrangler/dev/secrets.json (as `npm run dev:token`
 * does), with the issuer and audience from wrangler.toml. Paths are taken from the repo root, not the cwd.
 */
export type Signer = (claims: { sub: string; tenant: string; role: 'user' | 'merchant' | 'venue_manager' | 'admin' }) => Promise<string>;

function tomlVar(root: string, name: string): string {
  const toml = readFileSync(path.join(root, 'wrangler.toml'), 'utf8');
  const match = new RegExp(`^${name}\\s*=\\s*"([^"]*)"`, 'm').exec(toml);
  if (!match) throw new Error(`wrangler.toml has no [vars] ${name}`);
  return match[1] as string;
}

export async function devSigner(root: string): Promise<Signer> {
  const file = path.join(root, '.wrangler', 'dev', 'secrets.json');
  const secrets = JSON.parse(readFileSync(file, 'utf8')) as DevSecrets;
  const key: CryptoKey = await importPKCS8(secrets.jwtPrivateKeyPem, secrets.jwtAlg);
  const issuer = tomlVar(root, 'JWT_ISSUER');
  const audience = tomlVar(root, 'JWT_AUDIENCE');
  return ({ sub, tenant, role }) =>
    new SignJWT({ tenant_id: tenant, role, venues: [] })
      .setProtectedHeader({ alg: secrets.jwtAlg, kid: secrets.jwtKid, typ: 'JWT' })
      .setSubject(sub)
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key);
}
