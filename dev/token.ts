import { parseArgs } from 'node:util';
import { importPKCS8, SignJWT } from 'jose';
import { readDevSecrets, wranglerVar } from './keys.ts';

/**
 * npm run -s dev:token -- --sub u1 --tenant t1 --role user|merchant|venue_manager|admin [--venues v1,v2] [--ttl 3600]
 * Prints only a JWT that the running dev stack accepts (signed with the key `npm run dev` created). Its
 * lifetime is one hour unless --ttl says otherwise, at most wrangler.toml's JWT_MAX_TTL_SECONDS: the API
 * refuses a longer-lived token.
 */
const ROLES = ['user', 'merchant', 'venue_manager', 'admin'];

function fail(message: string): never {
  console.error(`dev:token: ${message}`);
  process.exit(2);
}

let values: Record<string, string | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      sub: { type: 'string' },
      tenant: { type: 'string' },
      role: { type: 'string' },
      venues: { type: 'string' },
      ttl: { type: 'string' },
    },
    strict: true,
  }));
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
}
const { sub, tenant, role } = values;
if (!sub || !tenant || !role)
  fail('usage: --sub <id> --tenant <id> --role user|merchant|venue_manager|admin [--venues v1,v2] [--ttl seconds]');
if (!ROLES.includes(role)) fail(`--role must be one of ${ROLES.join(', ')}`);
const maxTtl = Number(wranglerVar('JWT_MAX_TTL_SECONDS'));
const ttlRule = `--ttl must be a whole number of seconds, at most ${maxTtl} (JWT_MAX_TTL_SECONDS)`;
if (values.ttl !== undefined && !/^\d+$/.test(values.ttl)) fail(ttlRule);
const ttl = values.ttl === undefined ? Math.min(3600, maxTtl) : Number(values.ttl);
if (ttl <= 0 || ttl > maxTtl) fail(ttlRule);
const secrets = readDevSecrets();
if (!secrets) fail('no dev keys yet: run `npm run dev` once (it creates .wrangler/dev/secrets.json)');

const venues = values.venues
  ? values.venues
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean)
  : [];
const key = await importPKCS8(secrets.jwtPrivateKeyPem, secrets.jwtAlg);
const token = await new SignJWT({ tenant_id: tenant, role, venues })
  .setProtectedHeader({ alg: secrets.jwtAlg, kid: secrets.jwtKid, typ: 'JWT' })
  .setSubject(sub)
  .setIssuer(wranglerVar('JWT_ISSUER'))
  .setAudience(wranglerVar('JWT_AUDIENCE'))
  .setIssuedAt()
  .setExpirationTime(`${ttl}s`)
  .sign(key);
process.stdout.write(`${token}\n`);
