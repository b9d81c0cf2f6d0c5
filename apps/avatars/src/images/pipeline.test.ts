import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { rejectionOf } from '@mailroom/core/testing';
import {
  animatedGif,
  heicBranded,
  jpegWithGps,
  orientedJpeg,
  pdfDocument,
  photoJpeg,
  plainPng,
  pngBomb,
  pngWithAlpha,
  svgWithScript,
} from '../test-support/images.js';
import { ImageRefusedError, processAvatar, inspectImage, DEFAULT_IMAGE_POLICY, type Rendition } from './index.js';

async function pixel(data: Buffer, x: number, y: number): Promise<number[]> {
  const { data: raw, info } = await sharp(data).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const offset = (y * info.width + x) * info.channels;
  return [...raw.subarray(offset, offset + info.channels)];
}

function rendition(list: Rendition[], size: number, format: 'webp' | 'jpeg'): Buffer {
  const found = list.find((r) => r.size === size && r.format === format);
  if (!found) throw new Error(`no ${size} ${format}`);
  return found.data;
}

const refusal = (promise: Promise<unknown>) => rejectionOf(promise, ImageRefusedError);

const isRed = ([r, g, b]: number[]) => r! > 200 && g! < 60 && b! < 60;
const isWhite = ([r, g, b]: number[]) => r! > 230 && g! > 230 && b! > 230;

describe('processAvatar', () => {
  it('turns an EXIF orientation 6 JPEG upright before cropping', async () => {
    // Stored 1200×800 with red in the stored top-left; displayed 800×1200 with red in the top-right.
    const input = await orientedJpeg(1200, 800);
    expect((await sharp(input).metadata()).orientation).toBe(6);
    const avatar = await processAvatar(input);
    expect(avatar.source).toMatchObject({ width: 800, height: 1200, orientation: 6, mime: 'image/jpeg' });
    expect(avatar.crop.size).toBe(800);
    expect(avatar.crop.left).toBe(0);
    const largest = rendition(avatar.renditions, 512, 'jpeg');
    const meta = await sharp(largest).metadata();
    expect([meta.width, meta.height, meta.orientation]).toEqual([512, 512, undefined]);
    // Map displayed source points into the 512 square with the reported crop.
    const toOutput = (x: number, y: number) =>
      [Math.round((x - avatar.crop.left) * 0.64), Math.round((y - avatar.crop.top) * 0.64)] as const;
    expect(avatar.crop.top).toBeLessThan(100);
    const [rx, ry] = toOutput(760, 120);
    expect(isRed(await pixel(largest, rx, ry))).toBe(true); // top-right: upright
    const [lx, ly] = toOutput(40, 120);
    expect(isWhite(await pixel(largest, lx, ly))).toBe(true); // top-left: would be red if not rotated
    const [bx, by] = toOutput(40, avatar.crop.top + 780);
    expect(isWhite(await pixel(largest, bx, by))).toBe(true); // bottom-left: would be red if rotated the wrong way
  });

  it('removes GPS and every other metadata block from every rendition', async () => {
    const input = await jpegWithGps();
    const inputMeta = await sharp(input).metadata();
    expect(inputMeta.exif?.includes(Buffer.from('TestCam'))).toBe(true);
    const avatar = await processAvatar(input);
    expect(avatar.renditions).toHaveLength(8);
    for (const { data, size, format } of avatar.renditions) {
      const meta = await sharp(data).metadata();
      expect(meta.exif, `${size} ${format}`).toBeUndefined();
      expect(meta.xmp, `${size} ${format}`).toBeUndefined();
      expect(meta.icc, `${size} ${format}`).toBeUndefined();
      expect(data.includes(Buffer.from('GPS-1')), `${size} ${format}`).toBe(false);
    }
  });

  it('keeps transparency in WebP and flattens it onto white in the JPEG fallback', async () => {
    const avatar = await processAvatar(await pngWithAlpha(400));
    expect(avatar.source.hasAlpha).toBe(true);
    const webp = rendition(avatar.renditions, 256, 'webp');
    expect((await sharp(webp).metadata()).hasAlpha).toBe(true);
    expect((await pixel(webp, 2, 2))[3]).toBe(0);
    const centre = await pixel(webp, 128, 128);
    expect(centre[2]).toBeGreaterThan(200);
    expect(centre[3]).toBe(255);
    const jpeg = rendition(avatar.renditions, 256, 'jpeg');
    expect((await sharp(jpeg).metadata()).hasAlpha).toBe(false);
    expect(isWhite(await pixel(jpeg, 2, 2))).toBe(true);
    expect((await pixel(jpeg, 128, 128))[2]).toBeGreaterThan(200);
  });

  it('uses the first frame of an animated GIF as a static image', async () => {
    const avatar = await processAvatar(await animatedGif(300, 200));
    expect(avatar.source).toMatchObject({ mime: 'image/gif', pages: 3, animated: true, width: 300, height: 200 });
    expect(avatar.renditions.map((r) => `${r.size}${r.format}`)).toEqual(['64webp', '64jpeg', '128webp', '128jpeg']);
    for (const { data } of avatar.renditions) {
      const meta = await sharp(data, { pages: -1 }).metadata();
      expect(meta.pages ?? 1).toBe(1);
      expect(isRed(await pixel(data, 10, 10))).toBe(true);
    }
  });

  it('makes four square sizes in WebP and JPEG and never enlarges', async () => {
    const big = await processAvatar(await photoJpeg(1600, 1200));
    expect(big.renditions.map((r) => `${r.size}${r.format}`).sort()).toEqual([
      '128jpeg',
      '128webp',
      '256jpeg',
      '256webp',
      '512jpeg',
      '512webp',
      '64jpeg',
      '64webp',
    ]);
    for (const { data, size, format } of big.renditions) {
      const meta = await sharp(data).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual([format, size, size]);
    }
    const small = await processAvatar(await plainPng(300, 200));
    expect(small.renditions.map((r) => r.size)).toEqual([64, 64, 128, 128]);
    expect(small.crop).toEqual({ left: expect.any(Number), top: 0, size: 200 });
  });

  it('reports the attention crop in source pixels', async () => {
    // Flat grey 2000×1000 with a busy, saturated patch near the right edge.
    const patch = await sharp({
      create: {
        width: 200,
        height: 200,
        channels: 3,
        background: '#000000',
        noise: { type: 'gaussian', mean: 128, sigma: 90 },
      },
    })
      .png()
      .toBuffer();
    const input = await sharp({ create: { width: 2000, height: 1000, channels: 3, background: '#808080' } })
      .composite([{ input: patch, left: 1600, top: 400 }])
      .png()
      .toBuffer();
    const avatar = await processAvatar(input);
    expect(avatar.crop.size).toBe(1000);
    expect(avatar.crop.top).toBe(0);
    expect(avatar.crop.left).toBeGreaterThanOrEqual(800);
    expect(avatar.crop.left).toBeLessThanOrEqual(1000);
  });
});

