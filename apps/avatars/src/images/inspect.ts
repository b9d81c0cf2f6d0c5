import sharp from 'sharp';
import { fileTypeFromBuffer } from 'file-type';
import { ACCEPTED_MIME_TYPES, DEFAULT_IMAGE_POLICY, type ImagePolicy } from './policy.js';
import { HEIC_ADVICE, ImageRefusedError, formatBytes } from './refusal.js';

/** What the header of an accepted image says, read without decoding pixels. */
export interface ImageFacts {
  /** Type found by magic bytes, e.g. 'image/jpeg'. */
  mime: string;
  /** Width and height as displayed, i.e. after EXIF orientation. */
  width: number;
  height: number;
  /** EXIF orientation 1-8 (1 when absent). */
  orientation: number;
  /** Frames in the file; > 1 for animated GIF/WebP (only the first is used). */
  pages: number;
  hasAlpha: boolean;
  bytes: number;
}

const HEIF_MIME_TYPES = new Set(['image/heic', 'image/heif', 'image/heic-sequence', 'image/heif-sequence']);

/**
 * Checks an untrusted file cheaply, in order: size in bytes, type by magic bytes (the claimed
 * Content-Type is never consulted), then the header's dimensions against the pixel limit and the
 * minimum side. Only `metadata()` touches sharp, and it reads headers, not pixels, so a tiny file
 * declaring 100000×100000 pixels is refused in microseconds.
 * @throws ImageRefusedError with a reason for the sender.
 */
export async function inspectImage(bytes: Uint8Array, policy: ImagePolicy = DEFAULT_IMAGE_POLICY): Promise<ImageFacts> {
  assertByteSize(bytes.byteLength, policy);

  const detected = await fileTypeFromBuffer(bytes);
  // file-type reports an SVG with an XML prolog as application/xml and one without as nothing.
  const mime =
    (!detected || detected.mime === 'application/xml') && looksLikeSvg(bytes) ? 'image/svg+xml' : detected?.mime;
  if (mime === 'image/svg+xml') {
    throw new ImageRefusedError(
      'svg',
      'SVG drawings are not accepted as avatars. Please send a photo (JPEG, PNG, GIF or WebP).',
    );
  }
  if (mime === 'application/pdf') {
    throw new ImageRefusedError(
      'pdf',
      'The attachment is a PDF document, not an image. Please send a photo (JPEG, PNG, GIF or WebP).',
    );
  }
  if (mime && HEIF_MIME_TYPES.has(mime)) throw new ImageRefusedError('heic', HEIC_ADVICE);
  if (!mime) {
    throw new ImageRefusedError(
      'unknown-type',
      'The attachment is not an image we recognise. Please send a photo (JPEG, PNG, GIF or WebP).',
    );
  }
  if (!ACCEPTED_MIME_TYPES.has(mime)) {
    throw new ImageRefusedError(
      'unsupported-type',
      `Files of type ${mime} are not accepted. Please send a JPEG, PNG, GIF or WebP image.`,
    );
  }

  let meta: sharp.Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: policy.maxPixels, failOn: policy.failOn }).metadata();
  } catch (error) {
    throw refusalFromSharpError(error, policy);
  }
  const storedWidth = meta.width ?? 0;
  const storedHeight = meta.height ?? 0;
  // For animations sharp reports one frame's height unless every page is loaded; the first frame is all we decode.
  if (storedWidth * storedHeight > policy.maxPixels) throw tooManyPixels(storedWidth, storedHeight, policy);
  const orientation = meta.orientation ?? 1;
  const swapped = orientation >= 5 && orientation <= 8;
  const width = swapped ? storedHeight : storedWidth;
  const height = swapped ? storedWidth : storedHeight;
  if (Math.min(width, height) < policy.minSide) {
    throw new ImageRefusedError(
      'too-small',
      `The image is only ${width}×${height} pixels; avatars need at least ${policy.minSide}×${policy.minSide}. Please send a larger photo.`,
    );
  }
  return {
    mime,
    width,
    height,
    orientation,
    pages: meta.pages ?? 1,
    hasAlpha: meta.hasAlpha ?? false,
    bytes: bytes.byteLength,
  };
}

/** The first check, usable before the bytes are even read (e.g. with an attachment's declared size). */
export function assertByteSize(size: number, policy: ImagePolicy = DEFAULT_IMAGE_POLICY): void {
  if (size === 0) throw new ImageRefusedError('empty', 'The attachment is empty (0 bytes).');
  if (size > policy.maxBytes) {
    throw new ImageRefusedError(
      'too-many-bytes',
      `The image is ${formatBytes(size)}; the limit is ${formatBytes(policy.maxBytes)}. Please send a smaller photo.`,
    );
  }
}

/** Maps a libvips/sharp failure on untrusted input to a refusal (never a server fault). */
export function refusalFromSharpError(error: unknown, policy: ImagePolicy): ImageRefusedError {
  const message = error instanceof Error ? error.message : String(error);
  if (/exceeds pixel limit/i.test(message)) {
    return new ImageRefusedError(
      'too-many-pixels',
      `The image declares more than ${megapixels(policy.maxPixels)} megapixels, the limit. Please send a smaller photo.`,
    );
  }
  if (/heif|hevc|compression format has not been built in/i.test(message))
    return new ImageRefusedError('heic', HEIC_ADVICE);
  return new ImageRefusedError(
    'unreadable',
    'The image could not be read: it looks damaged or truncated. Please send the photo again, as JPEG or PNG.',
  );
}

function tooManyPixels(width: number, height: number, policy: ImagePolicy): ImageRefusedError {
  return new ImageRefusedError(
    'too-many-pixels',
    `The image is ${width}×${height} pixels (${megapixels(width * height)} megapixels); the limit is ${megapixels(policy.maxPixels)} megapixels. Please send a smaller photo.`,
  );
}

function megapixels(pixels: number): string {
  return String(Math.round(pixels / 100_000) / 10);
}

/** file-type does not detect text formats; an SVG starts (after an optional BOM, XML prolog and comments) with `<svg`. */
function looksLikeSvg(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 4096)).toString('utf8');
  return /^\uFEFF?\s*(<\?xml[^>]*>\s*)?(<!--(?:[^-]|-+[^->])*-+->\s*|<!DOCTYPE[^>]*>\s*)*<svg[\s>]/i.test(head);
}
