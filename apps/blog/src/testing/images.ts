/** Real images made with sharp for tests: nothing binary is checked in. */
import sharp from 'sharp';

/** A landscape JPEG (stored 1200×800) tagged EXIF orientation 6 and carrying GPS data: displays as 800×1200. */
export async function rotatedJpegWithGps(width = 1200, height = 800): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#3366aa' } })
    .jpeg({ quality: 85 })
    .withMetadata({ orientation: 6 })
    .withExifMerge({
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

/** A plain coloured PNG. */
export async function colourPng(width: number, height: number, background = '#e07050'): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background } })
    .png()
    .toBuffer();
}

/** A small JPEG. */
export async function colourJpeg(width: number, height: number, background = '#50a070'): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background } })
    .jpeg()
    .toBuffer();
}

/** A minimal valid PDF (magic bytes are what matters). */
export function tinyPdf(): Buffer {
  return Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n', 'latin1');
}
