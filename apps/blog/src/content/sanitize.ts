/**
 * The one HTML allow-list every post body goes through (mail HTML, Markdown output, web edits).
 * Structure and emphasis survive; colours, fonts, classes, styles, scripts, forms, frames, SVG and
 * remote images do not. Links are limited to http(s) and mailto.
 */
import sanitizeHtml from 'sanitize-html';
import { limitHtml } from '@mailroom/core/text';

/** `src` of a post image inside stored HTML: `blog-image:<position>`, resolved when rendering. */
export const IMAGE_PLACEHOLDER = /^blog-image:(\d{1,4})$/;

export interface SanitizeOptions {
  /**
   * Decides every `<img src>`: return the new src (a `blog-image:<n>` placeholder) or null to drop the
   * image. Default: drop every image except existing placeholders.
   */
  imageSource?: (src: string) => string | null;
}

const ALLOWED_TAGS = [
  'p',
  'div',
  'br',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'strong',
  'em',
  'u',
  's',
  'del',
  'sup',
  'sub',
  'blockquote',
  'ul',
  'ol',
  'li',
  'a',
  'code',
  'pre',
  'hr',
  'img',
  'figure',
  'figcaption',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
];

/**
 * The most HTML a post body may have: sanitize-html costs some microseconds per element and per attribute,
 * so 1 MB of inline tags took ≈ 0.5 s of event loop. Mail HTML past either bound is posted from its text
 * instead (`exceedsPostHtmlLimits`); anything else is cut at the element bound by `sanitizePostHtml`.
 */
export const MAX_POST_HTML_CHARS = 128 * 1024;
export const MAX_POST_HTML_ELEMENTS = 3000;

/** Why `html` is too large to be a post body (a sentence for the author), or null when it fits. */
export function exceedsPostHtmlLimits(html: string): string | null {
  if (html.length > MAX_POST_HTML_CHARS)
    return `${Math.ceil(html.length / 1024)} KiB of HTML (at most ${MAX_POST_HTML_CHARS / 1024} KiB)`;
  if (limitHtml(html, { maxElements: MAX_POST_HTML_ELEMENTS }).truncated)
    return `more than ${MAX_POST_HTML_ELEMENTS.toLocaleString('en-US')} HTML elements`;
  return null;
}

export function sanitizePostHtml(html: string, options: SanitizeOptions = {}): string {
  const imageSource = options.imageSource ?? ((src: string) => (IMAGE_PLACEHOLDER.test(src) ? src : null));
  // sanitize-html parses with htmlparser2 (quadratic in nesting depth) and costs per element: flatten a
  // sender's deep nesting and bound the element count first.
  return sanitizeHtml(boundedHtml(html), {
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: {
      a: ['href', 'title', 'rel'],
      img: ['src', 'alt', 'title'],
      td: ['colspan', 'rowspan'],
      th: ['colspan', 'rowspan'],
      ol: ['start'],
    },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: ['blog-image'] },
    allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
    allowProtocolRelative: false,
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
      a: (tagName, attribs) => ({
        tagName,
        attribs: { ...attribs, rel: 'nofollow ugc noopener' },
      }),
      img: (tagName, attribs) => {
        const src = attribs.src ? imageSource(attribs.src.trim()) : null;
        const out: Record<string, string> = {};
        if (src) out.src = src;
        if (attribs.alt) out.alt = attribs.alt;
        return { tagName, attribs: out };
      },
    },
    // An image whose source was refused is dropped entirely; so are links whose href was refused.
    exclusiveFilter: (frame) => frame.tag === 'img' && !frame.attribs.src,
  });
}

/** The first MAX_POST_HTML_CHARS and MAX_POST_HTML_ELEMENTS of `html`, nested at most MAX_HTML_DEPTH deep. */
function boundedHtml(html: string): string {
  const lt = html.lastIndexOf('<', MAX_POST_HTML_CHARS); // cut before a tag, not inside one
  const head = html.length > MAX_POST_HTML_CHARS ? html.slice(0, lt >= 0 ? lt : MAX_POST_HTML_CHARS) : html;
  return limitHtml(head, { maxElements: MAX_POST_HTML_ELEMENTS }).html;
}

/** Plain text of a fragment (titles, excerpts, feed summaries). */
export function htmlToPlainText(html: string): string {
  const text = sanitizeHtml(
    boundedHtml(html).replace(
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
