import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';

/** Dev-only secrets, made once and kept under .wrangler/dev so tokens survive restarts. Never used in production. */
export type DevSecrets = {
  jwtAlg: 'ES256';
  jwtKid: string;
  jwtPrivateKeyPem: string;
  jwtPublicKeyPem: string;
  internalServiceSecret: string;
  queueTokenSecret: string;
  paymentIdKey: string;
  stripeSecretKey: string;
  stripeWebhookSecret: string;
  /** Square webhook subscription signature key the sandbox signs with (x-square-hmacsha256-signature). */
  squareSignatureKey: string;
  /** Any bearer token works against the sandbox's Square emulator; this one is stable across restarts. */
  squareAccessToken: string;
  /** Checkout PSPs against the sandbox: signing secrets it shares with the app, and credentials it accepts. */
  adyenApiKey: string;
  adyenHmacKey: string;
  mercadopagoAccessToken: string;
  mercadopagoWebhookSecret: string;
  paypalClientId: string;
  paypalClientSecret: string;
  paypalWebhookId: string;
  tilopayApiKey: string;
  tilopayApiUser: string;
  tilopayApiPassword: string;
  qpayClientId: string;
  qpayClientSecret: string;
  /** NoTap: factor-digest pepper and the ES256 key that signs verification tokens. */
  factorPepper: string;
  verificationKeyPem: string;
  /** Recovery notifications against the sandbox's email and SMS emulators. */
  emailApiToken: string;
  smsAccountSid: string;
  smsAuthToken: string;
  /** Ticket NFTs: the seed of every custodial key (the local chains' minters are their own dev accounts). */
  custodySeed: string;
  /** 1099-DA: the AES-256-GCM key of sellers' TINs, base64 of 32 bytes. */
  taxTinKey: string;
};

export const DEV_DIR = path.join(process.cwd(), '.wrangler', 'dev');
const FILE = path.join(DEV_DIR, 'secrets.json');

export async function createDevSecrets(): Promise<DevSecrets> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return {
    jwtAlg: 'ES256',
    jwtKid: `dev-${randomBytes(4).toString('hex')}`,
    jwtPrivateKeyPem: await exportPKCS8(privateKey),
    jwtPublicKeyPem: await exportSPKI(publicKey),
    internalServiceSecret: randomBytes(32).toString('base64url'),
    queueTokenSecret: randomBytes(32).toString('base64url'),
    paymentIdKey: randomBytes(32).toString('base64url'),
    stripeSecretKey: `sk_test_sandbox_${randomBytes(12).toString('hex')}`,
    stripeWebhookSecret: `whsec_${randomBytes(24).toString('base64')}`,
    squareSignatureKey: randomBytes(16).toString('base64url'),
    squareAccessToken: `EAAAsandbox${randomBytes(24).toString('base64url')}`,
    adyenApiKey: `AQE_dev_${randomBytes(16).toString('hex')}`,
    adyenHmacKey: randomBytes(32).toString('hex').toUpperCase(),
    mercadopagoAccessToken: `APP_USR-dev-${randomBytes(12).toString('hex')}`,
    mercadopagoWebhookSecret: randomBytes(24).toString('hex'),
    paypalClientId: `dev-${randomBytes(12).toString('hex')}`,
    paypalClientSecret: randomBytes(24).toString('base64url'),
    paypalWebhookId: randomBytes(12).toString('hex').toUpperCase(),
    tilopayApiKey: randomBytes(10).toString('hex').toUpperCase().match(/.{4}/g)?.join('-') ?? '0000-0000-0000-0000-0000',
    tilopayApiUser: `dev_${randomBytes(4).toString('hex')}`,
    tilopayApiPassword: randomBytes(16).toString('base64url'),
    qpayClientId: `DEV_${randomBytes(4).toString('hex').toUpperCase()}`,
    qpayClientSecret: randomBytes(16).toString('base64url'),
    factorPepper: randomBytes(32).toString('base64url'),
    verificationKeyPem: await exportPKCS8((await generateKeyPair('ES256', { extractable: true })).privateKey),
    emailApiToken: randomBytes(16).toString('hex'),
    smsAccountSid: `AC${randomBytes(16).toString('hex')}`,
    smsAuthToken: randomBytes(16).toString('hex'),
    custodySeed: randomBytes(32).toString('base64url'),
    taxTinKey: randomBytes(32).toString('base64'),
  };
}

export async function loadOrCreateDevSecrets(): Promise<DevSecrets> {
  if (existsSync(FILE)) {
    // A file written before a secret was added gets the missing ones; existing keys are kept.
    const stored = JSON.parse(readFileSync(FILE, 'utf8')) as Partial<DevSecrets>;
    const fresh = await createDevSecrets();
    const missing = Object.keys(fresh).filter((k) => !(k in stored));
    if (missing.length === 0) return stored as DevSecrets;
    const merged = { ...fresh, ...stored } as DevSecrets;
    writeFileSync(FILE, JSON.stringify(merged, null, 2), { mode: 0o600 });
    return merged;
  }
  const secrets = await createDevSecrets();
  mkdirSync(DEV_DIR, { recursive: true });
  writeFileSync(FILE, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

export function readDevSecrets(): DevSecrets | null {
  return existsSync(FILE) ? (JSON.parse(readFileSync(FILE, 'utf8')) as DevSecrets) : null;
}

/** A [vars] value from wrangler.toml, so dev tokens carry the issuer and audience the Worker checks. */
export function wranglerVar(name: string): string {
  const toml = readFileSync(path.join(process.cwd(), 'wrangler.toml'), 'utf8');
  const match = new RegExp(`^${name}\\s*=\\s*"([^"]*)"`, 'm').exec(toml);
  if (!match) throw new Error(`wrangler.toml has no [vars] ${name}`);
  return match[1] as string;
}
