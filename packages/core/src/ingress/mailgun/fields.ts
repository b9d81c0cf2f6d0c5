import { IngressError } from '../errors.js';
import type { ResolvedLimits } from '../limits.js';
import { formDataBoundary, parseContentType, splitFormData } from '../multipart.js';

export type FormKind = { kind: 'multipart'; boundary: string } | { kind: 'urlencoded' };

/** The fields this endpoint reads; any of them sent twice is ambiguous (which one did Mailgun send?), a 400. */
const SINGLE_FIELDS = ['timestamp', 'token', 'signature', 'body-mime', 'recipient', 'sender'];

/** How the body is encoded, from its Content-Type: Mailgun posts forms (multipart, or urlencoded without files). */
export function formKindOf(contentType: string | null): FormKind {
  let mimeType: string | undefined;
  try {
    mimeType = parseContentType(contentType ?? '')?.mimeType;
  } catch {
    mimeType = undefined; // not a media type at all
  }
  if (mimeType === 'multipart/form-data') return { kind: 'multipart', boundary: formDataBoundary(contentType) };
  if (mimeType === 'application/x-www-form-urlencoded') return { kind: 'urlencoded' };
  throw new IngressError(
    415,
    'unsupported_media_type',
    `unsupported Content-Type ${JSON.stringify((contentType ?? '').slice(0, 100))}; Mailgun posts multipart/form-data`,
  );
}

/** The form's fields as bytes (first occurrence; the fields above must occur once). */
export function readFields(body: Buffer, form: FormKind, limits: ResolvedLimits): Map<string, Buffer> {
  const parts =
    form.kind === 'multipart'
      ? splitFormData(body, form.boundary, limits).map((part) => [part.name, part.data] as const)
      : splitUrlEncoded(body, limits.maxFields);
  const fields = new Map<string, Buffer>();
  for (const [name, data] of parts) {
    if (!fields.has(name)) fields.set(name, data);
    else if (SINGLE_FIELDS.includes(name)) {
      throw new IngressError(400, 'repeated_field', `the form sends the ${name} field more than once`);
    }
  }
  return fields;
}

/** `a=1&b=%C3%A9`: names and values percent-decoded to bytes (`+` is a space), so body-mime keeps every byte. */
function splitUrlEncoded(body: Buffer, maxFields: number): Array<readonly [string, Buffer]> {
  const parts: Array<readonly [string, Buffer]> = [];
  for (let start = 0; start < body.length;) {
    let end = body.indexOf(0x26, start); // &
    if (end < 0) end = body.length;
    if (end > start) {
      if (parts.length === maxFields) {
        throw new IngressError(413, 'too_many_fields', `more than ${maxFields} form fields (maxFields)`);
      }
      const pair = body.subarray(start, end);
      const equals = pair.indexOf(0x3d); // =
      const name = percentDecode(equals < 0 ? pair : pair.subarray(0, equals)).toString('utf8');
      parts.push([name, equals < 0 ? Buffer.alloc(0) : percentDecode(pair.subarray(equals + 1))]);
    }
    start = end + 1;
  }
  return parts;
}

function percentDecode(bytes: Buffer): Buffer {
  if (!bytes.includes(0x25) && !bytes.includes(0x2b)) return bytes;
  const out = Buffer.allocUnsafe(bytes.length);
  let length = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    const high = byte === 0x25 ? hexValue(bytes[i + 1]) : -1;
    const low = high >= 0 ? hexValue(bytes[i + 2]) : -1;
    if (low >= 0) {
      out[length++] = high * 16 + low;
      i += 2;
    } else out[length++] = byte === 0x2b ? 0x20 : byte;
  }
  return out.subarray(0, length);
}

function hexValue(byte: number | undefined): number {
  if (byte === undefined) return -1;
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}
