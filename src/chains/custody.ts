import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { base58Encode } from './base58';

/**
 * Custodial keys: one per (tenant, user, chain), derived with HKDF-SHA256 from one secret seed, so no
 * private key is ever stored — each is derived again when a transaction must be signed, and only the
 * address leaves this module. The derivation names its purpose and version ("edgepay-custody-v1"), so
 * another use of the seed, or a later scheme, derives unrelated keys.
 */
export type CustodyChain = 'polygon' | 'solana';
export type CustodySubject = { tenantId: string; userId: string; chain: CustodyChain };

const SALT = new TextEncoder().encode('edgepay-custody-v1');
const MINT_SALT = new TextEncoder().encode('edgepay-solana-mint-v1');
const MIN_SEED_BYTES = 32;

async function derive(seed: Uint8Array<ArrayBuffer>, subject: CustodySubject, counter: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', seed, 'HKDF', false, ['deriveBits']);
  // Lengths first, so no choice of ids can make two subjects' info strings equal.
  const info = new TextEncoder().encode(
    [subject.chain, subject.tenantId, subject.userId].map((part) => `${part.length}:${part}`).join('|') + `|${counter}`,
  );
  return new Uint8Array(await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: SALT, info }, key, 256));
}

function seedBytes(seed: string): Uint8Array<ArrayBuffer> {
  const bytes = Uint8Array.from(new TextEncoder().encode(seed));
  if (bytes.length < MIN_SEED_BYTES) throw new Error(`the custody seed must be at least ${MIN_SEED_BYTES} bytes`);
  return bytes;
}

/** The subject's private key: 32 bytes, a valid scalar for its chain's curve. For signing only; never log or store it. */
export async function custodialPrivateKey(seed: string, subject: CustodySubject): Promise<Uint8Array> {
  const bytes = seedBytes(seed);
  if (subject.chain === 'solana') return derive(bytes, subject, 0);
  // A secp256k1 key must lie in [1, n − 1]; 32 random bytes miss that range with probability about 2^-128,
  // and then the next counter is used.
  for (let counter = 0; ; counter++) {
    const candidate = await derive(bytes, subject, counter);
    if (secp256k1.utils.isValidSecretKey(candidate)) return candidate;
  }
}

/**
 * The Ed25519 seed of a ticket's SPL mint account on Solana: derived from the same secret seed with its own salt,
 * so the mint address depends on (tenant, ticket) alone. A resend names the same mint, and creating an account that
 * already exists fails instead of minting the ticket twice. For signing only; never log or store it.
 */
export async function ticketMintSeed(seed: string, tenantId: string, ticketId: string): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', seedBytes(seed), 'HKDF', false, ['deriveBits']);
  const info = new TextEncoder().encode([tenantId, ticketId].map((part) => `${part.length}:${part}`).join('|'));
  return new Uint8Array(await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: MINT_SALT, info }, key, 256));
}

/** An EVM address (EIP-55 checksummed) of a secp256k1 private key: the last 20 bytes of keccak256(public key). */
export function evmAddressOf(privateKey: Uint8Array): string {
  const publicKey = secp256k1.getPublicKey(privateKey, false).subarray(1);
  const hex = [...keccak_256(publicKey).subarray(12)].map((b) => b.toString(16).padStart(2, '0')).join('');
  const hash = [...keccak_256(new TextEncoder().encode(hex))].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `0x${[...hex].map((c, i) => (Number.parseInt(hash[i] as string, 16) >= 8 ? c.toUpperCase() : c)).join('')}`;
}

/** A Solana address: the base58 of the Ed25519 public key of a 32-byte seed. */
export function solanaAddressOf(privateKey: Uint8Array): string {
  return base58Encode(ed25519.getPublicKey(privateKey));
}

/** The subject's custodial address on its chain. */
export async function custodialAddress(seed: string, subject: CustodySubject): Promise<string> {
  const key = await custodialPrivateKey(seed, subject);
  try {
    return subject.chain === 'polygon' ? evmAddressOf(key) : solanaAddressOf(key);
  } finally {
    key.fill(0);
  }
}
