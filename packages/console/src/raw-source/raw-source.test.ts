import { describe, expect, it } from 'vitest';
import { rawSourceOf } from './index.js';

const BOUNDARY = 'xYzZY';
const CONTENT_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

/** A stored raw-mode post: the envelope and the message in `email`, as SendGrid posts them. */
function rawPost(message: Buffer | string): Buffer {
  return Buffer.concat([
    Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="envelope"\r\n\r\n` +
        `{"to":["help@example.com"],"from":"ann@example.org"}\r\n` +
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="email"\r\n\r\n`,
    ),
    Buffer.isBuffer(message) ? message : Buffer.from(message, 'latin1'),
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  ]);
}

const textOf = (segments: Awaited<ReturnType<typeof rawSourceOf>>['segments']) =>
  segments.map((s) => (s.kind === 'binary' ? `[${s.label}]` : s.text)).join('\n');

describe('rawSourceOf', () => {
  it('shows an 8-bit body in its declared charset and a base64 image as a size and hex summary', async () => {
    const cyrillic = Buffer.from([0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2]); // "Привет" in windows-1251
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const message = Buffer.concat([
      Buffer.from(
        'From: ann@example.org\r\nSubject: Hi\r\nMIME-Version: 1.0\r\n' +
          'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\n' +
          'Content-Type: text/plain; charset=windows-1251\r\nContent-Transfer-Encoding: 8bit\r\n\r\n',
      ),
      cyrillic,
      Buffer.from(
        '\r\n--b1\r\nContent-Type: image/png; name="dot.png"\r\nContent-Transfer-Encoding: base64\r\n' +
          `Content-Disposition: attachment; filename="dot.png"\r\n\r\n${png.toString('base64')}\r\n--b1--\r\n`,
      ),
    ]);
    const source = await rawSourceOf(rawPost(message), CONTENT_TYPE);
    expect(source.error).toBeNull();
    expect(textOf(source.segments)).toContain('Привет');
    const image = source.segments.find((s) => s.kind === 'binary');
    expect(image).toMatchObject({ kind: 'binary', size: 16, hex: '89 50 4e 47 0d 0a 1a 0a 00 00 00 0d 49 48 44 52' });
    expect(image?.kind === 'binary' && image.label).toMatch(/^image\/png "dot\.png", base64/);
  });

  it('summarises a post whose form cannot be split, with the reason, instead of failing', async () => {
    const body = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="email"\r\n\r\nno end`);
    const source = await rawSourceOf(body, CONTENT_TYPE);
    expect(source.error).toEqual(expect.any(String));
    expect(source.segments).toEqual([
      { kind: 'binary', label: 'the stored post', size: body.length, hex: expect.stringMatching(/^2d 2d 78 59/) },
    ]);
  });

  it('keeps what it read of a message whose MIME structure is hostile, and says why it stopped', async () => {
    // More nested parts than the splitter walks (1,000): a structure bomb in a stored email.
    const parts = Array.from({ length: 1200 }, (_, i) => `--b\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n`).join(
      '',
    );
    const message = `From: x@example.org\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n${parts}--b--\r\n`;
    const source = await rawSourceOf(rawPost(message), CONTENT_TYPE);
    const text = textOf(source.segments);
    expect(text).toContain('From: x@example.org');
    expect(text).toMatch(/the MIME structure could not be read: /);
  });

  it('counts text past its 256 KiB budget instead of rendering it', async () => {
    const body = 'a'.repeat(300 * 1024);
    const message = `From: x@example.org\r\nContent-Type: text/plain\r\n\r\n${body}\r\n`;
    const source = await rawSourceOf(rawPost(message), CONTENT_TYPE);
    const shown = source.segments.reduce((n, s) => n + (s.kind === 'text' ? s.text.length : 0), 0);
    expect(shown).toBeLessThanOrEqual(256 * 1024);
    expect(source.omitted).toBeGreaterThan(40 * 1024);
  });
});
