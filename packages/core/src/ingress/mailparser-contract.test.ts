/**
 * The parts of mailparser's streaming API raw mode relies on (see raw-mode.ts), pinned: mailparser's version is
 * exact in package.json, and a new version must pass these before it is taken.
 */
import { Readable } from 'node:stream';
import { MailParser, type AttachmentStream, type HeaderLines, type MessageText } from 'mailparser';
import { describe, expect, it } from 'vitest';

interface Run {
  headerBlocks: HeaderLines[];
  attachments: Array<
    Omit<AttachmentStream, 'content' | 'release' | 'headers'> & { bytes: string; releasable: boolean }
  >;
  texts: MessageText[];
  order: Array<'attachment' | 'text'>;
}

/** Feeds `message` to a MailParser the way raw mode does (read() on readable, attachments released after their content). */
function run(message: string | Buffer, options: ConstructorParameters<typeof MailParser>[0] = {}): Promise<Run> {
  const result: Run = { headerBlocks: [], attachments: [], texts: [], order: [] };
  const parser = new MailParser({
    skipHtmlToText: true,
    skipTextToHtml: true,
    skipTextLinks: true,
    checksumAlgo: false,
    ...options,
  });
  parser.on('headerLines', (lines) => result.headerBlocks.push(lines));
  return new Promise((resolve, reject) => {
    parser.on('error', reject);
    const read = () => {
      for (
        let data = parser.read() as AttachmentStream | MessageText | null;
        data !== null;
        data = parser.read() as typeof data
      ) {
        if (data.type === 'text') {
          result.texts.push(data);
          result.order.push('text');
          continue;
        }
        result.order.push('attachment');
        const { content, release, headers: _headers, ...fields } = data;
        const chunks: Buffer[] = [];
        content.on('data', (chunk: Buffer) => chunks.push(chunk));
        content.on('end', () => {
          result.attachments.push({
            ...fields,
            bytes: Buffer.concat(chunks).toString('latin1'),
            releasable: typeof release === 'function',
          });
          release?.();
          read();
        });
        return; // the parser waits for release()
      }
    };
    parser.on('readable', read);
    parser.on('end', () => resolve(result));
    Readable.from([Buffer.isBuffer(message) ? message : Buffer.from(message, 'latin1')]).pipe(parser);
  });
}

const message = [
  'From: Ann <ann@example.com>',
  'To: a@example.com,',
  '  b@example.com',
  'Subject: caf\xc3\xa9', // raw UTF-8 bytes
  'Content-Type: multipart/mixed; boundary="b"',
  '',
  '--b',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Hello',
  '--b',
  'Content-Type: image/png',
  'Content-Disposition: inline; filename="logo.png"',
  'Content-ID: <logo@example.com>',
  'Content-Transfer-Encoding: base64',
  '',
  Buffer.from('PNGDATA').toString('base64'),
  '--b',
  'Content-Type: message/rfc822',
  'Content-Disposition: attachment; filename="fwd.eml"',
  '',
  'From: inner@example.com',
  'Subject: inner',
  '',
  'inner body',
  '--b--',
  '',
].join('\r\n');

describe('mailparser contract (raw mode)', () => {
  it("emits 'headerLines' once, for the top-level block: lower-cased keys, raw lines in order, folds joined by CRLF, bytes as latin1", async () => {
    const { headerBlocks } = await run(message);
    expect(headerBlocks).toHaveLength(1);
    expect(headerBlocks[0]).toEqual([
      { key: 'from', line: 'From: Ann <ann@example.com>' },
      { key: 'to', line: 'To: a@example.com,\r\n  b@example.com' },
      { key: 'subject', line: 'Subject: caf\xc3\xa9' },
      { key: 'content-type', line: 'Content-Type: multipart/mixed; boundary="b"' },
    ]);
  });

  it('yields each attachment as a stream with its metadata and waits for release(); the text comes last', async () => {
    const { attachments, texts, order } = await run(message);
    expect(order).toEqual(['attachment', 'attachment', 'text']);
    expect(attachments).toEqual([
      expect.objectContaining({
        type: 'attachment',
        contentType: 'image/png',
        contentDisposition: 'inline',
        filename: 'logo.png',
        contentId: '<logo@example.com>',
        cid: 'logo@example.com',
        bytes: 'PNGDATA',
        releasable: true,
      }),
      expect.objectContaining({
        type: 'attachment',
        contentType: 'message/rfc822',
        contentDisposition: 'attachment',
        filename: 'fwd.eml',
        releasable: true,
      }),
    ]);
    expect(attachments[1]!.bytes).toContain('Subject: inner');
    expect(attachments.every((a) => a.checksum === undefined)).toBe(true); // checksumAlgo: false hashes nothing
    expect(texts).toHaveLength(1);
    expect(texts[0]!.text).toBe('Hello');
  });

  it('marks an image referenced from multipart/related as related', async () => {
    const related = [
      'Content-Type: multipart/related; boundary="r"',
      '',
      '--r',
      'Content-Type: text/html',
      '',
      '<img src="cid:x@y">',
      '--r',
      'Content-Type: image/gif',
      'Content-ID: <x@y>',
      'Content-Transfer-Encoding: base64',
      '',
      'R0lGODlh',
      '--r--',
      '',
    ].join('\r\n');
    const { attachments, texts } = await run(related);
    expect(attachments.map((a) => [a.cid, a.related])).toEqual([['x@y', true]]);
    expect(texts[0]!.html).toContain('cid:x@y');
    expect(texts[0]!.text).toBeFalsy(); // with skipHtmlToText, an HTML-only message has no text
  });

  it("fails with code 'EMAXLEN' when the header block exceeds maxHeadSize", async () => {
    const error = await run(`Subject: ${'x'.repeat(2000)}\r\n\r\nbody`, { maxHeadSize: 1000 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect((error as { code?: string } | null)?.code).toBe('EMAXLEN');
  });
});
