/**
 * Post-by-email directives (WordPress/Jetpack style): each on its own line, removed from the content.
 * Unknown directives — and known ones whose value cannot be understood — stay in the text, so nothing
 * the author wrote silently disappears; the latter are also reported back in the confirmation mail.
 */
import { zonedTimeToUtc } from './time.js';

export interface Directives {
  title?: string;
  category?: string;
  tags?: string[];
  status?: 'draft' | 'publish';
  slug?: string;
  excerpt?: string;
  /** From `[delay +2h]` or `[publish 2026-12-24 09:00]`. */
  publishAt?: Date;
  comments?: boolean;
}

export interface DirectiveResult {
  /** The content without directives (and without anything after `[end]`). */
  text: string;
  directives: Directives;
  /** The exact text of every directive that was applied (for removal from an HTML body). */
  applied: string[];
  /** Problems to report to the author (the directive stays in the text). */
  problems: string[];
}

export interface DirectiveOptions {
  now: Date;
  /** IANA zone for `[publish YYYY-MM-DD HH:MM]` without an offset. Default UTC. */
  timeZone?: string;
}

const LINE = /^\s*\[([a-z]+)(?:[ \t]+([^\]\s][^\]\n]*)?)?\]\s*$/i;
const EXCERPT_INLINE = /^\s*\[excerpt\]([\s\S]*?)\[\/excerpt\]\s*$/i;
const FENCE = /^\s*(```|~~~)/;
const MAX_TAGS = 20;

/** `[end]` on its own line: everything from it on is dropped (signatures the extractor missed, footers). */
export function cutAtEnd(text: string): string {
  const lines = text.split(/\r?\n/);
  let inFence = false;
  for (let i = 0; i < lines.length; i++) {
    if (FENCE.test(lines[i]!)) inFence = !inFence;
    if (!inFence && /^\s*\[end\]\s*$/i.test(lines[i]!)) return lines.slice(0, i).join('\n');
  }
  return text;
}

export function extractDirectives(input: string, options: DirectiveOptions): DirectiveResult {
  const lines = cutAtEnd(input).split(/\r?\n/);
  const kept: string[] = [];
  const directives: Directives = {};
  const applied: string[] = [];
  const problems: string[] = [];
  let inFence = false;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (FENCE.test(line)) inFence = !inFence;
    if (inFence) {
      kept.push(line);
      continue;
    }
    const inlineExcerpt = EXCERPT_INLINE.exec(line);
    if (inlineExcerpt) {
      directives.excerpt = collapse(inlineExcerpt[1]!);
      applied.push(line.trim());
      continue;
    }
    if (/^\s*\[excerpt\]\s*$/i.test(line)) {
      const end = lines.findIndex((l, j) => j > i && /^\s*\[\/excerpt\]\s*$/i.test(l));
      if (end === -1) {
        problems.push('[excerpt] has no closing [/excerpt]; it was left in the text.');
        kept.push(line);
        continue;
      }
      directives.excerpt = collapse(lines.slice(i + 1, end).join('\n'));
      applied.push(
        '[excerpt]',
        '[/excerpt]',
        ...lines
          .slice(i + 1, end)
          .map((l) => l.trim())
          .filter(Boolean),
      );
      i = end;
      continue;
    }
    const match = LINE.exec(line);
    if (!match) {
      kept.push(line);
      continue;
    }
    const name = match[1]!.toLowerCase();
    const value = (match[2] ?? '').trim();
    const outcome = applyDirective(name, value, directives, options);
    if (outcome === 'unknown') {
      kept.push(line);
    } else if (outcome === 'applied') {
      applied.push(line.trim());
    } else {
      problems.push(`${line.trim()}: ${outcome}; it was left in the text.`);
      kept.push(line);
    }
  }
  return { text: trimBlankLines(kept.join('\n')), directives, applied, problems };
}

/** 'applied', 'unknown', or the problem with the value. */
function applyDirective(name: string, value: string, d: Directives, options: DirectiveOptions): string {
  switch (name) {
    case 'title':
      if (!value) return 'a title is needed';
      d.title = value.slice(0, 200);
      return 'applied';
    case 'category':
      if (!value) return 'a category name is needed';
      d.category = value.split(',')[0]!.trim().slice(0, 80);
      return 'applied';
    case 'tags': {
      const tags = [
        ...new Set(
          value
            .split(',')
            .map((t) => t.trim().toLowerCase())
            .filter(Boolean),
        ),
      ];
      if (!tags.length) return 'no tags given';
      d.tags = tags.slice(0, MAX_TAGS).map((t) => t.slice(0, 60));
      return 'applied';
    }
    case 'status': {
      const status = value.toLowerCase();
      if (status === 'draft') d.status = 'draft';
      else if (status === 'publish' || status === 'published') d.status = 'publish';
      else return 'the status must be "draft" or "publish"';
      return 'applied';
    }
    case 'slug': {
      const slug = slugify(value);
      if (!slug) return 'the slug has no letters or digits';
      d.slug = slug;
      return 'applied';
    }
    case 'comments': {
      const v = value.toLowerCase();
      if (v === 'off' || v === 'no') d.comments = false;
      else if (v === 'on' || v === 'yes') d.comments = true;
      else return 'comments must be "on" or "off"';
      return 'applied';
    }
    case 'delay': {
      const ms = parseDelay(value);
      if (ms === null) return 'the delay must look like +2h, +30m, +1d or +1 day 2 hours';
      d.publishAt = new Date(options.now.getTime() + ms);
      return 'applied';
    }
    case 'publish': {
      const when = parsePublishDate(value, options.timeZone ?? 'UTC');
      if (!when) return 'the date must look like 2026-12-24 09:00';
      d.publishAt = when;
      return 'applied';
    }
    default:
      return 'unknown';
  }
}

const UNIT_MS: Record<string, number> = {
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hrs: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
  w: 604_800_000,
  week: 604_800_000,
  weeks: 604_800_000,
};

/** `+2h`, `+1d2h30m`, `+1 day 2 hours`, `2 hours` → milliseconds; null when not understood. */
export function parseDelay(value: string): number | null {
  const text = value
    .trim()
    .replace(/^\+\s*/, '')
    .toLowerCase();
  if (!text) return null;
  const part = /(\d{1,4})\s*([a-z]+)\s*(?:,\s*)?/gy;
  let total = 0;
  let consumed = 0;
  let found: RegExpExecArray | null;
  while ((found = part.exec(text))) {
    const unit = UNIT_MS[found[2]!];
    if (!unit) return null;
    total += Number(found[1]) * unit;
    consumed = part.lastIndex;
  }
  if (consumed !== text.length || total <= 0) return null;
  return Math.min(total, 366 * UNIT_MS.d!);
}

/** `2026-12-24`, `2026-12-24 09:00`, `2026-12-24T09:00:00+01:00`; local times are in `timeZone`. */
export function parsePublishDate(value: string, timeZone: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(
    value.trim(),
  );
  if (!m) return null;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0'].map(
    Number,
  ) as number[];
  if (month! < 1 || month! > 12 || day! < 1 || day! > 31 || hour! > 23 || minute! > 59 || second! > 59) return null;
  const offset = m[7];
  if (offset) {
    const iso = `${m[1]}-${m[2]}-${m[3]}T${String(hour).padStart(2, '0')}:${m[5] ?? '00'}:${m[6] ?? '00'}${offset.length === 5 ? `${offset.slice(0, 3)}:${offset.slice(3)}` : offset}`;
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? null : date;
  }
  if (new Date(Date.UTC(year!, month! - 1, day!)).getUTCDate() !== day) return null; // 2026-02-30
  return zonedTimeToUtc(
    { year: year!, month: month!, day: day!, hour: hour!, minute: minute!, second: second! },
    timeZone,
  );
}

/** URL slug: lower-case ASCII letters, digits and dashes (accents folded), at most 80 characters. */
export function slugify(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|(^|[^-])-+$/g, '$1')
    .slice(0, 80)
    .replace(/(^|[^-])-+$/, '$1');
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function trimBlankLines(text: string): string {
  return text.replace(/^(?:[ \t]*\r?\n)+/, '').trimEnd();
}
