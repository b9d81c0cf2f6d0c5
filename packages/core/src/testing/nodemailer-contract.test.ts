import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { composeMessage, composeMessageAsync } from './mime.js';

/**
 * The testing kit builds SendGrid-like posts synchronously from nodemailer's internal modules (there is no public
 * synchronous composer): `lib/mail-composer`, which nodemailer's docs name as MailComposer's entry. nodemailer is pinned to an exact version in package.json; this test names every internal
 * the kit reads, so an upgrade that moves or changes one fails here, not in a builder somewhere downstream.
 */
const require = createRequire(import.meta.url);

describe('nodemailer internals the testing kit relies on (pinned version)', () => {
  it('is the pinned version', () => {
    const pinned = (require('../../package.json') as { dependencies: Record<string, string> }).dependencies.nodemailer;
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    expect((require('nodemailer/package.json') as { version: string }).version).toBe(pinned);
  });

  it('lib/mail-composer compiles to a MimeNode tree with the members mime.ts reads', () => {
    const MailComposer = require('nodemailer/lib/mail-composer');
    const root = new MailComposer({
      from: 'a@example.com',
      to: 'b@example.com',
      text: 'hi',
      html: '<p>hi</p>',
    }).compile();
    for (const method of ['buildHeaders', 'getTransferEncoding', 'build']) expect(typeof root[method]).toBe('function');
    expect(root.buildHeaders()).toMatch(/^Content-Type: multipart\/alternative;\r\n boundary=/m);
    expect(root.multipart).toBe('alternative'); // set by buildHeaders(), read by mime.ts's writeNode
    expect(root.boundary).toEqual(expect.any(String));
    expect(root.childNodes).toHaveLength(2);
    expect(root.childNodes[0].content).toBe('hi');
  });

  it('the synchronous serialiser still equals nodemailer’s own build, byte for byte', async () => {
    const mail = {
      from: 'Ann <ann@example.com>',
      to: 'support@example.com',
      subject: 'Grüße',
      text: 'Hello ='.repeat(30),
      attachments: [{ filename: 'a.bin', content: Buffer.alloc(1000, 7) }],
      baseBoundary: 'contract',
      messageId: '<contract@example.com>',
      date: new Date('2026-12-01T00:00:00Z'),
    };
    expect(composeMessage(mail).toString('latin1')).toBe((await composeMessageAsync(mail)).toString('latin1'));
  });
});
