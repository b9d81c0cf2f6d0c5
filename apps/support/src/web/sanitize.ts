import sanitizeHtml from 'sanitize-html';
import { limitHtmlDepth } from '@mailroom/core';

/**
 * Message HTML as the agent UI may show it: formatting, links and images only; no scripts,
 * styles, forms or event handlers. `cid:` images are pointed at our attachment URLs; remote
 * images are dropped (they track the reader and leak that the mail was opened).
 */
export function sanitizeMessageHtml(html: string, cidUrl: (contentId: string) => string | null): string {
  // sanitize-html parses with htmlparser2 (quadratic in nesting depth): flatten a sender's deep nesting first.
  return sanitizeHtml(limitHtmlDepth(html), {
    allowedTags: [
      'p', 'br', 'div', 'span', 'b', 'strong', 'i', 'em', 'u', 's', 'a', 'ul', 'ol', 'li', 'blockquote',
      'pre', 'code', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'img',
    ],
    allowedAttributes: { a: ['href', 'title', 'rel', 'target'], img: ['src', 'alt', 'width', 'height'], td: ['colspan', 'rowspan'], th: ['colspan', 'rowspan'] },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: [] },
    allowProtocolRelative: false,
    transformTags: {
      a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: 'noopener noreferrer nofollow', target: '_blank' } }),
      img: (tagName, attribs) => {
        const src = attribs.src ?? '';
        const cid = /^cid:(.+)$/i.exec(src.trim());
        const local = cid ? cidUrl(decodeCid(cid[1]!)) : null;
        // Without a local source the image goes (exclusiveFilter below drops src-less images).
        const { src: _dropped, ...rest } = attribs;
        return { tagName, attribs: local ? { ...rest, src: local } : rest };
      },
    },
    // Our own attachment URLs are relative paths, which sanitize-html's scheme check lets through.
    allowedSchemesAppliedToAttributes: ['href', 'cite'],
    exclusiveFilter: (frame) => frame.tag === 'img' && !frame.attribs.src,
  });
}

/** A customer's `cid:` reference, percent-decoded when it is valid; malformed escapes are kept literally. */
function decodeCid(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
