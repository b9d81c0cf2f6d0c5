import { FORMATTING_TAGS, MAIL_HTML_BOUNDS, TABLE_SPANS, linkRel, sanitizeBoundedMailHtml } from '@mailroom/app-kit';

/** The most of a message's HTML the agent UI shows (the kit's bounds; past either, a notice). */
export const MAX_MESSAGE_HTML_CHARS = MAIL_HTML_BOUNDS.maxChars;
export const MAX_MESSAGE_HTML_ELEMENTS = MAIL_HTML_BOUNDS.maxElements;

/**
 * Message HTML as the agent UI may show it: formatting, links and images only; no scripts,
 * styles, forms or event handlers. `cid:` images are pointed at our attachment URLs; remote
 * images are dropped (they track the reader and leak that the mail was opened).
 */
export function sanitizeMessageHtml(html: string, cidUrl: (contentId: string) => string | null): string {
  return sanitizeBoundedMailHtml(html, {
    allowedTags: [...FORMATTING_TAGS, 'span', 'b', 'i', 'h1', 'h5', 'h6', 'img'],
    allowedAttributes: {
      a: ['href', 'title', 'rel', 'target'],
      img: ['src', 'alt', 'width', 'height'],
      ...TABLE_SPANS,
    },
    allowedSchemesByTag: { img: [] },
    transformTags: {
      a: linkRel('noopener noreferrer nofollow', '_blank'),
      img: (tagName, attribs) => {
        const src = attribs.src ?? '';
        const cid = /^cid:(.+)$/i.exec(src.trim());
        const local = cid ? cidUrl(decodeCid(cid[1]!)) : null;
        // Without a local source the image goes (the kit's filter drops src-less images).
        const { src: _dropped, ...rest } = attribs;
        return { tagName, attribs: local ? { ...rest, src: local } : rest };
      },
    },
    // Our own attachment URLs are relative paths, which sanitize-html's scheme check lets through.
    allowedSchemesAppliedToAttributes: ['href', 'cite'],
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
