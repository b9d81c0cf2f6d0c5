/**
 * Attachments: what a file really is (magic bytes, never the declared Content-Type), web renditions of
 * images (sharp: orientation applied, metadata stripped, pixel limit), and the download allow-list.
 */
import { createHash } from 'node:crypto';
import { fileTypeFromBuffer } from 'file-type';
import sharp from 'sharp';

export interface MediaPolicy {
  /** Largest image accepted, in bytes (checked before decoding). */
  maxImageBytes: number;
  /** Decompression-bomb guard: largest width × height sharp will decode. */
  maxPixels: number;
  /** Largest download accepted, in bytes. */
  maxDownloadBytes: number;
  /** Attachments considered per email; the rest are reported and skipped. */
  maxAttachments: number;
}

export const DEFAULT_MEDIA_POLICY: MediaPolicy = {
  maxImageBytes: 25 * 1024 * 1024,
  maxPixels: 50_000_000,
  maxDownloadBytes: 10 * 1024 * 1024,
  maxAttachments: 20,
};

/** Web widths; an image is never enlarged, so small sources get fewer renditions. */
export const IMAGE_WIDTHS = { small: 480, medium: 960, large: 1600 } as const;
export type ImageSizeName = keyof typeof IMAGE_WIDTHS;

const IMAGE_TYPES = new Set([
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'image/avif',
  'image/tiff',
  'image/bmp',
]);
const HEIF_TYPES = new Set(['image/heic', 'image/heif', 'image/heic-sequence', 'image/heif-sequence']);

/** Downloads we list, by detected type. Executables, scripts, HTML and SVG are never offered. */
const DOWNLOAD_TYPES = new Map<string, string>([
  ['application/pdf', 'PDF document'],
  ['application/zip', 'ZIP archive'],
  ['application/epub+zip', 'EPUB book'],
  ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'Word document'],
  ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'Excel workbook'],
  ['application/vnd.openxmlformats-officedocument.presentationml.presentation', 'PowerPoint presentation'],
  ['application/vnd.oasis.opendocument.text', 'OpenDocument text'],
  ['application/vnd.oasis.opendocument.spreadsheet', 'OpenDocument spreadsheet'],
  ['audio/mpeg', 'MP3 audio'],
  ['audio/mp4', 'M4A audio'],
  ['audio/ogg', 'Ogg audio'],
  ['audio/x-flac', 'FLAC audio'],
  ['audio/wav', 'WAV audio'],
  ['video/mp4', 'MP4 video'],
  ['video/webm', 'WebM video'],
  ['text/plain', 'text file'],
  ['text/csv', 'CSV table'],
]);
const TEXT_EXTENSIONS: Record<string, string> = {
  txt: 'text/plain',
  md: 'text/plain',
  csv: 'text/csv',
  log: 'text/plain',
};

export type AttachmentKind =
  | { kind: 'image'; mime: string }
  | { kind: 'download'; mime: string; label: string }
  | { kind: 'refused'; reason: string };

