/** HMAC and hashing helpers over WebCrypto (available in workerd and Node 22 alike). */
const encoder = new TextEncoder();

export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let out = '';
  for (const b of view) out += b.toString(16).padStart(2, '0');
  return out;
}

/** Parses lowercase or uppercase hex; returns null for anything else (odd length, bad chars). */
export function fromHex(hex: string): Uint8Array<ArrayBuffer> | null {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return null;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** `Basic base64(user:password)` over the UTF-8 bytes (btoa alone rejects characters beyond Latin-1). */
export function basicAuthorization(user: string, password: string): string {
  let binary = '';
  for (const b of new TextEncoder().encode(`${user}:${password}`)) binary += String.fromCharCode(b);
  return `Basic ${btoa(binary)}`;
}

export function importHmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

export async function hmacSha256Hex(secret: string, data: string): Promise<string> {
  const key = await importHmacKey(secret);
  return toHex(await crypto.subtle.sign('HMAC', key, encoder.encode(data)));
}

/** Constant-time check: WebCrypto's verify compares the MAC without early exit. */
export async function verifyHmacSha256Hex(secret: string, data: string, signatureHex: string): Promise<boolean> {
  const signature = fromHex(signatureHex);
  if (signature === null || signature.length !== 32) return false;
  const key = await importHmacKey(secret);
  return crypto.subtle.verify('HMAC', key, signature, encoder.encode(data));
}

export async function sha256Hex(data: string): Promise<string> {
  return toHex(await crypto.subtle.digest('SHA-256', encoder.encode(data)));
}
