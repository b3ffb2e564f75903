import { createHash } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';

/**
 * What QPay returns to show an invoice: `qr_text`, an EMVCo merchant-presented QR payload, and `qr_image`,
 * a base64 PNG without a `data:` prefix. The emulator builds a well-formed EMVCo string (tags, lengths,
 * CRC-16/CCITT-FALSE in tag 63) and a small real PNG whose pixels derive from that string; it is not a
 * scannable QR code, which no test needs.
 */
const tlv = (tag: string, value: string) => `${tag}${String(value.length).padStart(2, '0')}${value}`;

/** CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF), as EMVCo QR requires, over the payload including "6304". */
export function emvCrc16(text: string): string {
  let crc = 0xffff;
  for (const byte of Buffer.from(text, 'utf8')) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc.toString(16).toUpperCase().padStart(4, '0');
}

export function emvQrText(invoiceId: string, amountTugrik: number): string {
  const body = [
    tlv('00', '01'), // payload format indicator
    tlv('01', '12'), // point of initiation: dynamic
    tlv('26', tlv('00', 'mn.qpay') + tlv('01', invoiceId.replace(/-/g, '').slice(0, 25))),
    tlv('52', '5999'),
    tlv('53', '496'), // MNT
    tlv('54', String(amountTugrik)),
    tlv('58', 'MN'),
    tlv('59', 'EDGEPAY_SANDBOX'),
    tlv('60', 'ULAANBAATAR'),
    tlv('62', tlv('05', invoiceId.slice(0, 25))),
  ].join('');
  const withCrcTag = `${body}6304`;
  return `${withCrcTag}${emvCrc16(withCrcTag)}`;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A 21×21 8-bit grayscale PNG (the size of a version-1 QR), black/white modules from a hash of `text`. */
export function qrPngBase64(text: string): string {
  const size = 21;
  const bits = createHash('sha512').update(text).digest();
  const rows: Buffer[] = [];
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(size + 1); // filter byte 0, then one byte per pixel
    for (let x = 0; x < size; x++) {
      const i = y * size + x;
      const on = ((bits[(i >> 3) % bits.length] as number) >> (i & 7)) & 1;
      row[x + 1] = on ? 0 : 255;
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // grayscale
  const png = Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
  return png.toString('base64');
}
