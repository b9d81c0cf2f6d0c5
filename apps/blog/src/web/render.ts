/**
 * Turns a stored post (sanitized HTML with `blog-image:<n>` placeholders) into the HTML a page shows:
 * placeholders become responsive <img>s, appended images a figure or a gallery, downloads a list.
 * Only markup generated here is added to the sanitized HTML; every value is escaped.
 */
import type { Download, Image } from '../db/schema.js';
import { formatBytes } from '../content/media.js';
import { htmlToPlainText } from '../content/sanitize.js';

const SIZE_ORDER = ['small', 'medium', 'large'] as const;

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export function imageUrl(base: string, image: Image, size: string): string {
  return `${base}/images/${image.id}/${size}`;
}

function imgTag(base: string, image: Image, alt: string, className: string): string {
  const sizes = SIZE_ORDER.filter((s) => image.renditions[s]);
  const preferred = image.renditions.medium ? 'medium' : sizes[sizes.length - 1]!;
  const shown = image.renditions[preferred]!;
  const srcset = sizes.map((s) => `${imageUrl(base, image, s)} ${image.renditions[s]!.width}w`).join(', ');
  return (
    `<img class="${className}" src="${escapeHtml(imageUrl(base, image, preferred))}" srcset="${escapeHtml(srcset)}" ` +
    `sizes="(max-width: 760px) 100vw, 720px" width="${shown.width}" height="${shown.height}" alt="${alt}" loading="lazy" decoding="async">`
  );
}

/** The post body: `base` is the path prefix for pages, or the absolute public URL for the feed. */
export function renderPostBody(html: string, images: Image[], downloads: Download[], base: string): string {
  const byPosition = new Map(images.map((i) => [i.position, i]));
  let body = html.replace(
    /<img src="blog-image:(\d+)"(?: alt="([^"]*)")? \/>/g,
    (_m, position: string, alt: string | undefined) => {
      const image = byPosition.get(Number(position));
      return image ? imgTag(base, image, alt ?? escapeHtml(image.alt), 'inline') : '';
    },
  );

  const appended = images.filter((i) => !i.placed || !html.includes(`blog-image:${i.position}"`));
  const runs = new Map<number, Image[]>();
  for (const image of appended) runs.set(image.run, [...(runs.get(image.run) ?? []), image]);
  for (const run of runs.values()) {
    const figures = run.map((i) => `<figure>${imgTag(base, i, escapeHtml(i.alt), 'photo')}</figure>`).join('');
    body +=
      run.length > 1
        ? `<div class="gallery" data-count="${run.length}">${figures}</div>`
        : figures.replace('<figure>', '<figure class="single">');
  }
  if (downloads.length) {
    body +=
      '<ul class="downloads">' +
      downloads
        .map(
          (d) =>
            `<li><a href="${escapeHtml(`${base}/files/${d.id}/${encodeURIComponent(d.filename)}`)}" download>${escapeHtml(d.filename)}</a>` +
            ` <span class="meta">${escapeHtml(d.contentType)}, ${formatBytes(d.size)}</span></li>`,
        )
        .join('') +
      '</ul>';
  }
  return body;
}

/** The teaser on index pages: the explicit excerpt, else the first ~40 words. */
export function teaser(excerpt: string | null, html: string): string {
  if (excerpt) return excerpt;
  const words = htmlToPlainText(html.replace(/<img[^<>]*>/g, '')).split(' ');
  return words.length > 40 ? `${words.slice(0, 40).join(' ')}…` : words.join(' ');
}

/** The first image of a post (for index cards). */
export function coverImage(images: Image[]): Image | null {
  return images[0] ?? null;
}
