/**
 * From the new content of an email (quotes and signature already removed by core's `email.reply()`)
 * to a post: directives, Markdown or sanitized HTML, images (placed where their `cid:` reference was,
 * or appended: one → a figure, several consecutive → a gallery) and downloads. Pure apart from CPU:
 * no database, no network; the caller stores the result.
 */
import { marked } from 'marked';
import { extractDirectives, type Directives } from './directives.js';
import {
  classifyAttachment,
  DEFAULT_MEDIA_POLICY,
  ImageUnreadableError,
  processImage,
  type MediaPolicy,
  type ProcessedImage,
} from './media.js';
import { exceedsPostHtmlLimits, sanitizePostHtml } from './sanitize.js';

export interface ContentAttachment {
  filename: string;
  contentType: string;
  contentId: string | null;
  inline: boolean;
  content: Buffer;
}

export interface ContentInput {
  subject: string | null;
  /** New text of the email (no quote, no signature), or null. */
  text: string | null;
  /** New HTML of the email (no quote, no signature), or null. */
  html: string | null;
  attachments: ContentAttachment[];
  now: Date;
  timeZone?: string;
  policy?: MediaPolicy;
}

export interface BuiltImage {
  /** Referenced from the HTML as `blog-image:<position>`. */
  position: number;
  placed: boolean;
  run: number;
  filename: string;
  alt: string;
  processed: ProcessedImage;
}

export interface BuiltDownload {
  position: number;
  filename: string;
  mime: string;
  label: string;
  content: Buffer;
}

export interface BuiltContent {
  title: string;
  format: 'markdown' | 'html';
  /** What the author wrote, directives removed: Markdown, or the sanitized HTML. Editable in the UI. */
  source: string;
  /** Sanitized HTML with `blog-image:<n>` placeholders. */
  html: string;
  directives: Directives;
  /** Things to tell the author (skipped attachments, misunderstood directives). */
  notes: string[];
  images: BuiltImage[];
  downloads: BuiltDownload[];
}

/** Tags that only rich (formatted) mail has; a plain Gmail/Outlook message uses none of them. */
const RICH_TAGS = /<(?:b|strong|i|em|u|s|strike|ul|ol|h[1-6]|img|table|blockquote|pre|code|hr|font)\b/i;

/** HTML is kept when the mail is formatted; otherwise the text part is read as Markdown. */
export function prefersHtml(text: string | null, html: string | null): boolean {
  if (!html?.trim()) return false;
  if (!text?.trim()) return true;
  return RICH_TAGS.test(html);
}

export async function buildContent(input: ContentInput): Promise<BuiltContent> {
  const policy = input.policy ?? DEFAULT_MEDIA_POLICY;
  const notes: string[] = [];
  const media = await prepareAttachments(input.attachments, policy, notes);
  const tooLarge = input.html ? exceedsPostHtmlLimits(input.html) : null;
  if (tooLarge) notes.push(`The HTML part was too large to publish (${tooLarge}); the post was made from its text.`);
  const useHtml = !tooLarge && prefersHtml(input.text, input.html);

  let result: { source: string; html: string; directives: Directives; placed: Set<number> };
  if (useHtml) {
    result = htmlBody(input.html!, media, input, notes);
  } else {
    result = markdownBody(input.text ?? '', media, input, notes);
  }

  // Appended images: consecutive image attachments share a run (two or more make a gallery).
  const images: BuiltImage[] = [];
  let run = 0;
  let previousWasImage = false;
  for (const item of media) {
    if (item.kind !== 'image') {
      if (previousWasImage) run++;
      previousWasImage = false;
      continue;
    }
    const placed = result.placed.has(item.position);
    if (!placed && item.attachment.inline && item.attachment.contentId) {
      // An inline picture nothing refers to any more: a signature logo or part of the quoted mail.
      continue;
    }
    if (placed) {
      if (previousWasImage) run++;
      previousWasImage = false;
    } else {
      previousWasImage = true;
    }
    images.push({
      position: item.position,
      placed,
      run: placed ? -1 : run,
      filename: item.attachment.filename,
      alt: altFromFilename(item.attachment.filename),
      processed: item.processed,
    });
  }
  const downloads = media.flatMap((item, index) =>
    item.kind === 'download'
      ? [
          {
            position: index,
            filename: item.attachment.filename,
            mime: item.mime,
            label: item.label,
            content: item.attachment.content,
          },
        ]
      : [],
  );

  const title = (result.directives.title ?? input.subject?.trim() ?? '') || firstLine(result.source) || 'Untitled';
  return {
    title: title.slice(0, 200),
    format: useHtml ? 'html' : 'markdown',
    source: result.source,
    html: result.html,
    directives: result.directives,
    notes,
    images,
    downloads,
  };
}

