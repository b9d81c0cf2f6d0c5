import sharp from 'sharp';
import { AVATAR_SIZES } from './policy.js';
import type { Rendition } from './pipeline.js';

/**
 * A neutral silhouette (grey head and shoulders on a light background) drawn from an SVG we
 * write ourselves — never from user input — rendered once at startup in every size and format.
 */
export async function renderDefaultAvatar(): Promise<Rendition[]> {
  const svg = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="512" height="512" viewBox="0 0 512 512">
      <rect width="512" height="512" fill="#e4e7eb"/>
      <circle cx="256" cy="200" r="96" fill="#9aa5b1"/>
      <path d="M76 512c0-110 80-180 180-180s180 70 180 180z" fill="#9aa5b1"/>
    </svg>`,
  );
  const master = await sharp(svg, { density: 72 })
    .resize(512, 512)
    .flatten({ background: '#e4e7eb' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const raw = { width: master.info.width, height: master.info.height, channels: master.info.channels };
  return Promise.all(
    AVATAR_SIZES.flatMap((size) => [
      sharp(master.data, { raw })
        .resize(size, size)
        .webp({ quality: 90 })
        .toBuffer()
        .then((data): Rendition => ({ size, format: 'webp', data })),
      sharp(master.data, { raw })
        .resize(size, size)
        .jpeg({ quality: 90 })
        .toBuffer()
        .then((data): Rendition => ({ size, format: 'jpeg', data })),
    ]),
  );
}
