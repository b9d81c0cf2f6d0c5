import { describe, expect, it } from 'vitest';
import { parseInboundBody } from './index.js';

/** A parsed-mode post whose one attachment part carries `disposition` (bytes as given, latin1 = byte for byte). */
function postWithDisposition(disposition: string | Buffer, contentType = 'application/octet-stream'): Buffer {
  return Buffer.concat([
    Buffer.from(
      '--b\r\nContent-Disposition: form-data; name="from"\r\n\r\nann@example.com\r\n--b\r\nContent-Disposition: ',
    ),
    typeof disposition === 'string' ? Buffer.from(disposition, 'latin1') : disposition,
    Buffer.from(`\r\nContent-Type: ${contentType}\r\n\r\nfile bytes\r\n--b--\r\n`),
  ]);
}

async function attachmentNames(disposition: string | Buffer): Promise<string[]> {
  const email = await parseInboundBody(postWithDisposition(disposition), 'multipart/form-data; boundary=b');
  expect(email.from?.address).toBe('ann@example.com');
  return email.attachments.map((a) => a.filename);
}

describe('form part headers', () => {
  it('reads a quoted file name as UTF-8 bytes, and RFC 2231 filename* (preferred) with its own charset', async () => {
    const utf8Name = Buffer.concat([
      Buffer.from('form-data; name="attachment1"; filename="'),
      Buffer.from('résumé.pdf'),
      Buffer.from('"'),
    ]);
    expect(await attachmentNames(utf8Name)).toEqual(['résumé.pdf']);
    expect(await attachmentNames(`form-data; name="attachment1"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`)).toEqual([
      'résumé.pdf',
    ]);
    expect(
      await attachmentNames(`form-data; name="attachment1"; filename="fallback.pdf"; filename*=utf-8''%E2%82%AC.pdf`),
    ).toEqual(['€.pdf']);
    expect(
      await attachmentNames(`form-data; name="attachment1"; filename*=iso-8859-1'en'%E9t%E9.txt; filename="x.txt"`),
    ).toEqual(['été.txt']);
    expect(await attachmentNames(`form-data; name="attachment1"; filename*=windows-1251''%CF%F0%E8.txt`)).toEqual([
      'При.txt',
    ]);
  });

  it('unquotes escapes, ignores case and spacing, keeps the first of a repeated parameter', async () => {
    expect(await attachmentNames('form-data; name="attachment1"; filename="a\\"b\\\\c.txt"')).toEqual(['a"b\\c.txt']);
    expect(await attachmentNames('FORM-DATA ; NAME = attachment1 ; FileName = plain.txt ;')).toEqual(['plain.txt']);
    expect(await attachmentNames('form-data; name="attachment1"; filename="first.txt"; filename="second.txt"')).toEqual(
      ['first.txt'],
    );
  });

  it('keeps an attachment whose name has a control character or no closing quote', async () => {
    expect(await attachmentNames('form-data; name="attachment1"; filename="bell\x07.txt"')).toEqual(['bell\x07.txt']);
    // The name is lost with the quote, but the file is not.
    expect(await attachmentNames('form-data; name="attachment1"; filename="unterminated')).toHaveLength(1);
  });

  it('skips parts that are not form-data or have no name', async () => {
    expect(await attachmentNames('attachment; name="attachment1"; filename="x.txt"')).toEqual([]);
    expect(await attachmentNames('form-data; filename="x.txt"')).toEqual([]);
  });
});
