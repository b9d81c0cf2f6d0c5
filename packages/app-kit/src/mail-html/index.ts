/**
 * Mail HTML as an app's page may show it: one sanitize-html base every app builds on (links only to http(s) and
 * mailto, never protocol-relative; an image whose source was refused goes entirely) over input bounded first.
 * sanitize-html parses with htmlparser2 (quadratic in nesting depth) and costs some microseconds per element and
 * per attribute: 1 MB of inline tags took ≈ 0.4–0.5 s of event loop, so a sender's HTML is cut to a size and an
 * element count (nesting flattened by core's `limitHtml`) before it is sanitized.
 *
 * @example
 * ```ts
 * const safe = sanitizeBoundedMailHtml(message.html, {
 *   allowedTags: [...FORMATTING_TAGS, 'span'],
 *   allowedAttributes: { a: ['href', 'title'], ...TABLE_SPANS },
 *   transformTags: { a: linkRel('noopener noreferrer nofollow') },
 * });
 * ```
 */
import sanitizeHtml from 'sanitize-html';
import { limitHtml } from '@mailroom/core/text';

/** Structure and emphasis every app keeps (each adds its own: images, spans, more headings). */
export const FORMATTING_TAGS = [
  ...['p', 'br', 'div', 'h2', 'h3', 'h4', 'hr', 'blockquote', 'pre', 'code'],
  ...['strong', 'em', 'u', 's', 'a', 'ul', 'ol', 'li'],
  ...['table', 'thead', 'tbody', 'tr', 'th', 'td'],
];

/** Table cells keep their spans (layout tables read wrongly without them). */
export const TABLE_SPANS = { td: ['colspan', 'rowspan'], th: ['colspan', 'rowspan'] };

export interface HtmlBounds {
  maxChars: number;
  maxElements: number;
}

/** The bounds every app page uses: 128 KiB and 3,000 elements. */
export const MAIL_HTML_BOUNDS: HtmlBounds = { maxChars: 128 * 1024, maxElements: 3000 };

/** The first `maxChars` (cut before a tag, not inside one) and `maxElements` of `html`, nesting flattened. */
export function boundHtml(html: string, bounds: HtmlBounds = MAIL_HTML_BOUNDS): { html: string; truncated: boolean } {
  const lt = html.lastIndexOf('<', bounds.maxChars);
  const head = html.length > bounds.maxChars ? html.slice(0, lt >= 0 ? lt : bounds.maxChars) : html;
  const limited = limitHtml(head, { maxElements: bounds.maxElements });
  return { html: limited.html, truncated: head.length < html.length || limited.truncated };
}

/** `options` over the kit's base: http(s)/mailto links, no protocol-relative URLs, src-less images dropped. */
export function sanitizeMailHtml(html: string, options: sanitizeHtml.IOptions): string {
  return sanitizeHtml(html, {
    allowedSchemes: ['http', 'https', 'mailto'],
    allowProtocolRelative: false,
    exclusiveFilter: (frame) => frame.tag === 'img' && !frame.attribs.src,
    ...options,
  });
}

/**
 * A sender's HTML bounded, then sanitized; when it was cut, a notice says how much is shown (the message's text
 * is on the page too).
 */
export function sanitizeBoundedMailHtml(
  html: string,
  options: sanitizeHtml.IOptions,
  bounds: HtmlBounds = MAIL_HTML_BOUNDS,
): string {
  const bounded = boundHtml(html, bounds);
  const safe = sanitizeMailHtml(bounded.html, options);
  if (!bounded.truncated) return safe;
  const kib = (chars: number) => Math.ceil(chars / 1024);
  return `${safe}<p class="truncated"><em>Only the first ${kib(bounded.html.length)} KiB of this message's ${kib(html.length)} KiB of HTML are shown (the viewer shows at most ${bounds.maxChars / 1024} KiB and ${bounds.maxElements.toLocaleString('en-US')} elements); its text is above.</em></p>`;
}

/** A `transformTags.a` that sets every link's `rel` (and `target`, when given). */
export function linkRel(rel: string, target?: string): sanitizeHtml.Transformer {
  return (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel, ...(target ? { target } : {}) } });
}