describe('refusals', () => {
  it('refuses oversize files before reading them', async () => {
    const tooBig = Buffer.alloc(DEFAULT_IMAGE_POLICY.maxBytes + 1);
    tooBig.set([0xff, 0xd8, 0xff, 0xe0]);
    const error = await refusal(processAvatar(tooBig));
    expect(error.code).toBe('too-many-bytes');
    expect(error.reason).toContain('10 MB');
    const custom = await refusal(
      processAvatar(await photoJpeg(800, 800), { policy: { ...DEFAULT_IMAGE_POLICY, maxBytes: 1000 } }),
    );
    expect(custom.code).toBe('too-many-bytes');
  });

  it('refuses a decompression bomb from its header, quickly', async () => {
    const bomb = pngBomb(100_000, 100_000);
    expect(bomb.length).toBeLessThan(100);
    const started = performance.now();
    const error = await refusal(processAvatar(bomb));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(error.code).toBe('too-many-pixels');
    // 64 MP is under sharp's own default limit (268 MP) but over ours.
    const medium = await refusal(inspectImage(pngBomb(8000, 8000)));
    expect(medium.code).toBe('too-many-pixels');
    expect(medium.reason).toContain('40 megapixels');
  });

  it('refuses SVG, PDF, HEIC, unknown and unsupported types by their bytes', async () => {
    expect((await refusal(processAvatar(svgWithScript()))).code).toBe('svg');
    expect((await refusal(processAvatar(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')))).code).toBe('svg');
    expect((await refusal(processAvatar(pdfDocument()))).code).toBe('pdf');
    const heic = await refusal(processAvatar(await heicBranded()));
    expect(heic.code).toBe('heic');
    expect(heic.reason).toMatch(/JPEG/);
    expect(heic.reason).toMatch(/Most Compatible/);
    expect((await refusal(processAvatar(Buffer.from('hello, this is not an image at all')))).code).toBe('unknown-type');
    const tiff = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#000' } })
      .tiff()
      .toBuffer();
    expect((await refusal(processAvatar(tiff))).code).toBe('unsupported-type');
    expect((await refusal(processAvatar(Buffer.alloc(0)))).code).toBe('empty');
  });

  it('refuses images smaller than 128 px with their size in the reason', async () => {
    const error = await refusal(processAvatar(await plainPng(100, 300)));
    expect(error.code).toBe('too-small');
    expect(error.reason).toContain('100×300');
    await expect(processAvatar(await plainPng(128, 128))).resolves.toBeTruthy();
  });

  it('refuses a truncated JPEG instead of producing a half-grey avatar', async () => {
    const whole = await photoJpeg(600, 600);
    const error = await refusal(processAvatar(whole.subarray(0, Math.floor(whole.length * 0.6))));
    expect(error.code).toBe('unreadable');
  });
});
