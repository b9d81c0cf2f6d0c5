import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseInboundBody } from '../ingress/index.js';
import { buildMultipart } from '../ingress/test-support.js';
import { contentChecksum } from './dedupe.js';

/** The checksum's format in one pass: each field `<UTF-8 bytes>:<value>` (or `-;` for none) into one SHA-256. */
function onePass(fields: Array<string | null>): string {
  const hash = createHash('sha256');
  for (const value of fields) {
    if (value === null) hash.update('-;');
    else hash.update(`${Buffer.byteLength(value)}:`).update(value);
  }
  return hash.digest('hex');
}

describe('contentChecksum', () => {
  it('hashes a large body in slices to exactly the one-pass digest, surrogate pairs across slice edges included', async () => {
    // Astral characters (two UTF-16 units) at every offset, so some pair straddles each 512 Ki-character edge.
    const text = `${'a'.repeat(524_287)}😀${'ü😀b'.repeat(300_000)}`;
    const { body, contentType } = buildMultipart([
      ['headers', 'From: Ann <ann@example.org>\r\nMessage-ID: <big@example.org>\r\n'],
      ['from', 'Ann <ann@example.org>'],
      ['subject', 'large'],
      ['text', text],
      ['envelope', '{"to":["support@example.com"],"from":"ann@example.org"}'],
    ]);
    const email = await parseInboundBody(body, contentType);
    expect(email.text).toBe(text);
    expect(await contentChecksum(email)).toBe(onePass(['ann@example.org', 'large', text, null, '', null]));
  });
});
