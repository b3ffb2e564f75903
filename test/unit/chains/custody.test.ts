import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base58Encode } from '../../../src/chains/base58';
import { custodialAddress, custodialPrivateKey, evmAddressOf, solanaAddressOf, ticketMintSeed } from '../../../src/chains/custody';

const SEED = 'custody-test-seed-0123456789abcdefghijklmnop';
const hex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (b) => Number.parseInt(b, 16));
const scalar = (n: number) => {
  const key = new Uint8Array(32);
  key[31] = n;
  return key;
};

describe('custodial addresses', () => {
  it('derive EVM addresses as every wallet does (known private keys 1 and 2, EIP-55 checksums)', () => {
    expect(evmAddressOf(scalar(1))).toBe('0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf');
    expect(evmAddressOf(scalar(2))).toBe('0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF');
  });

  it('derive Solana addresses as base58 Ed25519 public keys (RFC 8032 test 1; base58 vectors)', () => {
    const secret = hex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
    const publicKey = hex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    expect(solanaAddressOf(secret)).toBe(base58Encode(publicKey));
    expect(base58Encode(new TextEncoder().encode('Hello World!'))).toBe('2NEpo7TZRRrLZSi2U');
    expect(base58Encode(Uint8Array.of(0, 0, 0, 1))).toBe('1112');
    expect(base58Encode(new Uint8Array(0))).toBe('');
  });

  it('are stable for a subject and differ between tenants, users and chains', async () => {
    const alice = { tenantId: 't1', userId: 'alice', chain: 'polygon' as const };
    expect(await custodialAddress(SEED, alice)).toBe(await custodialAddress(SEED, alice));
    expect(await custodialAddress(SEED, alice)).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(await custodialAddress(SEED, { ...alice, chain: 'solana' })).toMatch(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/);
    const others = [
      { ...alice, tenantId: 't2' },
      { ...alice, userId: 'bob' },
      // Ids that would read the same if joined naively.
      { tenantId: 't1|alice', userId: '', chain: 'polygon' as const },
    ];
    for (const other of others) expect(await custodialAddress(SEED, other)).not.toBe(await custodialAddress(SEED, alice));
    expect(await custodialAddress(`${SEED}-other`, alice)).not.toBe(await custodialAddress(SEED, alice));
  });

  it('never repeat across many subjects, and keys are valid for their curve', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.tuple(fc.string(), fc.string()), { minLength: 2, maxLength: 20, selector: ([t, u]) => `${t.length}:${t}${u}` }),
        async (pairs) => {
          const addresses = await Promise.all(
            pairs.map(([tenantId, userId]) => custodialAddress(SEED, { tenantId, userId, chain: 'polygon' })),
          );
          expect(new Set(addresses).size).toBe(pairs.length);
        },
      ),
      { numRuns: 20 },
    );
    const key = await custodialPrivateKey(SEED, { tenantId: 't', userId: 'u', chain: 'polygon' });
    expect(key).toHaveLength(32);
  });

  it('refuse a seed shorter than 32 bytes', async () => {
    await expect(custodialAddress('short', { tenantId: 't', userId: 'u', chain: 'solana' })).rejects.toThrow(/at least 32 bytes/);
  });

  it('derive one stable Solana mint seed per (tenant, ticket), unrelated to any custodial key', async () => {
    const mint = await ticketMintSeed(SEED, 't1', 'ticket-1');
    expect(mint).toHaveLength(32);
    expect(await ticketMintSeed(SEED, 't1', 'ticket-1')).toEqual(mint);
    const others = await Promise.all([
      ticketMintSeed(SEED, 't2', 'ticket-1'),
      ticketMintSeed(SEED, 't1', 'ticket-2'),
      // Ids that would read the same if joined naively.
      ticketMintSeed(SEED, 't1|ticket-1', ''),
      ticketMintSeed(`${SEED}-other`, 't1', 'ticket-1'),
      // The same strings as a custodial subject: another salt, another key.
      custodialPrivateKey(SEED, { tenantId: 't1', userId: 'ticket-1', chain: 'solana' }),
    ]);
    for (const other of others) expect(solanaAddressOf(other)).not.toBe(solanaAddressOf(mint));
    await expect(ticketMintSeed('short', 't1', 'ticket-1')).rejects.toThrow(/at least 32 bytes/);
  });
});
