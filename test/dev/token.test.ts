import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeProtectedHeader, importSPKI, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevSecrets, type DevSecrets } from '../../dev/keys.ts';

/**
 * `npm run dev:token` as a user runs it: the real CLI in a child Node process, in a directory that holds
 * a wrangler.toml and the dev secrets `npm run dev` would have written.
 */
const root = path.resolve(import.meta.dirname, '..', '..');
const node = path.join(root, 'node_modules', '.bin', 'node');
const cli = path.join(root, 'dev', 'token.ts');
const wranglerToml = readFileSync(path.join(root, 'wrangler.toml'), 'utf8');

function tomlVar(name: string): string {
  const match = new RegExp(`^${name}\\s*=\\s*"([^"]*)"`, 'm').exec(wranglerToml);
  if (!match) throw new Error(`wrangler.toml has no ${name}`);
  return match[1] as string;
}

const dirs: string[] = [];
let withSecrets: string;
let secrets: DevSecrets;

function tempProject(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'edgepay-token-'));
  dirs.push(dir);
  copyFileSync(path.join(root, 'wrangler.toml'), path.join(dir, 'wrangler.toml'));
  return dir;
}

beforeAll(async () => {
  secrets = await createDevSecrets();
  withSecrets = tempProject();
  mkdirSync(path.join(withSecrets, '.wrangler', 'dev'), { recursive: true });
  writeFileSync(path.join(withSecrets, '.wrangler', 'dev', 'secrets.json'), JSON.stringify(secrets, null, 2));
});

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function run(args: string[], cwd = withSecrets): SpawnSyncReturns<string> {
  return spawnSync(node, [cli, ...args], { cwd, encoding: 'utf8', timeout: 30_000, env: { ...process.env, NODE_NO_WARNINGS: '1' } });
}

const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

async function verify(token: string) {
  const key = await importSPKI(secrets.jwtPublicKeyPem, 'ES256');
  return jwtVerify(token, key, { issuer: tomlVar('JWT_ISSUER'), audience: tomlVar('JWT_AUDIENCE'), algorithms: ['ES256'] });
}

