import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIngress } from '@mailroom/core/ingress';
import { createTestStore, multipartBody, type TestStore } from '@mailroom/core/testing';

// Mail a stranger can send must always be storable: a failure here is a 5xx that SendGrid retries for three
// days and then drops. These inputs once made PostgreSQL reject the row.
const ingress = createIngress({ security: { insecure: true } });
let store: TestStore;
beforeAll(async () => {
  store = await createTestStore();
});
afterAll(() => store.close());

function rawPost(headers: string, body = 'Hello\r\n') {
  const email = Buffer.from(`${headers}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}`, 'utf8');
  const bytes = multipartBody([
    { name: 'email', value: email },
    { name: 'envelope', value: Buffer.from('{"to":["inbox@example.com"],"from":"ups@example.net"}') },
  ]);
  return new Request('http://test.local/parse', {
    method: 'POST',
    headers: { 'content-type': 'multipart/form-data; boundary=xYzZY' },
    body: new Uint8Array(bytes),
  });
}

async function ingest(request: Request) {
  return store.inbox.ingest(await ingress.receive(request));
}

describe('hostile but valid mail is stored', () => {
  it('stores a parsed post whose UTF-16 subject decodes to lone surrogates', async () => {
    const subject = Buffer.from([0x37, 0xb8, 0xfa, 0x35, 0x00, 0xdc, 0x41, 0x00]); // ends in an unpaired low surrogate
    const bytes = multipartBody([
      { name: 'from', value: Buffer.from('a@example.net') },
      { name: 'to', value: Buffer.from('inbox@example.com') },
      { name: 'subject', value: subject },
      { name: 'text', value: Buffer.from('hi') },
      { name: 'envelope', value: Buffer.from('{"to":["inbox@example.com"],"from":"a@example.net"}') },
      { name: 'charsets', value: Buffer.from('{"subject":"utf-16le","text":"utf-8"}') },
    ]);
    const request = new Request('http://test.local/parse', {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=xYzZY' },
      body: new Uint8Array(bytes),
    });
    const result = await ingest(request);
    expect(result.duplicate).toBe(false);
    expect(result.record.subject).not.toMatch(/[\ud800-\udfff]/);
    expect(result.record.subject).toContain('\ufffd');
  });

  it('strips NUL characters smuggled in through an encoded-word subject and the body', async () => {
    const result = await ingest(
      rawPost('From: a@example.net\r\nSubject: =?utf-8?B?YQBi?=\r\nMessage-ID: <nul-1@example.net>', 'x\u0000y\r\n'),
    );
    expect(result.duplicate).toBe(false);
    expect(result.record.subject).toBe('ab');
    const email = await store.inbox.loadEmail(result.id);
    expect(email.subject).toBe('ab');
    expect(email.text).toBe('xy\n');
  });

  it('stores a Message-ID longer than an index row allows by its hash, and still dedupes it', async () => {
    const longId = `<${'a1B2'.repeat(2000)}@x>`;
    const first = await ingest(rawPost(`From: a@example.net\r\nSubject: long\r\nMessage-ID: ${longId}`));
    const again = await ingest(rawPost(`From: a@example.net\r\nSubject: long\r\nMessage-ID: ${longId}`));
    expect(first.record.messageId).toMatch(/^[0-9a-f]{40}@long-message-id\.invalid$/);
    expect(again).toMatchObject({ duplicate: true, id: first.id });
  });

  it('keeps two different messages without a Message-ID apart (same text, other Date), yet dedupes a retry', async () => {
    const monday = 'From: ups@example.net\r\nSubject: Power failure\r\nDate: Mon, 16 Nov 2026 03:00:00 +0000';
    const tuesday = 'From: ups@example.net\r\nSubject: Power failure\r\nDate: Tue, 24 Nov 2026 03:00:00 +0000';
    const first = await ingest(rawPost(monday, 'On battery\r\n'));
    const second = await ingest(rawPost(tuesday, 'On battery\r\n'));
    const retry = await ingest(rawPost(tuesday, 'On battery\r\n'));
    expect(first.duplicate).toBe(false);
    expect(second.duplicate).toBe(false);
    expect(second.id).not.toBe(first.id);
    expect(retry).toMatchObject({ duplicate: true, id: second.id });
  });
});
