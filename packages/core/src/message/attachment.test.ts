import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Attachment } from '@mailroom/core';
import { safeStorageName } from '@mailroom/core/text';

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
      filename: 'a/b.txt',
      contentType: 'text/plain',
      size: 5,
      contentId: null,
      inline: false,
      sha256: 'x',
      source: { kind: 'buffer', data },
    });
    expect((await attachment.content()).toString()).toBe('hello');
    const chunks: Buffer[] = [];
    for await (const chunk of attachment.stream()) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('hello');
    expect(attachment.storageName).toBe('b.txt');
    expect(JSON.parse(JSON.stringify(attachment))).not.toHaveProperty('storageName');
  });
});

describe('Attachment.sha256', () => {
  const hex = (data: Buffer) => createHash('sha256').update(data).digest('hex');
  const fields = { filename: 'report.pdf', contentType: 'application/pdf', contentId: null, inline: false };
  const data = Buffer.from('%PDF-1.4 the quarterly report');

  it('is the digest of the content when computed from a buffer source (and in toJSON)', async () => {
    const attachment = new Attachment({ ...fields, size: data.length, source: { kind: 'buffer', data } });
    expect(attachment.sha256).toBe(hex(data));
    expect(attachment.sha256).toBe(hex(await attachment.content()));
    expect(attachment.toJSON().sha256).toBe(hex(data));
    expect(JSON.parse(JSON.stringify(attachment)).sha256).toBe(hex(data));
  });

  it('hashes chunk sources across chunk boundaries, like the joined bytes', () => {
    const chunks = [data.subarray(0, 3), data.subarray(3, 4), data.subarray(4)];
    const attachment = new Attachment({ ...fields, size: data.length, source: { kind: 'chunks', chunks } });
    expect(attachment.sha256).toBe(hex(data));
    const empty = new Attachment({ ...fields, size: 0, source: { kind: 'chunks', chunks: [] } });
    expect(empty.sha256).toBe(hex(Buffer.alloc(0)));
  });

  it('decodes a base64 source when read: size and digest in one pass, bytes and stream block by block', async () => {
    const bytes = Buffer.from(Array.from({ length: 700_001 }, (_, i) => (i * 7919) % 256));
    // MIME line breaks, a stray space and a padded tail: skipped and honoured as a MIME decoder does.
    const encoded = Buffer.from(
      bytes
        .toString('base64')
        .match(/.{1,76}/g)!
        .join('\r\n')
        .replace(/^(.{10})/, '$1 '),
    );
    const attachment = new Attachment({ ...fields, source: { kind: 'base64', encoded } });
    expect(attachment.size).toBe(bytes.length);
    expect(attachment.sha256).toBe(hex(bytes));
    expect((await attachment.content()).equals(bytes)).toBe(true);
    const streamed: Buffer[] = [];
    for await (const chunk of attachment.stream()) streamed.push(chunk as Buffer);
    expect(streamed.length).toBeGreaterThan(1); // never one decoded copy of the whole
    expect(Buffer.concat(streamed).equals(bytes)).toBe(true);
    expect(attachment.toJSON()).toMatchObject({ size: bytes.length, sha256: hex(bytes) });
    // digest(): the same value, computed a block per event-loop turn.
    const again = new Attachment({ ...fields, source: { kind: 'base64', encoded } });
    let turns = 0;
    let ticking = true;
    const tick = () => {
      if (!ticking) return;
      turns++;
      setImmediate(tick);
    };
    setImmediate(tick);
    const digest = await again.digest();
    ticking = false;
    expect(digest).toBe(hex(bytes));
    expect(again.size).toBe(bytes.length);
    expect(turns).toBeGreaterThanOrEqual(3); // the event loop turned between its 4 blocks
    expect(await new Attachment({ ...fields, size: data.length, source: { kind: 'buffer', data } }).digest()).toBe(
      hex(data),
    );
    // @ts-expect-error only a base64 source may leave out its size
    expect(() => new Attachment({ ...fields, source: { kind: 'buffer', data } })).toThrow(/size/);
  });

  it('keeps a digest given at construction (required for a file source)', () => {
    const given = 'a'.repeat(64);
    expect(
      new Attachment({ ...fields, size: data.length, sha256: given, source: { kind: 'buffer', data } }).sha256,
    ).toBe(given);
    expect(
      new Attachment({ ...fields, size: 1, sha256: given, source: { kind: 'file', path: '/nonexistent' } }).sha256,
    ).toBe(given);
    // @ts-expect-error a file source without its digest is refused by the type too
    expect(() => new Attachment({ ...fields, size: 1, source: { kind: 'file', path: '/nonexistent' } })).toThrow(
      /sha256/,
    );
  });

  it('names an attachment without a usable filename after the digest of its content', () => {
    const attachment = new Attachment({
      ...fields,
      filename: '../..',
      size: data.length,
      source: { kind: 'buffer', data },
    });
    expect(attachment.storageName).toBe(`attachment-${hex(data).slice(0, 12)}`);
    expect(new Attachment({ ...fields, size: data.length, source: { kind: 'buffer', data } }).storageName).toBe(
      'report.pdf',
    );
  });
});