describe('dev:token CLI', () => {
  it('prints exactly one line holding a JWT the dev public key verifies, with the requested claims', async () => {
    const started = Math.floor(Date.now() / 1000);
    const res = run(['--sub', 'u1', '--tenant', 't1', '--role', 'admin', '--venues', 'v1,v2']);
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    expect(res.stdout.endsWith('\n')).toBe(true);
    const lines = res.stdout.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('');
    const token = lines[0] as string;
    expect(token).toMatch(JWT);

    const { payload, protectedHeader } = await verify(token);
    expect(protectedHeader).toEqual({ alg: 'ES256', kid: secrets.jwtKid, typ: 'JWT' });
    expect(payload.sub).toBe('u1');
    expect(payload.tenant_id).toBe('t1');
    expect(payload.role).toBe('admin');
    expect(payload.venues).toEqual(['v1', 'v2']);
    expect(payload.iss).toBe('https://auth.edgepay.dev');
    expect(payload.aud).toBe('edgepay-api');
    const finished = Math.floor(Date.now() / 1000);
    expect(payload.iat).toBeGreaterThanOrEqual(started - 1);
    expect(payload.iat).toBeLessThanOrEqual(finished + 1);
    expect(payload.exp).toBeGreaterThanOrEqual(started + 3600 - 1);
    expect(payload.exp).toBeLessThanOrEqual(finished + 3600 + 1);
  });

  it('does not verify with another key', async () => {
    const res = run(['--sub', 'u1', '--tenant', 't1', '--role', 'user']);
    expect(res.status).toBe(0);
    const other = await createDevSecrets();
    const key = await importSPKI(other.jwtPublicKeyPem, 'ES256');
    await expect(jwtVerify(res.stdout.trim(), key)).rejects.toThrow();
  });

  it('defaults venues to [] and trims and drops empty venue ids', async () => {
    const none = run(['--sub', 'u2', '--tenant', 't2', '--role', 'merchant']);
    expect(none.status).toBe(0);
    expect((await verify(none.stdout.trim())).payload.venues).toEqual([]);
    const messy = run(['--sub', 'u2', '--tenant', 't2', '--role', 'venue_manager', '--venues', ' v1 ,,v3,']);
    expect(messy.status).toBe(0);
    const { payload } = await verify(messy.stdout.trim());
    expect(payload.role).toBe('venue_manager');
    expect(payload.venues).toEqual(['v1', 'v3']);
  });

  it('--ttl 60 expires in a minute', async () => {
    const started = Math.floor(Date.now() / 1000);
    const res = run(['--sub', 'u1', '--tenant', 't1', '--role', 'user', '--ttl', '60']);
    expect(res.status).toBe(0);
    const { payload } = await verify(res.stdout.trim());
    const finished = Math.floor(Date.now() / 1000);
    expect(payload.exp).toBeGreaterThanOrEqual(started + 60 - 1);
    expect(payload.exp).toBeLessThanOrEqual(finished + 60 + 1);
    expect(decodeProtectedHeader(res.stdout.trim()).alg).toBe('ES256');
  });

  describe('bad input exits 2 with a message on stderr and nothing on stdout', () => {
    const cases: Array<[string, string[], RegExp]> = [
      ['missing --role', ['--sub', 'u1', '--tenant', 't1'], /usage: --sub <id> --tenant <id> --role/],
      ['missing --sub', ['--tenant', 't1', '--role', 'admin'], /usage:/],
      ['no arguments', [], /usage:/],
      [
        '--role superuser',
        ['--sub', 'u1', '--tenant', 't1', '--role', 'superuser'],
        /--role must be one of user, merchant, venue_manager, admin/,
      ],
      ['an unknown flag', ['--sub', 'u1', '--tenant', 't1', '--role', 'admin', '--admin'], /unknown option '--admin'/i],
      ['--ttl 0', ['--sub', 'u1', '--tenant', 't1', '--role', 'admin', '--ttl', '0'], /--ttl must be a whole number/],
      ['--ttl -5', ['--sub', 'u1', '--tenant', 't1', '--role', 'admin', '--ttl=-5'], /--ttl must be a whole number/],
      ['--ttl 1.5', ['--sub', 'u1', '--tenant', 't1', '--role', 'admin', '--ttl', '1.5'], /--ttl must be a whole number/],
      ['--ttl abc', ['--sub', 'u1', '--tenant', 't1', '--role', 'admin', '--ttl', 'abc'], /--ttl must be a whole number/],
      ['--ttl empty', ['--sub', 'u1', '--tenant', 't1', '--role', 'admin', '--ttl', ''], /--ttl must be a whole number/],
      ['--ttl 1e3', ['--sub', 'u1', '--tenant', 't1', '--role', 'admin', '--ttl', '1e3'], /--ttl must be a whole number/],
      [
        '--ttl over JWT_MAX_TTL_SECONDS',
        ['--sub', 'u1', '--tenant', 't1', '--role', 'admin', '--ttl', String(Number(tomlVar('JWT_MAX_TTL_SECONDS')) + 1)],
        /at most \d+ \(JWT_MAX_TTL_SECONDS\)/,
      ],
    ];
    for (const [what, args, message] of cases) {
      it(what, () => {
        const res = run(args);
        expect(res.status).toBe(2);
        expect(res.stdout).toBe('');
        expect(res.stderr).toMatch(/^dev:token: /);
        expect(res.stderr).toMatch(message);
      });
    }
  });

  it('without dev secrets exits 2 telling to run npm run dev', () => {
    const bare = tempProject();
    const res = run(['--sub', 'u1', '--tenant', 't1', '--role', 'admin'], bare);
    expect(res.status).toBe(2);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('npm run dev');
    expect(res.stderr).toContain('.wrangler/dev/secrets.json');
  });

  it('accepts the largest lifetime the API accepts (JWT_MAX_TTL_SECONDS)', async () => {
    const max = Number(tomlVar('JWT_MAX_TTL_SECONDS'));
    const res = run(['--sub', 'u1', '--tenant', 't1', '--role', 'admin', '--ttl', String(max)]);
    expect(res.status).toBe(0);
    const { payload } = await verify(res.stdout.trim());
    expect((payload.exp as number) - (payload.iat as number)).toBe(max);
  });

  it('by default mints a token that lives an hour, within JWT_MAX_TTL_SECONDS', async () => {
    const res = run(['--sub', 'u1', '--tenant', 't1', '--role', 'admin']);
    expect(res.status).toBe(0);
    const { payload } = await verify(res.stdout.trim());
    const lifetime = (payload.exp as number) - (payload.iat as number);
    expect(lifetime).toBe(3600);
    expect(lifetime).toBeLessThanOrEqual(Number(tomlVar('JWT_MAX_TTL_SECONDS')));
  });
});
