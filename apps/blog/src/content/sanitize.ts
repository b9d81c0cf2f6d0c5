/**
 * The one HTML allow-list every post body goes through (mail HTML, Markdown output, web edits).
 * Structure and emphasis survive; colours, fonts, classes, styles, scripts, forms, frames, SVG and
 * remote images do not. Links are limited to http(s) and mailto.
 */
import sanitizeHtml from 'sanitize-html';
import { limitHtmlDepth } from '@mailroom/core';

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
  'p', 'div', 'br', 'h2', 'h3', 'h4', 'h5', 'h6', 'strong', 'em', 'u', 's', 'del', 'sup', 'sub',
  'blockquote', 'ul', 'ol', 'li', 'a', 'code', 'pre', 'hr', 'img', 'figure', 'figcaption',
  'table', 'thead', 'tbody', 'tr', 'th', 'td',
];

export function sanitizePostHtml(html: string, options: SanitizeOptions = {}): string {
  const imageSource = options.imageSource ?? ((src: string) => (IMAGE_PLACEHOLDER.test(src) ? src : null));
  // sanitize-html parses with htmlparser2 (quadratic in nesting depth): flatten a sender's deep nesting first.
  return sanitizeHtml(limitHtmlDepth(html), {
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
    nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'title', 'head', 'svg', 'math', 'template', 'iframe', 'object'],
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

/** Plain text of a fragment (titles, excerpts, feed summaries). */
export function htmlToPlainText(html: string): string {
  const text = sanitizeHtml(limitHtmlDepth(html).replace(/<(?:br|\/p|\/div|\/li|\/h\d|\/blockquote|\/pre|\/td|\/th|\/tr|\/figure)\b[^<>]*>|<(?:ul|ol|table|blockquote)\b[^<>]*>/gi, ' $& '), { allowedTags: [], allowedAttributes: {} });
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
