import { describe, expect, it } from 'vitest';
import { decodeTinKey, decryptTin, encryptTin, tinOwner } from '../../src/lib/tin-cipher';

const key = Buffer.alloc(32, 7).toString('base64');
const owner = tinOwner('t1', 'u1');

describe('TIN encryption', () => {
  it('takes base64 of exactly 32 bytes as the key', () => {
    expect(decodeTinKey(key)?.length).toBe(32);
    expect(decodeTinKey(key.replace(/=$/, ''))?.length).toBe(32);
    for (const bad of ['', Buffer.alloc(16).toString('base64'), Buffer.alloc(33).toString('base64'), 'not base64!', '%%%%']) {
      expect(decodeTinKey(bad), bad).toBeNull();
    }
  });

  it('round-trips, and never gives the same text twice', async () => {
    const a = await encryptTin(key, '123456789', owner);
    const b = await encryptTin(key, '123456789', owner);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1\.[A-Za-z0-9+/=]{16}\.[A-Za-z0-9+/=]+$/);
    expect(await decryptTin(key, a, owner)).toBe('123456789');
  });

  it('does not decrypt under another key, for another owner, or altered', async () => {
    const sealed = await encryptTin(key, '123456789', owner);
    await expect(decryptTin(Buffer.alloc(32, 8).toString('base64'), sealed, owner)).rejects.toThrow();
    await expect(decryptTin(key, sealed, tinOwner('t1', 'u2'))).rejects.toThrow();
    const [v, iv, data] = sealed.split('.') as [string, string, string];
    const flipped = `${v}.${iv}.${data.startsWith('A') ? `B${data.slice(1)}` : `A${data.slice(1)}`}`;
    await expect(decryptTin(key, flipped, owner)).rejects.toThrow();
    await expect(decryptTin(key, 'v2.x.y', owner)).rejects.toThrow('not a sealed TIN');
  });
});
