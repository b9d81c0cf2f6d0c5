import { finished } from 'node:stream/promises';
import { Splitter, type MimeNode } from '@zone-eu/mailsplit';
import { IngressError, decodeCharset, formPartsOf, type FormPart } from '@mailroom/core/ingress';

export type SourceSegment =
  /** A form field's name, or a note between parts. */
  | { kind: 'label'; text: string }
  | { kind: 'text'; text: string }
  | { kind: 'binary'; label: string; size: number; hex: string };

export interface RawSource {
  segments: SourceSegment[];
  /** Characters of text left out after the preview budget. */
  omitted: number;
  /** Why the post could not be split (the segments then hold a summary of its bytes). */
  error: string | null;
}

/** Text shown in full up to this many characters; the rest is counted, not rendered. */
const TEXT_BUDGET = 256 * 1024;
const HEX_BYTES = 16;

export async function rawSourceOf(body: Buffer, contentType: string): Promise<RawSource> {
  let parts: FormPart[];
  try {
    parts = formPartsOf(body, contentType);
  } catch (error) {
    if (!(error instanceof IngressError)) throw error;
    return { segments: [binary('the stored post', body)], omitted: 0, error: error.message };
  }
  const out = new Output();
  const charsets = declaredCharsets(parts);
  for (const part of parts) {
    out.label(part.filename !== undefined ? `${part.name} (file)` : part.name);
    if (part.name === 'email' && part.filename === undefined) await mimeSource(part.data, out);
    else if (part.filename !== undefined || !isTextType(part.contentType)) {
      out.binary(`${part.filename ?? part.name}, ${part.contentType ?? 'no type'}`, part.data);
    } else out.text(decodeCharset(part.data, charsets[part.name] ?? 'utf-8'));
  }
  return { segments: out.segments, omitted: out.omitted, error: null };
}

/** Segments in order, merging adjacent text, within the text budget. */
class Output {
  readonly segments: SourceSegment[] = [];
  omitted = 0;
  #used = 0;

  label(text: string): void {
    this.segments.push({ kind: 'label', text });
  }

  text(text: string): void {
    const room = Math.max(0, TEXT_BUDGET - this.#used);
    const shown = text.length > room ? text.slice(0, room) : text;
    this.omitted += text.length - shown.length;
    this.#used += shown.length;
    if (!shown) return;
    const last = this.segments.at(-1);
    if (last?.kind === 'text') last.text += shown;
    else this.segments.push({ kind: 'text', text: shown });
  }

  binary(label: string, bytes: Buffer): void {
    this.segments.push(binary(label, bytes));
  }
}

function binary(label: string, bytes: Buffer): SourceSegment {
  const hex = bytes
    .subarray(0, HEX_BYTES)
    .toString('hex')
    .replace(/(..)(?!$)/g, '$1 ');
  return { kind: 'binary', label, size: bytes.length, hex: bytes.length > HEX_BYTES ? `${hex} …` : hex };
}

/** Parsed mode's `charsets` field: `{"text":"iso-8859-1","subject":"UTF-8",…}`; unreadable → none. */
function declaredCharsets(parts: FormPart[]): Record<string, string> {
  const field = parts.find((p) => p.name === 'charsets' && p.filename === undefined);
  if (!field) return {};
  try {
    const parsed: unknown = JSON.parse(field.data.toString('utf8'));
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return {};
  }
}

const isTextType = (type: string | false | undefined) => !type || /^(text\/|message\/|application\/json\b)/i.test(type);

/**
 * One MIME message through mailsplit: headers, boundaries and text bodies as text, other leaf bodies summarised.
 * An 8-bit text body is decoded in its part's charset; a base64 or quoted-printable one is ASCII as it stands.
 */
async function mimeSource(message: Buffer, out: Output): Promise<void> {
  const splitter = new Splitter({ maxChildNodes: 1000 });
  let pending: { node: MimeNode; chunks: Buffer[] } | null = null;
  const flush = () => {
    if (pending) leafSource(pending.node, Buffer.concat(pending.chunks), out);
    pending = null;
  };
  splitter.on('data', (chunk) => {
    if (chunk.type === 'body') {
      if (pending?.node !== chunk.node) flush();
      pending ??= { node: chunk.node, chunks: [] };
      pending.chunks.push(chunk.value);
      return;
    }
    flush();
    if (chunk.type === 'node') out.text(headerText(chunk.getHeaders()));
    else out.text(chunk.value.toString('latin1'));
  });
  splitter.end(message);
  // The splitter is a Transform (its typings name only 'data'): stream.finished waits for its end or error.
  await finished(splitter).catch((error: unknown) =>
    out.label(`the MIME structure could not be read: ${(error as Error).message}`),
  );
  flush();
}

function leafSource(node: MimeNode, body: Buffer, out: Output): void {
  const encoding = node.encoding || '7bit';
  if (isTextType(node.contentType)) {
    // base64 and quoted-printable bodies are ASCII as they stand; anything else (8bit, and the many "7bit" parts that
    // carry 8-bit bytes anyway) is text in the part's charset.
    const encoded = encoding === 'base64' || encoding === 'quoted-printable';
    out.text(encoded ? ascii(body) : decodeCharset(body, node.charset || 'utf-8'));
    return;
  }
  const decoded = encoding === 'base64' ? Buffer.from(body.toString('latin1'), 'base64') : body;
  const name = node.filename ? ` "${node.filename}"` : '';
  out.binary(`${node.contentType || 'no type'}${name}, ${encoding}, ${body.length} bytes encoded`, decoded);
}

/** Header bytes carry no charset: UTF-8 (RFC 6532) where well-formed, otherwise each byte as itself. */
function headerText(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}

const ascii = (bytes: Buffer) => bytes.toString('latin1');