/** Decides what an attachment is from its bytes (and, for text without magic bytes, its extension). */
export async function classifyAttachment(
  bytes: Buffer,
  filename: string,
  policy: MediaPolicy = DEFAULT_MEDIA_POLICY,
): Promise<AttachmentKind> {
  if (bytes.length === 0) return { kind: 'refused', reason: `${filename} is empty` };
  const detected = await fileTypeFromBuffer(bytes);
  let mime = detected?.mime as string | undefined;
  if (!mime || mime === 'application/xml') {
    if (looksLikeMarkup(bytes))
      return { kind: 'refused', reason: `${filename} is HTML/SVG/XML, which is not published for safety` };
    const ext = filename.toLowerCase().split('.').pop() ?? '';
    if (!mime && TEXT_EXTENSIONS[ext] && isUtf8(bytes)) mime = TEXT_EXTENSIONS[ext];
  }
  if (!mime) return { kind: 'refused', reason: `${filename} is of a type we do not publish` };
  if (HEIF_TYPES.has(mime))
    return {
      kind: 'refused',
      reason: `${filename} is a HEIC photo; please send it as JPEG (iPhone: Settings › Camera › Formats › Most Compatible)`,
    };
  if (IMAGE_TYPES.has(mime)) {
    if (bytes.length > policy.maxImageBytes)
      return {
        kind: 'refused',
        reason: `${filename} is ${formatBytes(bytes.length)}; images may be at most ${formatBytes(policy.maxImageBytes)}`,
      };
    return { kind: 'image', mime };
  }
  const label = DOWNLOAD_TYPES.get(mime);
  if (!label) return { kind: 'refused', reason: `${filename} (${mime}) is of a type we do not publish` };
  if (bytes.length > policy.maxDownloadBytes)
    return {
      kind: 'refused',
      reason: `${filename} is ${formatBytes(bytes.length)}; downloads may be at most ${formatBytes(policy.maxDownloadBytes)}`,
    };
  return { kind: 'download', mime, label };
}

export interface Rendition {
  width: number;
  height: number;
  contentType: string;
  data: Buffer;
}

export interface ProcessedImage {
  /** Displayed size of the source (after orientation). */
  width: number;
  height: number;
  sha256: string;
  renditions: Partial<Record<ImageSizeName, Rendition>>;
}

export class ImageUnreadableError extends Error {
  override name = 'ImageUnreadableError';
}

/**
 * Web renditions (WebP) of an untrusted image: EXIF orientation applied, then every metadata block
 * (EXIF, GPS, XMP, ICC) dropped by re-encoding from pixels; animations keep their first frame.
 * @throws ImageUnreadableError for damaged files, pixel bombs and unsupported codecs.
 */
export async function processImage(bytes: Buffer, policy: MediaPolicy = DEFAULT_MEDIA_POLICY): Promise<ProcessedImage> {
  const open = () => sharp(bytes, { limitInputPixels: policy.maxPixels, failOn: 'error', pages: 1 });
  let oriented: { data: Buffer; info: sharp.OutputInfo };
  try {
    // Header check first: a tiny file declaring huge dimensions is refused without decoding.
    const meta = await open().metadata();
    if ((meta.width ?? 0) * (meta.height ?? 0) > policy.maxPixels) throw new Error('exceeds pixel limit');
    // Decode once, oriented and capped at the largest width; smaller sizes are made from these pixels.
    oriented = await open()
      .rotate()
      .resize({ width: IMAGE_WIDTHS.large, withoutEnlargement: true })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ImageUnreadableError(
      /pixel limit/i.test(message)
        ? 'the image has too many pixels'
        : 'the image could not be read (damaged or unsupported)',
    );
  }
  const { width, height, channels } = oriented.info;
  const renditions: Partial<Record<ImageSizeName, Rendition>> = {};
  const seen = new Set<number>();
  for (const [name, target] of Object.entries(IMAGE_WIDTHS) as [ImageSizeName, number][]) {
    const w = Math.min(target, width);
    if (seen.has(w)) continue;
    seen.add(w);
    const { data, info } = await sharp(oriented.data, { raw: { width, height, channels } })
      .resize({ width: w })
      .webp({ quality: 82 })
      .toBuffer({ resolveWithObject: true });
    renditions[name] = { width: info.width, height: info.height, contentType: 'image/webp', data };
  }
  return {
    width,
    height,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    renditions,
  };
}

export function formatBytes(size: number): string {
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(0)} KB`;
  return `${(size / 1024 / 1024).toFixed(1)} MB`;
}

function looksLikeMarkup(bytes: Buffer): boolean {
  const head = bytes.subarray(0, 1024).toString('utf8').trimStart().toLowerCase();
  return /^(?:\ufeff)?<(?:\?xml|svg|!doctype|html|head|body|script)\b/.test(head) || /<svg[\s>]/.test(head);
}

function isUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return !bytes.includes(0);
  } catch {
    return false;
  }
}
