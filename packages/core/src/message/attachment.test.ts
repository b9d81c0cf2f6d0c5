import { describe, expect, it } from 'vitest';
import { Attachment, safeStorageName } from '@mailroom/core';

describe('safeStorageName', () => {
  it.each([
    ['../../etc/passwd', 'passwd'],
    ['\\\\share\\mail\\forwarded.msg', 'forwarded.msg'],
    ['..', 'attachment-abc'],
    ['', 'attachment-abc'],
    ['.htaccess', 'htaccess'],
    ['a\u0000b\nc.txt', 'a_b_c.txt'],
    ['résumé final.pdf', 'resume_final.pdf'],
  ])('%j → %j', (input, expected) => {
    expect(safeStorageName(input, 'abc')).toBe(expected);
  });

  it('bounds the length and keeps the extension', () => {
    const name = safeStorageName(`${'x'.repeat(300)}.jpeg`, 'abc');
    expect(name.length).toBe(100);
    expect(name.endsWith('.jpeg')).toBe(true);
  });
});

describe('Attachment', () => {
  it('serves its bytes as a buffer and as a stream', async () => {
    const data = Buffer.from('hello');
    const attachment = new Attachment({
      filename: 'a/b.txt', contentType: 'text/plain', size: 5, contentId: null, inline: false,
      sha256: 'x', source: { kind: 'buffer', data },
    });
    expect((await attachment.content()).toString()).toBe('hello');
    const chunks: Buffer[] = [];
    for await (const chunk of attachment.stream()) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('hello');
    expect(attachment.storageName).toBe('b.txt');
    expect(JSON.parse(JSON.stringify(attachment))).not.toHaveProperty('storageName');
  });
});
