/**
 * A generated PNG "portrait" (a face on a gradient) for the avatar try-it link: a file input cannot be
 * pre-filled from a URL, so compose can attach this instead. Encoded here with zlib (PNG is deflate + CRCs).
 */
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** An RGB PNG of `size`×`size` pixels (default 320, above the avatars' 128 px minimum). */
export function samplePhoto(size = 320): Buffer {
  const rows: Buffer[] = [];
  const centre = size / 2;
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 3); // filter byte 0 (None), then RGB triples
    for (let x = 0; x < size; x++) {
      const dx = (x - centre) / size;
      const dy = (y - centre * 0.9) / size;
      const face = dx * dx + dy * dy < 0.07;
      const eye =
        (x - size * 0.4) ** 2 + (y - size * 0.4) ** 2 < (size * 0.03) ** 2 ||
        (x - size * 0.6) ** 2 + (y - size * 0.4) ** 2 < (size * 0.03) ** 2;
      const mouth = Math.abs(dy - 0.12) < 0.012 && Math.abs(dx) < 0.1;
      const [r, g, b] =
        eye || mouth ? [40, 30, 30] : face ? [240, 200, 160] : [30 + (120 * y) / size, 90, 160 + (80 * x) / size];
      row.writeUInt8(Math.round(r), 1 + x * 3);
      row.writeUInt8(Math.round(g), 2 + x * 3);
      row.writeUInt8(Math.round(b), 3 + x * 3);
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(2, 9); // colour type: truecolour
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
