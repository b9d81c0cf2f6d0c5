/** Why an image cannot become an avatar. Codes are stable (stored, shown in the API); messages are for people. */
export type ImageRefusalCode =
  | 'empty'
  | 'too-many-bytes'
  | 'unknown-type'
  | 'svg'
  | 'pdf'
  | 'heic'
  | 'unsupported-type'
  | 'too-many-pixels'
  | 'too-small'
  | 'unreadable';

/** Thrown by the image pipeline for bad input (never for server faults). */
export class ImageRefusedError extends Error {
  readonly code: ImageRefusalCode;
  /** A sentence for the sender: what is wrong and what to do instead. */
  readonly reason: string;

  constructor(code: ImageRefusalCode, reason: string) {
    super(`${code}: ${reason}`);
    this.name = 'ImageRefusedError';
    this.code = code;
    this.reason = reason;
  }
}

export const HEIC_ADVICE =
  'Your photo is in HEIC/HEIF format (the iPhone camera default), which this service cannot read. ' +
  'Please send it as JPEG instead: on the iPhone, Settings › Camera › Formats › "Most Compatible" makes the camera ' +
  'take JPEG photos; for an existing photo, export or share it as JPEG (or send a screenshot of it) and email that.';

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}
