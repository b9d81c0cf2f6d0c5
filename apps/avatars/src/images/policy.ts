/** Limits applied to untrusted images before and while decoding. */
export interface ImagePolicy {
  /** Largest accepted file, checked before anything is parsed. */
  maxBytes: number;
  /** Largest accepted width × height (sharp's own default is 268 MP, far too generous for avatars). */
  maxPixels: number;
  /** Shortest accepted side, in pixels, after orientation. */
  minSide: number;
  /** sharp's `failOn`: 'warning' also refuses truncated or damaged files that would otherwise decode with grey areas. */
  failOn: 'warning' | 'error';
}

export const DEFAULT_IMAGE_POLICY: Readonly<ImagePolicy> = Object.freeze({
  maxBytes: 10 * 1024 * 1024,
  maxPixels: 40_000_000,
  minSide: 128,
  failOn: 'warning',
});

/** The square sizes generated for every avatar, smallest first. */
export const AVATAR_SIZES = [64, 128, 256, 512] as const;
export type AvatarSize = (typeof AVATAR_SIZES)[number];
export const LARGEST_AVATAR_SIZE: AvatarSize = 512;

/** Formats accepted as input, by magic bytes (file-type's `mime`). */
export const ACCEPTED_MIME_TYPES: ReadonlySet<string> = new Set([
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'image/avif',
]);
