/** One part of a multipart/form-data body: a field (bytes) or a file (bytes + filename + type). */
export interface FormPart {
  name: string;
  value: Buffer;
  /** Present on file parts (SendGrid's `attachmentN`); raw UTF-8 in the header like browsers send. */
  filename?: string;
  contentType?: string;
}

/** SendGrid's boundary in every capture from 2018 to 2025. */
export const SENDGRID_BOUNDARY = 'xYzZY';

/**
 * Serialises parts the way SendGrid does: fields carry only Content-Disposition, file parts add
 * a filename and a Content-Type, values are raw bytes, lines end in CRLF.
 */
export function multipartBody(parts: readonly FormPart[], boundary: string = SENDGRID_BOUNDARY): Buffer {
  const delimiter = Buffer.from(`--${boundary}`);
  const out: Buffer[] = [];
  for (const part of parts) {
    if (part.value.includes(delimiter)) {
      throw new Error(
        `mailroom testing: field "${part.name}" contains the boundary "${boundary}"; pass another boundary`,
      );
    }
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${quoteParam(part.name)}"`;
    if (part.filename !== undefined) head += `; filename="${quoteParam(part.filename)}"`;
    head += '\r\n';
    if (part.contentType !== undefined) head += `Content-Type: ${part.contentType}\r\n`;
    out.push(Buffer.from(`${head}\r\n`, 'utf8'), part.value, Buffer.from('\r\n'));
  }
  out.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(out);
}

export function multipartContentType(boundary: string = SENDGRID_BOUNDARY): string {
  return `multipart/form-data; boundary=${boundary}`;
}

// Browsers (and the WHATWG multipart encoder) percent-encode these three inside quoted names.
function quoteParam(value: string): string {
  return value.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
