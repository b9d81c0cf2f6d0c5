import sanitizeHtml from 'sanitize-html';
import { limitHtml } from '@mailroom/core/text';

/**
 * The most of a message's HTML the agent UI shows: sanitize-html costs some microseconds per element and per
 * attribute (1 MB of inline tags took ≈ 0.4 s of event loop per page view). Past either bound the rest is
 * left out with a notice; the message's text is on the page above it.
 */
export const MAX_MESSAGE_HTML_CHARS = 128 * 1024;
export const MAX_MESSAGE_HTML_ELEMENTS = 3000;

/**
 * Message HTML as the agent UI may show it: formatting, links and images only; no scripts,
 * styles, forms or event handlers. `cid:` images are pointed at our attachment URLs; remote
 * images are dropped (they track the reader and leak that the mail was opened).
 */
export function sanitizeMessageHtml(html: string, cidUrl: (contentId: string) => string | null): string {
  // sanitize-html parses with htmlparser2 (quadratic in nesting depth) and costs per element: flatten a sender's
  // deep nesting and bound the size first.
  const head = html.length > MAX_MESSAGE_HTML_CHARS ? html.slice(0, tagBoundary(html, MAX_MESSAGE_HTML_CHARS)) : html;
  const bounded = limitHtml(head, { maxElements: MAX_MESSAGE_HTML_ELEMENTS });
  const safe = sanitizeBounded(bounded.html, cidUrl);
  if (head.length === html.length && !bounded.truncated) return safe;
  const shown = Math.ceil(bounded.html.length / 1024);
  return `${safe}<p class="truncated"><em>Only the first ${shown} KiB of this message's ${Math.ceil(html.length / 1024)} KiB of HTML are shown (the viewer shows at most ${MAX_MESSAGE_HTML_CHARS / 1024} KiB and ${MAX_MESSAGE_HTML_ELEMENTS.toLocaleString('en-US')} elements); its text is above.</em></p>`;
}

/** Where to cut `html` at most `max` characters in: before the last tag that starts by then, if any. */
function tagBoundary(html: string, max: number): number {
  const lt = html.lastIndexOf('<', max);
  return lt >= 0 ? lt : max;
}

function sanitizeBounded(html: string, cidUrl: (contentId: string) => string | null): string {
  return sanitizeHtml(html, {
    allowedTags: [
      'p',
      'br',
      'div',
      'span',
      'b',
      'strong',
      'i',
      'em',
      'u',
      's',
      'a',
      'ul',
      'ol',
      'li',
      'blockquote',
      'pre',
      'code',
      'h1',
      'h2',
      'h3',
      'h4',
      'h5',
      'h6',
      'hr',
      'table',
      'thead',
      'tbody',
      'tr',
      'th',
      'td',
      'img',
    ],
    allowedAttributes: {
      a: ['href', 'title', 'rel', 'target'],
      img: ['src', 'alt', 'width', 'height'],
      td: ['colspan', 'rowspan'],
      th: ['colspan', 'rowspan'],
    },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: [] },
    allowProtocolRelative: false,
    transformTags: {
      a: (tagName, attribs) => ({
        tagName,
        attribs: { ...attribs, rel: 'noopener noreferrer nofollow', target: '_blank' },
      }),
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
