/**
 * Sellers' TINs are stored only as AES-256-GCM ciphertext under TAX_TIN_KEY (base64 of 32 bytes), as
 * `v1.<base64 IV>.<base64 ciphertext and tag>`. Each encryption draws a random 96-bit IV, so one TIN never
 * gives the same text twice. The associated data names whose TIN it is: a ciphertext copied to another
 * seller's profile does not decrypt.
 */
const encoder = new TextEncoder();
const VERSION = 'v1';

function fromBase64(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** The key's 32 bytes, or null when the text is not base64 of exactly 32 bytes. */
export function decodeTinKey(base64: string): Uint8Array<ArrayBuffer> | null {
  const bytes = fromBase64(base64.trim());
  return bytes?.length === 32 ? bytes : null;
}

function importKey(base64: string, usage: 'encrypt' | 'decrypt'): Promise<CryptoKey> {
  const raw = decodeTinKey(base64);
  if (!raw) throw new Error('TAX_TIN_KEY must be base64 of 32 bytes');
  return crypto.subtle.importKey('raw', raw, { name: 'AES-GCM' }, false, [usage]);
}

/** `owner` is bound to the ciphertext (e.g. the tenant and user the TIN belongs to). */
export async function encryptTin(keyBase64: string, tin: string, owner: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const key = await importKey(keyBase64, 'encrypt');
  const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: encoder.encode(owner) }, key, encoder.encode(tin));
  return `${VERSION}.${toBase64(iv)}.${toBase64(new Uint8Array(sealed))}`;
}

/** The TIN back, for a filing that needs it whole; throws for another key, another owner or altered text. */
export async function decryptTin(keyBase64: string, sealed: string, owner: string): Promise<string> {
  const [version, ivText, dataText] = sealed.split('.');
  const iv = fromBase64(ivText ?? '');
  const data = fromBase64(dataText ?? '');
  if (version !== VERSION || iv?.length !== 12 || !data) throw new Error('not a sealed TIN');
  const key = await importKey(keyBase64, 'decrypt');
  const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: encoder.encode(owner) }, key, data);
  return new TextDecoder().decode(plain);
}

/** What the ciphertext is bound to: the seller's tenant and user. */
export function tinOwner(tenantId: string, userId: string): string {
  return `tax-profile:${tenantId}:${userId}`;
}
