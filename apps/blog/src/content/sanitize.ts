/**
 * The one HTML allow-list every post body goes through (mail HTML, Markdown output, web edits).
 * Structure and emphasis survive; colours, fonts, classes, styles, scripts, forms, frames, SVG and
 * remote images do not. Links are limited to http(s) and mailto.
 */
import sanitizeHtml from 'sanitize-html';
import { FORMATTING_TAGS, TABLE_SPANS, boundHtml, linkRel, sanitizeMailHtml } from '@mailroom/app-kit';

/** `src` of a post image inside stored HTML: `blog-image:<position>`, resolved when rendering. */
export const IMAGE_PLACEHOLDER = /^blog-image:(\d{1,4})$/;

export interface SanitizeOptions {
  /**
   * Decides every `<img src>`: return the new src (a `blog-image:<n>` placeholder) or null to drop the
   * image. Default: drop every image except existing placeholders.
   */
  imageSource?: (src: string) => string | null;
}

const ALLOWED_TAGS = [...FORMATTING_TAGS, 'h5', 'h6', 'del', 'sup', 'sub', 'img', 'figure', 'figcaption'];

/**
 * The most HTML a post body may have: sanitize-html costs some microseconds per element and per attribute,
 * so 1 MB of inline tags took ≈ 0.5 s of event loop. Mail HTML past either bound is posted from its text
 * instead (`exceedsPostHtmlLimits`); anything else is cut at the element bound by `sanitizePostHtml`.
 */
const POST_HTML_BOUNDS = { maxChars: 128 * 1024, maxElements: 3000 };
export const MAX_POST_HTML_CHARS = POST_HTML_BOUNDS.maxChars;
export const MAX_POST_HTML_ELEMENTS = POST_HTML_BOUNDS.maxElements;

/** Why `html` is too large to be a post body (a sentence for the author), or null when it fits. */
export function exceedsPostHtmlLimits(html: string): string | null {
  if (html.length > MAX_POST_HTML_CHARS)
    return `${Math.ceil(html.length / 1024)} KiB of HTML (at most ${MAX_POST_HTML_CHARS / 1024} KiB)`;
  if (boundHtml(html, POST_HTML_BOUNDS).truncated)
    return `more than ${MAX_POST_HTML_ELEMENTS.toLocaleString('en-US')} HTML elements`;
  return null;
}

export function sanitizePostHtml(html: string, options: SanitizeOptions = {}): string {
  const imageSource = options.imageSource ?? ((src: string) => (IMAGE_PLACEHOLDER.test(src) ? src : null));
  // sanitize-html parses with htmlparser2 (quadratic in nesting depth) and costs per element: flatten a
  // sender's deep nesting and bound the element count first.
  return sanitizeMailHtml(boundHtml(html, POST_HTML_BOUNDS).html, {
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: { a: ['href', 'title', 'rel'], img: ['src', 'alt', 'title'], ol: ['start'], ...TABLE_SPANS },
    allowedSchemesByTag: { img: ['blog-image'] },
    allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
    disallowedTagsMode: 'discard',
    // Content of these is never text a reader should see.
    nonTextTags: [
      'script',
      'style',
      'textarea',
      'option',
      'noscript',
      'title',
      'head',
      'svg',
      'math',
      'template',
      'iframe',
      'object',
    ],
    transformTags: {
      h1: 'h2', // the post title is the page's h1
      b: 'strong',
      i: 'em',
      strike: 's',
      a: linkRel('nofollow ugc noopener'),
      img: (tagName, attribs) => {
        const src = attribs.src ? imageSource(attribs.src.trim()) : null;
        const out: Record<string, string> = {};
        if (src) out.src = src;
        if (attribs.alt) out.alt = attribs.alt;
        return { tagName, attribs: out };
      },
    },
    // An image whose source was refused is dropped entirely (the kit's filter).
  });
}

/** Plain text of a fragment (titles, excerpts, feed summaries). */
export function htmlToPlainText(html: string): string {
  const text = sanitizeHtml(
    boundHtml(html, POST_HTML_BOUNDS).html.replace(
      /<(?:br|\/p|\/div|\/li|\/h\d|\/blockquote|\/pre|\/td|\/th|\/tr|\/figure)\b[^<>]*>|<(?:ul|ol|table|blockquote)\b[^<>]*>/gi,
      ' $& ',
    ),
    { allowedTags: [], allowedAttributes: {} },
  );
  return decodeEntities(text).replace(/\s+/g, ' ').trim();
}

function decodeEntities(text: string): string {
  return text
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&amp;/g, '&');
}
