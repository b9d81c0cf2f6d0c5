/**
 * The avatar image pipeline: validate an untrusted image cheaply, then decode once and produce
 * square WebP + JPEG renditions (64/128/256/512), upright, metadata-free, attention-cropped.
 *
 * @example
 * ```ts
 * import { processAvatar, ImageRefusedError } from './images/index.js';
 * try {
 *   const avatar = await processAvatar(await attachment.content());
 *   avatar.renditions; // [{ size: 64, format: 'webp', data }, …]
 *   avatar.crop;       // { left, top, size } in source pixels
 * } catch (error) {
 *   if (error instanceof ImageRefusedError) reply(error.reason); else throw error;
 * }
 * ```
 */
export { processAvatar } from './pipeline.js';
export type { ProcessedAvatar, Rendition, RenditionFormat } from './pipeline.js';
export { inspectImage, assertByteSize } from './inspect.js';
export { renderDefaultAvatar } from './default-avatar.js';
export { ImageRefusedError } from './refusal.js';
export { DEFAULT_IMAGE_POLICY } from './policy.js';
export type { ImagePolicy } from './policy.js';
