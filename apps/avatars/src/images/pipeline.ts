import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { inspectImage, refusalFromSharpError, type ImageFacts } from './inspect.js';
import {
  AVATAR_SIZES,
  DEFAULT_IMAGE_POLICY,
  LARGEST_AVATAR_SIZE,
  type AvatarSize,
  type ImagePolicy,
} from './policy.js';

export type RenditionFormat = 'webp' | 'jpeg';

/** One generated square file. Re-encoded from pixels only: no EXIF, XMP, ICC or GPS survives. */
export interface Rendition {
  size: AvatarSize;
  format: RenditionFormat;
  data: Buffer;
}

/** The square taken from the (oriented) source, in source pixels, so a UI can show or adjust it. */
export interface CropBox {
  left: number;
  top: number;
  size: number;
}

export interface ProcessedAvatar {
  source: ImageFacts & { sha256: string; animated: boolean };
  crop: CropBox;
  /** Every size not larger than the cropped square (never enlarged), in WebP and JPEG. */
  renditions: Rendition[];
}

export interface ProcessOptions {
  policy?: ImagePolicy;
  /** Background for the JPEG fallback of images with transparency. */
  jpegBackground?: string;
}

const WEBP_OPTIONS: sharp.WebpOptions = { quality: 82, effort: 4 };
const JPEG_OPTIONS: sharp.JpegOptions = { quality: 85, mozjpeg: false, progressive: false };

/**
 * Turns an untrusted image into avatar renditions.
 * Decodes once: orientation, attention crop and the downscale to the largest square happen in one
 * sharp pipeline (JPEG shrink-on-load applies); the smaller sizes are resized from that square's raw
 * pixels, never from the source again. Animated GIF/WebP use their first frame.
 * @throws ImageRefusedError for anything the sender should fix.
 */
export async function processAvatar(bytes: Uint8Array, options: ProcessOptions = {}): Promise<ProcessedAvatar> {
  const policy = options.policy ?? DEFAULT_IMAGE_POLICY;
  const facts = await inspectImage(bytes, policy);
  const side = Math.min(facts.width, facts.height);
  const master = Math.min(LARGEST_AVATAR_SIZE, side);

  let square: { data: Buffer; info: sharp.OutputInfo };
  try {
    square = await sharp(bytes, { limitInputPixels: policy.maxPixels, failOn: policy.failOn, pages: 1 })
      .rotate()
      .resize(master, master, { fit: 'cover', position: sharp.strategy.attention })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw refusalFromSharpError(error, policy);
  }

  const crop = cropInSourcePixels(square.info, facts, side, master);
  const raw = { width: master, height: master, channels: square.info.channels };
  const background = options.jpegBackground ?? '#ffffff';
  const sizes = AVATAR_SIZES.filter((size) => size <= master);

  const renditions = await Promise.all(
    sizes.flatMap((size) => {
      const pixels = () => {
        const image = sharp(square.data, { raw });
        return size === master ? image : image.resize(size, size, { kernel: sharp.kernel.lanczos3 });
      };
      return [
        pixels()
          .webp(WEBP_OPTIONS)
          .toBuffer()
          .then((data): Rendition => ({ size, format: 'webp', data })),
        pixels()
          .flatten({ background })
          .jpeg(JPEG_OPTIONS)
          .toBuffer()
          .then((data): Rendition => ({ size, format: 'jpeg', data })),
      ];
    }),
  );

  return {
    source: { ...facts, sha256: createHash('sha256').update(bytes).digest('hex'), animated: facts.pages > 1 },
    crop,
    renditions,
  };
}

/**
 * sharp reports the attention crop as negative offsets in the resized image (shortest side = master);
 * scale them back to the oriented source.
 */
function cropInSourcePixels(info: sharp.OutputInfo, facts: ImageFacts, side: number, master: number): CropBox {
  const scale = side / master;
  const left = Math.round(Math.abs(info.cropOffsetLeft ?? 0) * scale);
  const top = Math.round(Math.abs(info.cropOffsetTop ?? 0) * scale);
  return {
    left: Math.min(Math.max(0, left), facts.width - side),
    top: Math.min(Math.max(0, top), facts.height - side),
    size: side,
  };
}