type PreparedMedia =
  | { kind: 'image'; position: number; attachment: ContentAttachment; processed: ProcessedImage }
  | { kind: 'download'; position: number; attachment: ContentAttachment; mime: string; label: string }
  | { kind: 'skipped'; position: number; attachment: ContentAttachment };

async function prepareAttachments(
  attachments: ContentAttachment[],
  policy: MediaPolicy,
  notes: string[],
): Promise<PreparedMedia[]> {
  const out: PreparedMedia[] = [];
  const seenImages = new Map<string, number>();
  for (const [position, attachment] of attachments.entries()) {
    if (position >= policy.maxAttachments) {
      notes.push(`Only the first ${policy.maxAttachments} attachments are used; ${attachment.filename} was skipped.`);
      out.push({ kind: 'skipped', position, attachment });
      continue;
    }
    const kind = await classifyAttachment(attachment.content, attachment.filename, policy);
    if (kind.kind === 'refused') {
      // Unreferenced inline parts (logos in a removed signature) are not worth a note.
      if (!(attachment.inline && attachment.contentId)) notes.push(`Skipped ${kind.reason}.`);
      out.push({ kind: 'skipped', position, attachment });
    } else if (kind.kind === 'download') {
      out.push({ kind: 'download', position, attachment, mime: kind.mime, label: kind.label });
    } else {
      try {
        const processed = await processImage(attachment.content, policy);
        const duplicate = seenImages.get(processed.sha256);
        if (duplicate !== undefined && !attachment.contentId) {
          out.push({ kind: 'skipped', position, attachment });
          continue;
        }
        seenImages.set(processed.sha256, position);
        out.push({ kind: 'image', position, attachment, processed });
      } catch (error) {
        if (!(error instanceof ImageUnreadableError)) throw error;
        notes.push(`Skipped ${attachment.filename}: ${error.message}.`);
        out.push({ kind: 'skipped', position, attachment });
      }
    }
  }
  return out;
}

function markdownBody(text: string, media: PreparedMedia[], input: ContentInput, notes: string[]) {
  const found = extractDirectives(text, { now: input.now, ...(input.timeZone ? { timeZone: input.timeZone } : {}) });
  notes.push(...found.problems);
  const placed = new Set<number>();
  const named = media.flatMap((item) =>
    item.kind === 'image' ? [{ position: item.position, filename: item.attachment.filename }] : [],
  );
  const html = renderMarkdown(found.text, named, placed);
  return { source: found.text, html, directives: found.directives, placed };
}

/** Markdown → sanitized HTML. Gmail's text part marks inline pictures as `[image: name.jpg]`: the picture goes there. */
function renderMarkdown(
  text: string,
  named: Array<{ position: number; filename: string }>,
  placed = new Set<number>(),
): string {
  const byName = new Map(named.map((i) => [i.filename.toLowerCase(), i.position]));
  const withImages = text.replace(/^[ \t]*\[image: ([^\]\r\n\u2028\u2029]+)\][ \t]*$/gim, (line, name: string) => {
    const position = byName.get(name.trim().toLowerCase());
    if (position === undefined) return line;
    placed.add(position);
    return `\n<img src="blog-image:${position}" alt="${escapeAttribute(altFromFilename(name))}">\n`;
  });
  const rendered = marked.parse(withImages, { async: false, gfm: true, breaks: false }) as string;
  return sanitizePostHtml(rendered).trim();
}

/** A stored source (edited in the UI) rendered again: Markdown, or HTML re-sanitized. */
export function renderSource(
  format: 'markdown' | 'html',
  source: string,
  named: Array<{ position: number; filename: string }>,
): string {
  return format === 'markdown' ? renderMarkdown(source, named) : tidyHtml(sanitizePostHtml(source));
}

