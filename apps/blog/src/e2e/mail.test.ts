import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ANN, DOMAIN, page, startHarness, type Harness } from '../testing/harness.js';
import { colourJpeg, colourPng, rotatedJpegWithGps, tinyPdf } from '../testing/images.js';
import { createAuthor, regeneratePostingAddress, setPostingAddressRevoked } from '../domain/authors.js';
import { posts } from '../db/schema.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h?.close();
});

const FROM = `${ANN.name} <${ANN.email}>`;

/** The inbox row of a post the harness sent (it has been processed). */
async function stored(response: Response) {
  expect(response.status).toBe(200);
  const { id } = (await response.json()) as { id: string };
  return (await h.store.inbox.get(id))!;
}

function lastMailTo(address: string) {
  const mail = h.sent.filter((m) => m.to.some((t) => t.address === address));
  expect(mail.length).toBeGreaterThan(0);
  return mail[mail.length - 1]!;
}

describe('posting by email', () => {
  it('publishes a Markdown post with directives and confirms with the URL', async () => {
    const response = await h.publish({
      subject: 'A week in Rome',
      text: [
        '[category Travel]',
        '[tags Rome, food]',
        '[slug rome-week]',
        '[excerpt]Seven days of pasta.[/excerpt]',
        '[comments off]',
        '',
        '## Day one',
        '',
        'We walked **everywhere**. See [the map](https://maps.example.org/rome).',
        '',
        '[mystery directive]',
        '',
        '- Colosseum',
        '- Trastevere',
        '',
        '-- ',
        'Ann',
        'Sent from my phone',
      ].join('\n'),
    });
    expect(response.status).toBe(200);
    expect(h.outcomes).toEqual([
      { kind: 'created', postId: expect.any(Number), status: 'published', draftReason: null },
    ]);

    const html = await page(`${h.url}/posts/rome-week`);
    expect(html).toContain('<h1>A week in Rome</h1>');
    expect(html).toContain('<h2>Day one</h2>');
    expect(html).toContain('<strong>everywhere</strong>');
    expect(html).toContain('<a href="https://maps.example.org/rome" rel="nofollow ugc noopener">the map</a>');
    expect(html).toContain('<li>Colosseum</li>');
    expect(html).toContain('[mystery directive]'); // unknown directives stay
    expect(html).not.toMatch(/\[(category|tags|slug|excerpt|comments)/);
    expect(html).not.toContain('Sent from my phone');
    expect(html).toContain(`href="/blog/category/travel"`);
    expect(html).toContain(`href="/blog/tag/rome"`);
    expect(html).toContain('Comments are closed');

    const index = await page(h.url);
    expect(index).toContain('Seven days of pasta.');
    expect(await page(`${h.url}/category/travel`)).toContain('A week in Rome');
    expect(await page(`${h.url}/tag/food`)).toContain('A week in Rome');
    await page(`${h.url}/tag/nothing`, 404);

    const confirmation = lastMailTo(ANN.email);
    expect(confirmation.subject).toBe('Published: A week in Rome');
    expect(confirmation.text).toContain(`${h.url}/posts/rome-week`);
    expect(confirmation.from.address).toBe(`blog@${DOMAIN}`);
    expect(confirmation.replyTo[0]!.address).toMatch(new RegExp(`^reply\\+[a-z2-7]+@${DOMAIN.replace(/\./g, '\\.')}$`));
    expect(confirmation.headers['Auto-Submitted'] ?? confirmation.headers['auto-submitted']).toBe('auto-replied');
  });

  it('keeps a Gmail-like HTML post, without the quoted mail and the signature', async () => {
    await h.publish({
      subject: 'Autumn colours',
      text: 'Leaves are turning.\n[tags autumn]\n\nOn Mon, Nov 23, 2026 at 10:00 AM Bob <bob@x.test> wrote:\n> old stuff\n',
      html:
        '<div dir="ltr"><div>Leaves are <b>turning</b>.</div><div>[tags autumn]</div><div><br></div><div><i>Gold</i> and red.</div>' +
        '<br clear="all"><div><br></div><span class="gmail_signature_prefix">-- </span><br><div dir="ltr" class="gmail_signature">' +
        '<div dir="ltr">Ann Author<br>Photographer</div></div></div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">' +
        'On Mon, Nov 23, 2026 at 10:00 AM Bob &lt;bob@x.test&gt; wrote:<br></div><blockquote class="gmail_quote" ' +
        'style="margin:0px 0px 0px 0.8ex">old stuff from Bob</blockquote></div>',
    });
    const html = await page(`${h.url}/posts/autumn-colours`);
    expect(html).toContain('<strong>turning</strong>');
    expect(html).toContain('<em>Gold</em> and red.');
    expect(html).not.toContain('old stuff');
    expect(html).not.toContain('Photographer');
    expect(html).not.toContain('[tags');
    expect(html).not.toContain('style=');
    expect(html).toContain('href="/blog/tag/autumn"');
  });

  it('keeps an Outlook-like HTML post, without the header block of the quoted mail', async () => {
    const outlook =
      '<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><style>p.MsoNormal{margin:0cm;font-family:Calibri}</style></head>' +
      '<body lang="EN-GB"><div class="WordSection1"><p class="MsoNormal">Quarterly <b>garden</b> report.<o:p></o:p></p>' +
      '<p class="MsoNormal">[category Garden]<o:p></o:p></p>' +
      '<p class="MsoNormal"><span style="color:#1F497D">Tomatoes did well.</span><o:p></o:p></p>' +
      '<p class="MsoNormal"><o:p>&nbsp;</o:p></p>' +
      '<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm"><p class="MsoNormal"><b>From:</b> Bob Builder &lt;bob@x.test&gt;<br>' +
      '<b>Sent:</b> Monday, November 23, 2026 10:00<br><b>To:</b> Ann Author &lt;ann@writers.test&gt;<br><b>Subject:</b> garden</p></div>' +
      '<p class="MsoNormal">Old message from Bob.</p></div></body></html>';
    await h.publish({
      subject: 'Garden report',
      html: outlook,
      text: 'Quarterly garden report.\n[category Garden]\nTomatoes did well.\n\nFrom: Bob Builder <bob@x.test>\nSent: Monday, November 23, 2026 10:00\nTo: Ann Author <ann@writers.test>\nSubject: garden\n\nOld message from Bob.\n',
    });
    const html = await page(`${h.url}/posts/garden-report`);
    expect(html).toContain('<strong>garden</strong> report.');
    expect(html).toContain('Tomatoes did well.');
    expect(html).not.toContain('Old message from Bob');
    expect(html).not.toContain('Bob Builder');
    expect(html).not.toContain('[category');
    expect(html).not.toMatch(/MsoNormal|color:#1F497D|o:p/);
    expect(html).toContain('href="/blog/category/garden"');
  });

  it('places an inline image where it was and appends consecutive attachments as a gallery', async () => {
    const [inline, a, b, c] = await Promise.all([
      rotatedJpegWithGps(1200, 800),
      colourPng(640, 480, '#cc3300'),
      colourPng(640, 480, '#0033cc'),
      colourJpeg(500, 500),
    ]);
    await h.publish({
      subject: 'Photos from the coast',
      html: '<p>Before the picture <b>text</b>.</p><p><img src="cid:coast1" alt="coast"></p><p>After the picture.</p>',
      text: 'Before the picture text.\n[image: coast.jpg]\nAfter the picture.',
      attachments: [
        { filename: 'coast.jpg', contentType: 'image/jpeg', content: inline, contentId: 'coast1' },
        { filename: 'harbour.png', contentType: 'image/png', content: a },
        { filename: 'boats.png', contentType: 'image/png', content: b },
        { filename: 'beach.jpg', contentType: 'image/jpeg', content: c },
        { filename: 'tide-table.pdf', contentType: 'application/pdf', content: tinyPdf() },
      ],
    });
    const full = await page(`${h.url}/posts/photos-from-the-coast`);
    const html = full.slice(full.indexOf('<div class="content">'));
    const before = html.indexOf('Before the picture');
    const inlineAt = html.indexOf('<img class="inline"');
    const after = html.indexOf('After the picture');
    expect(before).toBeGreaterThanOrEqual(0);
    expect(inlineAt).toBeGreaterThan(before);
    expect(after).toBeGreaterThan(inlineAt);
    const gallery = /<div class="gallery" data-count="3">([\s\S]*?)<\/div>/.exec(html);
    expect(gallery).not.toBeNull();
    expect(gallery![1]!.match(/<img /g)).toHaveLength(3);
    expect(html).toMatch(/<a href="\/blog\/files\/\d+\/tide-table\.pdf" download>tide-table\.pdf<\/a>/);

    // The inline photo is served re-encoded, rotated upright (800×1200 displayed), with long caching.
    const src = /<img class="inline" src="([^"]+)"[^>]*width="(\d+)" height="(\d+)"/.exec(html)!;
    expect([src[2], src[3]]).toEqual(['800', '1200']);
    const image = await fetch(`${h.origin}${src[1]}`);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/webp');
    expect(image.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const bytes = Buffer.from(await image.arrayBuffer());
    expect(bytes.subarray(8, 12).toString('latin1')).toBe('WEBP');
    expect(bytes.includes(Buffer.from('TestCam'))).toBe(false); // no EXIF left
    const again = await fetch(`${h.origin}${src[1]}`, { headers: { 'if-none-match': image.headers.get('etag')! } });
    expect(again.status).toBe(304);

    const pdf = await fetch(`${h.origin}${/href="(\/blog\/files\/[^"]+)"/.exec(html)![1]}`);
    expect(pdf.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
  });

  it('holds a spoofed post as a draft and tells the registered author in fixed words, never the forger', async () => {
    const response = await h.publish({
      subject: 'Totally legit',
      text: 'Buy cheap watches.',
      dkim: '{@attacker.test : pass}',
      spf: 'fail',
      envelope: { from: 'bounce@attacker.test', to: [h.secretAddress] },
      replyTo: 'attacker@attacker.test',
    });
    expect(await stored(response)).toMatchObject({ status: 'delivered', route: 'blog-post' });
    expect(h.outcomes[0]).toMatchObject({
      kind: 'created',
      status: 'draft',
      draftReason: expect.stringContaining('not proven to come from'),
    });
    await page(`${h.url}/posts/totally-legit`, 404);
    expect(await page(h.url)).not.toContain('Totally legit');
    // The author hears of it at the registered address, in the blog's words only: nothing the forger chose.
    const notice = lastMailTo(ANN.email);
    expect(notice.subject).toBe('A post sent to your posting address is held as a draft');
    expect(notice.text).toContain('DRAFT');
    expect(notice.text).toContain(`${h.url}/admin/posts/${(h.outcomes[0] as { postId: number }).postId}`);
    expect(`${notice.subject}\n${notice.text}`).not.toMatch(/Totally legit|watches|attacker/);
    expect(notice.headers['Auto-Submitted']).toBe('auto-replied');
    expect(h.sent.some((m) => m.to.some((t) => t.address.endsWith('@attacker.test')))).toBe(false);
  });

  it('refuses mail to a revoked or replaced secret address, with a reply to the author', async () => {
    await setPostingAddressRevoked(h.blog.db, h.author.id, true);
    await h.post({ from: FROM, to: h.secretAddress, subject: 'Should not appear', text: 'Nope.' });
    expect(h.outcomes[0]).toMatchObject({ kind: 'refused', notified: true });
    expect(lastMailTo(ANN.email).text).toContain('switched off');
    const [row] = await h.store.inbox.list({ limit: 1 });
    expect(row?.status).toBe('bounced');

    const renewed = await regeneratePostingAddress(h.blog.db, h.author.id);
    await h.post({
      from: FROM,
      to: h.secretAddress,
      subject: 'Old address',
      text: 'Nope.',
      messageId: '<old-2@writers.test>',
    });
    expect(h.outcomes[1]).toMatchObject({ kind: 'refused', notified: true });
    expect(lastMailTo(ANN.email).text).toContain('replaced by a new one');
    await h.post({
      from: FROM,
      to: `post+${renewed.postingToken}@${DOMAIN}`,
      subject: 'New address works',
      text: 'Yes.',
    });
    expect(h.outcomes[2]).toMatchObject({ kind: 'created', status: 'published' });
    expect(await page(h.url)).not.toContain('Should not appear');

    const before = h.sent.length;
    await h.post({ from: FROM, to: `post+notatoken@${DOMAIN}`, subject: 'Unknown', text: 'x' });
    expect(h.outcomes[3]).toMatchObject({ kind: 'refused', notified: false });
    expect(h.sent.length).toBe(before);
  });

  it('creates one post when the same email arrives twice (also via both addresses)', async () => {
    const description = {
      from: FROM,
      to: h.secretAddress,
      subject: 'Only once',
      text: 'Hello.',
      messageId: '<once-1@writers.test>',
    };
    const first = await h.post(description);
    const second = await h.post(description);
    expect(first.status).toBe(200);
    expect(await second.json()).toMatchObject({ duplicate: true });
    await h.post({ ...description, to: `post@${DOMAIN}` });
    expect(h.outcomes.map((o) => o.kind)).toEqual(['created', 'duplicate']);
    const api = await (await fetch(`${h.url}/api/posts`)).json();
    expect(api.items.filter((p: { title: string }) => p.title === 'Only once')).toHaveLength(1);
    expect(h.sent.filter((m) => m.subject === 'Published: Only once')).toHaveLength(1);
  });

  it('publishes delayed posts when their time comes', async () => {
    await h.post({ from: FROM, to: h.secretAddress, subject: 'Advent', text: '[delay +2h]\nOpen the first door.' });
    expect(h.outcomes[0]).toMatchObject({ status: 'scheduled' });
    expect(lastMailTo(ANN.email).text).toMatch(/Scheduled: it will appear on 26 Nov 2026, 12:00 \(UTC\)/);
    await page(`${h.url}/posts/advent`, 404);
    expect(await page(`${h.url}/feed.xml`)).not.toContain('Advent');

    await h.post({ from: FROM, to: h.secretAddress, subject: 'Christmas', text: '[publish 2026-12-24 09:00]\nMerry.' });
    expect(h.outcomes[1]).toMatchObject({ status: 'scheduled' });

    h.clock.now = new Date('2026-11-26T12:30:00Z');
    expect(await page(`${h.url}/posts/advent`)).toContain('Open the first door.');
    const feed = await page(`${h.url}/feed.xml`);
    expect(feed).toContain('<title>Advent</title>');
    expect(feed).not.toContain('Christmas');
    expect(feed).toContain(`<link rel="alternate" type="text/html" href="${h.url}/posts/advent"/>`);
    h.clock.now = new Date('2026-12-24T09:00:00Z');
    expect(await page(h.url)).toContain('Christmas');
  });

  it('updates the post when the author replies to the confirmation', async () => {
    await h.post({
      from: FROM,
      to: h.secretAddress,
      subject: 'Draft thoughts',
      text: 'First version.',
      messageId: '<v1@writers.test>',
    });
    const confirmation = lastMailTo(ANN.email);
    const replyAddress = confirmation.replyTo[0]!.address;
    await h.post({
      from: FROM,
      to: replyAddress,
      subject: `Re: ${confirmation.subject}`,
      inReplyTo: `<${confirmation.messageId}>`,
      text: `Second, *better* version.\n[tags revised]\n\nOn Thu, 26 Nov 2026 at 10:00, Field Notes <blog@${DOMAIN}> wrote:\n> Published: Draft thoughts\n> ${h.url}/posts/draft-thoughts\n`,
    });
    expect(h.outcomes[1]).toMatchObject({ kind: 'updated' });
    const html = await page(`${h.url}/posts/draft-thoughts`);
    expect(html).toContain('Second, <em>better</em> version.');
    expect(html).not.toContain('First version.');
    expect(html).not.toContain('wrote:');
    expect(html).toContain('href="/blog/tag/revised"');
    expect(lastMailTo(ANN.email).subject).toBe('Updated: Draft thoughts');

    // The same signed address used by someone else (refused by core's token check before the handler), or a
    // forged From, changes nothing.
    const stranger = await h.post({
      from: 'Mallory <mallory@evil.test>',
      to: replyAddress,
      subject: 'Re: x',
      text: 'Defaced!',
    });
    expect(await stored(stranger)).toMatchObject({
      status: 'bounced',
      route: 'blog-reply',
      note: 'reply token rejected: wrong-recipient',
    });
    const forged = await h.post({
      from: FROM,
      to: replyAddress,
      subject: 'Re: x',
      text: 'Defaced too!',
      dkim: '{@evil.test : pass}',
      spf: 'softfail',
    });
    expect(await stored(forged)).toMatchObject({
      status: 'bounced',
      note: expect.stringMatching(/^unauthenticated update: /),
    });
    expect(h.outcomes.slice(2).map((o) => o.kind)).toEqual(['refused']);
    expect(await page(`${h.url}/posts/draft-thoughts`)).not.toContain('Defaced');
    const notice = lastMailTo(ANN.email);
    expect(notice.subject).toBe('Update refused: your email could not be verified');
    expect(notice.text).not.toContain('Defaced');

    // An out-of-office answer to the confirmation is not content.
    await h.post({
      from: FROM,
      to: replyAddress,
      subject: 'Automatic reply: Published',
      text: 'I am away.',
      headers: { 'Auto-Submitted': 'auto-replied' },
    });
    expect(h.outcomes[3]).toMatchObject({ kind: 'ignored' });
  });

  it('accepts the plain address from a registered author and ignores strangers', async () => {
    await h.post({ from: FROM, to: `post@${DOMAIN}`, subject: 'Via the plain address', text: 'Works.' });
    expect(h.outcomes[0]).toMatchObject({ kind: 'created', status: 'published' });
    const before = h.sent.length;
    await h.post({ from: 'Stranger <who@else.test>', to: `post@${DOMAIN}`, subject: 'Spam', text: 'x' });
    expect(h.outcomes[1]).toMatchObject({ kind: 'ignored' });
    expect(h.sent.length).toBe(before);
  });
});

describe('senders, loops and hostile input', () => {
  const FORGED = { dkim: 'none', spf: 'fail' };

  it('refuses a forged From at the public address: nothing saved, a fixed-text notice to the registered author', async () => {
    const response = await h.post({
      from: `Evil Twin <${ANN.email}>`,
      to: `post@${DOMAIN}`,
      subject: 'Click here',
      text: 'Spam, spam.',
      ...FORGED,
    });
    expect(await stored(response)).toMatchObject({
      status: 'bounced',
      route: 'blog-plain',
      note: expect.stringMatching(/^sender not authenticated: /),
    });
    expect(await postCount()).toBe(0);
    const notice = lastMailTo(ANN.email);
    expect(notice.subject).toBe('Not published: your email could not be verified');
    expect(`${notice.subject}\n${notice.text}`).not.toMatch(/Click|Spam|Evil/);
    expect(h.sent).toHaveLength(1);
  });

  it('stops answering an auto-responder that does not mark its mail after 3 answers (8 rounds)', async () => {
    await h.post({ from: FROM, to: h.secretAddress, subject: 'Ping', text: 'First.' });
    for (let round = 1; round <= 8; round++) {
      // An auto-responder at the author's address that answers our latest mail with human-looking text.
      const ours = lastMailTo(ANN.email);
      await h.post({
        from: FROM,
        to: ours.replyTo[0]!.address,
        subject: `Re: ${ours.subject}`,
        inReplyTo: `<${ours.messageId}>`,
        text: `Thank you for your message (round ${round}). I will get back to you soon.`,
      });
    }
    expect(h.sent.filter((m) => m.to.some((t) => t.address === ANN.email))).toHaveLength(3);
    expect(h.sent.every((m) => m.headers['Auto-Submitted'] === 'auto-replied')).toBe(true);
  });

  it('keeps a post whose encoded subject decodes to CR/LF, and answers with a one-line subject', async () => {
    const subject = 'Line one\r\nBcc: victim@else.test\r\n';
    const response = await h.post({
      mode: 'raw',
      from: FROM,
      to: h.secretAddress,
      subject,
      text: '[status draft]\nA body.',
    });
    expect(await stored(response)).toMatchObject({ status: 'delivered', route: 'blog-post' });
    expect(h.outcomes[0]).toMatchObject({ kind: 'created', status: 'draft' });
    const confirmation = lastMailTo(ANN.email);
    expect(confirmation.subject).toBe('Draft saved: Line one Bcc: victim@else.test');
    expect(confirmation.to.map((t) => t.address)).toEqual([ANN.email]);
    expect(confirmation.bcc).toEqual([]);

    const forged = await h.post({
      mode: 'raw',
      from: FROM,
      to: h.secretAddress,
      subject,
      text: 'Another body.',
      ...FORGED,
    });
    expect(await stored(forged)).toMatchObject({ status: 'delivered' });
    expect(h.outcomes[1]).toMatchObject({ kind: 'created', status: 'draft' });
  });

  it('ends every outcome the same way when replayed, with no second post or answer', async () => {
    const revoked = await startHarnessAuthor('bo@writers.test');
    const cases = {
      published: await h.post({ from: FROM, to: h.secretAddress, subject: 'Kept once', text: 'Hello.' }),
      held: await h.post({ from: FROM, to: h.secretAddress, subject: 'Held once', text: 'Hm.', ...FORGED }),
      stranger: await h.post({ from: 'who@else.test', to: `post@${DOMAIN}`, subject: 'Hi', text: 'x' }),
      unknownAddress: await h.post({ from: FROM, to: `post+notatoken@${DOMAIN}`, subject: 'Unknown', text: 'x' }),
      retiredAddress: await h.post({ from: 'bo@writers.test', to: revoked, subject: 'Old', text: 'x' }),
      forgedPlain: await h.post({ from: FROM, to: `post@${DOMAIN}`, subject: 'Forged', text: 'x', ...FORGED }),
    };
    const confirmation = h.sent.find((m) => m.subject === 'Published: Kept once')!;
    const update = await h.post({
      from: FROM,
      to: confirmation.replyTo[0]!.address,
      subject: 'Re: Kept once',
      text: 'Hello again.',
    });
    const rows = await Promise.all([...Object.values(cases), update].map(stored));
    expect(rows.map((r) => r.status)).toEqual([
      'delivered',
      'delivered',
      'ignored',
      'bounced',
      'bounced',
      'bounced',
      'delivered',
    ]);
    const before = { sent: h.sent.length, posts: await postCount(), html: await page(`${h.url}/posts/kept-once`) };

    for (const row of rows) {
      expect(await replay(row.id)).toBe(1);
      expect(await h.store.inbox.get(row.id)).toMatchObject({ status: row.status, note: row.note, route: row.route });
    }
    expect({ sent: h.sent.length, posts: await postCount(), html: await page(`${h.url}/posts/kept-once`) }).toEqual(
      before,
    );
  });
});

/** A second author whose secret address is then switched off; returns that address. */
async function startHarnessAuthor(email: string): Promise<string> {
  const author = await createAuthor(h.blog.db, { email, name: 'Bo', password: 'bo password 123' });
  await setPostingAddressRevoked(h.blog.db, author.id, true);
  return `post+${author.postingToken}@${DOMAIN}`;
}

async function postCount(): Promise<number> {
  return (await h.blog.db.select().from(posts)).length;
}

async function replay(id: string): Promise<number> {
  const count = await h.mailroom.replay(id);
  await h.settle();
  return count;
}
