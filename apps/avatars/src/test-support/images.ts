/**
 * Real images made with sharp for tests (and the benchmark): nothing is checked in as a binary.
 */
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

/** A white landscape JPEG with a red block in its stored top-left corner, tagged EXIF orientation 6 (rotate 90° clockwise to display). */
export async function orientedJpeg(width = 1200, height = 800): Promise<Buffer> {
  const red = await sharp({ create: { width: width / 4, height: height / 4, channels: 3, background: '#ff0000' } })
    .png()
    .toBuffer();
  return sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .composite([{ input: red, left: 0, top: 0 }])
    .jpeg({ quality: 90 })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

/** A JPEG carrying GPS coordinates and camera details in EXIF. */
export async function jpegWithGps(width = 600, height = 600): Promise<Buffer> {
  return sharp({
    create: { width, height, channels: 3, background: '#000000', noise: { type: 'gaussian', mean: 128, sigma: 40 } },
  })
    .jpeg()
    .withExif({
      IFD0: { Make: 'TestCam', Model: 'GPS-1' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '48/1 51/1 2981/100',
        GPSLongitudeRef: 'E',
        GPSLongitude: '2/1 17/1 4021/100',
      },
    })
    .toBuffer();
}

/** A transparent PNG with an opaque blue disc in the middle. */
export async function pngWithAlpha(size = 400): Promise<Buffer> {
  const disc = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}"><circle cx="${size / 2}" cy="${size / 2}" r="${size / 4}" fill="#0000ff"/></svg>`,
  );
  return sharp(disc).png().toBuffer();
}

/** An animated GIF: red, green, then blue frames. */
export async function animatedGif(width = 300, height = 200): Promise<Buffer> {
  const colours = ['#ff0000', '#00ff00', '#0000ff'];
  const frames = await Promise.all(
    colours.map((background) =>
      sharp({ create: { width, height, channels: 3, background } })
        .raw()
        .toBuffer(),
    ),
  );
  return sharp(Buffer.concat(frames), {
    raw: { width, height: height * colours.length, channels: 3, pageHeight: height },
  })
    .gif({ loop: 0, delay: colours.map(() => 200) })
    .toBuffer();
}

/** A photo-like JPEG (noise plus shapes) of the given size, e.g. 4000×3000 = 12 MP. */
export async function photoJpeg(width: number, height: number, quality = 88): Promise<Buffer> {
  const shapes = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
      <rect width="100%" height="100%" fill="#5a7d9a"/>
      <circle cx="${width * 0.6}" cy="${height * 0.45}" r="${height * 0.25}" fill="#e0b090"/>
      <rect x="${width * 0.1}" y="${height * 0.6}" width="${width * 0.3}" height="${height * 0.3}" fill="#2e8b57"/>
    </svg>`,
  );
  const noise = await sharp({
    create: { width, height, channels: 3, background: '#000000', noise: { type: 'gaussian', mean: 128, sigma: 30 } },
  })
    .png({ compressionLevel: 0 })
    .toBuffer();
  return sharp(shapes)
    .composite([{ input: noise, blend: 'soft-light' }])
    .jpeg({ quality })
    .toBuffer();
}

/** A plain single-colour PNG. */
export async function plainPng(width: number, height: number, background = '#336699'): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background } })
    .png()
    .toBuffer();
}

/**
 * A decompression bomb: a valid PNG signature and IHDR declaring `width`×`height` RGB pixels,
 * followed by a token IDAT. The file is ~60 bytes.
 */
export function pngBomb(width = 100_000, height = 100_000): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.alloc(16))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * An HEIC-branded HEIF file. Prebuilt sharp cannot encode HEVC, so this is a real AVIF (HEIF container,
 * AV1 pixels) whose `ftyp` major brand is rewritten to `heic`, exactly what an iPhone file starts with.
 */
export async function heicBranded(): Promise<Buffer> {
  const avif = await sharp({ create: { width: 256, height: 256, channels: 3, background: '#aa8844' } })
    .avif()
    .toBuffer();
  const out = Buffer.from(avif);
  if (out.toString('latin1', 4, 8) !== 'ftyp') throw new Error('unexpected AVIF layout');
  out.write('heic', 8, 'latin1');
  return out;
}

/** A small valid PDF. */
export function pdfDocument(): Buffer {
  return Buffer.from(
    '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
  );
}

/** An SVG with a script, the kind of "image" that must never be stored. */
export function svgWithScript(): Buffer {
  return Buffer.from(
    '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="512" height="512"><script>alert(1)</script><rect width="512" height="512" fill="red"/></svg>',
  );
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}