function htmlBody(rawHtml: string, media: PreparedMedia[], input: ContentInput, notes: string[]) {
  const cut = cutHtmlAtDashSignature(cutHtmlAtEnd(rawHtml));
  // Directives are read from the text of the HTML, line by line as the author saw them.
  const found = extractDirectives(htmlToLines(cut), {
    now: input.now,
    ...(input.timeZone ? { timeZone: input.timeZone } : {}),
  });
  notes.push(...found.problems);

  const byCid = new Map<string, number>();
  for (const item of media) {
    if (item.kind === 'image' && item.attachment.contentId)
      byCid.set(normalizeCid(item.attachment.contentId), item.position);
  }
  const placed = new Set<number>();
  let html = sanitizePostHtml(cut, {
    imageSource(src) {
      if (!/^cid:/i.test(src)) return null; // remote images: trackers, mixed content
      const position = byCid.get(normalizeCid(src.slice(4)));
      if (position === undefined) return null;
      placed.add(position);
      return `blog-image:${position}`;
    },
  });
  html = removeDirectivesFromHtml(html, found.applied);
  html = tidyHtml(sanitizePostHtml(html));
  return { source: html, html, directives: found.directives, placed };
}

/** `[end]` in HTML: everything from it on goes (sanitizing afterwards closes what was left open). */
export function cutHtmlAtEnd(html: string): string {
  const index = html.search(/\[end\]/i);
  return index === -1 ? html : html.slice(0, index);
}

/** A `-- ` signature separator on its own line in HTML (the extractor handles Gmail's marked-up ones). */
export function cutHtmlAtDashSignature(html: string): string {
  const match =
    /(?:<br\s*\/?>|<div[^<>]*>|<p[^<>]*>)\s*(?:<span[^<>]*>\s*)?--(?:\s|&nbsp;|&#160;)*(?:<\/span>\s*)?(?=<br|<\/div|<\/p)/i.exec(
      html,
    );
  return match ? html.slice(0, match.index) : html;
}

/** Text of an HTML fragment with one line per block / `<br>`. */
export function htmlToLines(html: string): string {
  return decodeEntities(
    html
      .replace(
        /<(?:script|style|head|title)\b[^<]*(?:<(?!\/?(?:script|style|head|title)\b)[^<]*)*<\/(?:script|style|head|title)>/gi,
        '',
      )
      .replace(/<br\s*\/?>/gi, '\n')
      .replace(/<\/(?:p|div|li|h[1-6]|blockquote|tr|pre)>/gi, '\n')
      .replace(/<(?:p|div|li|h[1-6]|blockquote|tr|pre)\b[^<>]*>/gi, '\n')
      .replace(/<[^<>]*>/g, ''),
  );
}

/** Removes each applied directive's text from sanitized HTML, with the line break that followed it. */
export function removeDirectivesFromHtml(html: string, applied: string[]): string {
  let out = html;
  const excerpt = /\[excerpt\][^[]*(?:\[(?!\/?excerpt\])[^[]*)*\[\/excerpt\]/i;
  if (applied.includes('[excerpt]')) out = out.replace(excerpt, '');
  for (const directive of applied) {
    if (/^\[\/?excerpt\]$/i.test(directive) || !directive.startsWith('[')) continue;
    const pattern = escapeHtmlText(directive).split(/\s+/).map(escapeRegExp).join('(?:\\s|&nbsp;|&#160;)+');
    out = out.replace(new RegExp(`${pattern}(?:\\s*<br\\s*/?>)?`, 'i'), '');
  }
  return out;
}

/** Drops blocks left empty by the cuts, and trailing line breaks. */
function tidyHtml(html: string): string {
  let out = html;
  for (let i = 0; i < 3; i++) {
    out = out.replace(/<(p|div)>(?:\s|&nbsp;|<br\s*\/?>)*<\/\1>/gi, '');
  }
  return out
    .replace(/(?<!\s|<br\s*\/?>)(?:\s|<br\s*\/?>)+$/i, '')
    .replace(/^(?:\s|<br\s*\/?>)+/i, '')
    .trim();
}

function normalizeCid(cid: string): string {
  return cid.trim().replace(/^<|>$/g, '').toLowerCase();
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.replace(/<[^<>]*>|[#*_>`]/g, '').trim())
      .find(Boolean)
      ?.slice(0, 120) ?? ''
  );
}

export function altFromFilename(filename: string): string {
  return filename
    .replace(/\.[a-z0-9]{2,5}$/i, '')
    .replace(/[_-]+/g, ' ')
    .trim()
    .slice(0, 120);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function escapeHtmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttribute(text: string): string {
  return escapeHtmlText(text).replace(/"/g, '&quot;');
}

function decodeEntities(text: string): string {
  return text
    .replace(/&nbsp;|&#160;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&amp;/g, '&');
}
