import { describe, expect, it } from 'vitest';
import { parseInboundBody } from './index.js';
import { buildMultipart } from './test-support.js';

const envelope = JSON.stringify({ to: ['support@mailroom.example'], from: 'ann@example.org' });

async function raw(headers: string) {
  const email = `From: Ann <ann@example.org>\r\n${headers}Subject: hi\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nbody\r\n`;
  const { body, contentType } = buildMultipart([
    ['email', email],
    ['envelope', envelope],
  ]);
  return parseInboundBody(body, contentType);
}

describe('long address headers in raw mode', () => {
  it('a 10,000-recipient To header (folded, ~400 KB) yields every address and the header exactly as posted', async () => {
    const to = Array.from({ length: 10_000 }, (_, i) => `"User ${i}" <user${i}@example.com>`).join(',\r\n ');
    const email = await raw(`To: ${to}\r\nCc: cc@example.com\r\n`);
    expect(email.to).toHaveLength(10_000);
    expect(email.to[9_999]).toEqual({ address: 'user9999@example.com', name: 'User 9999' });
    expect(email.cc).toEqual([{ address: 'cc@example.com', name: '' }]);
    expect(email.headers.map((h) => h.name)).toEqual(['From', 'To', 'Cc', 'Subject', 'MIME-Version', 'Content-Type']);
    expect(email.header('To')).toBe(to.replaceAll('\r\n', ''));
    expect(email.text).toBe('body\n');
  });

  it('a 768 KB To header of "a,a,a,…" gives no address and keeps the header', async () => {
    const email = await raw(`To: ${'a,'.repeat(384 * 1024)}\r\nList-Id: ${'<x>'.repeat(10_000)}\r\n`);
    expect(email.to).toEqual([]);
    expect(email.header('To')).toHaveLength(768 * 1024);
    expect(email.header('List-Id')).toHaveLength(30_000);
    expect(email.from).toEqual({ address: 'ann@example.org', name: 'Ann' });
    expect(email.subject).toBe('hi');
  });
});
