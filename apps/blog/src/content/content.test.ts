import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { extractDirectives, parseDelay, parsePublishDate, slugify } from './directives.js';
import { buildContent, prefersHtml, type ContentAttachment } from './pipeline.js';
import { classifyAttachment, processImage } from './media.js';
import { sanitizePostHtml } from './sanitize.js';
import { colourJpeg, colourPng, rotatedJpegWithGps, tinyPdf } from '../testing/images.js';

const NOW = new Date('2026-11-26T10:00:00Z');

describe('directives', () => {
  it('applies known directives on their own lines and removes them', () => {
    const result = extractDirectives(
      [
        'Intro line',
        '[category Travel Notes]',
        '[tags Rome,  food, rome ]',
        '[status draft]',
        '[slug Día de Roma!]',
        '[comments off]',
        '[title A better title]',
        '[delay +2h]',
        '',
        'Body text.',
      ].join('\n'),
      { now: NOW },
    );
    expect(result.text).toBe('Intro line\n\nBody text.');
    expect(result.directives).toEqual({
      category: 'Travel Notes',
      tags: ['rome', 'food'],
      status: 'draft',
      slug: 'dia-de-roma',
      comments: false,
      title: 'A better title',
      publishAt: new Date('2026-11-26T12:00:00Z'),
    });
    expect(result.problems).toEqual([]);
  });

  it('leaves unknown directives and directives inside text or code fences in place', () => {
    const text = 'See [tags x] inline.\n[gallery columns=3]\n```\n[status draft]\n```\n[nope]';
    const result = extractDirectives(text, { now: NOW });
    expect(result.text).toBe(text);
    expect(result.directives).toEqual({});
  });

  it('keeps misunderstood values in the text and reports them', () => {
    const result = extractDirectives('[delay soon]\n[status maybe]\nHi', { now: NOW });
    expect(result.text).toBe('[delay soon]\n[status maybe]\nHi');
    expect(result.problems).toHaveLength(2);
    expect(result.problems[0]).toMatch(/\[delay soon\].*left in the text/);
  });

  it('reads excerpts on one or several lines and cuts at [end]', () => {
    const one = extractDirectives('[excerpt]Short  summary[/excerpt]\nBody', { now: NOW });
    expect(one.directives.excerpt).toBe('Short summary');
    expect(one.text).toBe('Body');
    const many = extractDirectives('Body\n[excerpt]\nline one\nline two\n[/excerpt]\nMore\n\n[end]\nfooter\n[tags x]', {
      now: NOW,
    });
    expect(many.directives.excerpt).toBe('line one line two');
    expect(many.text).toBe('Body\nMore');
    expect(many.directives.tags).toBeUndefined();
  });

  it('parses delays and publish dates (with a time zone)', () => {
    expect(parseDelay('+2h')).toBe(7_200_000);
    expect(parseDelay('+1d2h30m')).toBe(86_400_000 + 7_200_000 + 1_800_000);
    expect(parseDelay('+1 day 2 hours')).toBe(86_400_000 + 7_200_000);
    expect(parseDelay('+2 fortnights')).toBeNull();
    expect(parseDelay('')).toBeNull();
    expect(parsePublishDate('2026-12-24 09:00', 'UTC')?.toISOString()).toBe('2026-12-24T09:00:00.000Z');
    expect(parsePublishDate('2026-12-24 09:00', 'Europe/Paris')?.toISOString()).toBe('2026-12-24T08:00:00.000Z');
    expect(parsePublishDate('2026-07-01 09:00', 'America/New_York')?.toISOString()).toBe('2026-07-01T13:00:00.000Z');
    expect(parsePublishDate('2026-12-24T09:00+01:00', 'UTC')?.toISOString()).toBe('2026-12-24T08:00:00.000Z');
    expect(parsePublishDate('2026-02-30', 'UTC')).toBeNull();
    expect(parsePublishDate('tomorrow', 'UTC')).toBeNull();
    expect(slugify('  Hello, Wörld! ')).toBe('hello-world');
  });
});

describe('sanitizer', () => {
  it('keeps structure and emphasis, drops scripts, handlers, styles, remote images and bad links', () => {
    const html = sanitizePostHtml(
      '<h1 style="color:red">T</h1><p class="x" onclick="evil()"><b>bold</b> <font color=red>red</font> ' +
        '<a href="javascript:alert(1)">js</a> <a href="https://ok.test/">ok</a></p><script>alert(1)</script>' +
        '<img src="https://tracker.test/p.gif"><svg onload="alert(1)"><circle/></svg><iframe src="https://x.test"></iframe>',
    );
    expect(html).toBe(
      '<h2>T</h2><p><strong>bold</strong> red <a rel="nofollow ugc noopener">js</a> <a href="https://ok.test/" rel="nofollow ugc noopener">ok</a></p>',
    );
  });
});

describe('attachments', () => {
  it('recognises types by magic bytes, not by name or declared type', async () => {
    expect(await classifyAttachment(await colourPng(10, 10), 'photo.pdf')).toEqual({
      kind: 'image',
      mime: 'image/png',
    });
    expect(await classifyAttachment(tinyPdf(), 'paper.jpg')).toMatchObject({
      kind: 'download',
      mime: 'application/pdf',
    });
    expect(await classifyAttachment(Buffer.from('<svg onload="x()"></svg>'), 'a.svg')).toMatchObject({
      kind: 'refused',
    });
    expect(await classifyAttachment(Buffer.from('<html><script>x()</script>'), 'notes.txt')).toMatchObject({
      kind: 'refused',
    });
    expect(await classifyAttachment(Buffer.from('hello, world\n'), 'notes.txt')).toMatchObject({
      kind: 'download',
      mime: 'text/plain',
    });
    expect(
      await classifyAttachment(
        Buffer.from('MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff', 'latin1'),
        'setup.exe',
      ),
    ).toMatchObject({ kind: 'refused' });
    expect(
      await classifyAttachment(tinyPdf(), 'big.pdf', {
        maxImageBytes: 1e6,
        maxPixels: 1e6,
        maxDownloadBytes: 10,
        maxAttachments: 5,
      }),
    ).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/at most/) });
  });

  it('applies EXIF orientation, strips metadata and never enlarges', async () => {
    const image = await processImage(await rotatedJpegWithGps(1200, 800));
    expect([image.width, image.height]).toEqual([800, 1200]);
    expect(Object.keys(image.renditions)).toEqual(['small', 'medium']);
    const medium = image.renditions.medium!;
    expect([medium.width, medium.height]).toEqual([800, 1200]);
    const meta = await sharp(medium.data).metadata();
    expect(meta.format).toBe('webp');
    expect(meta.exif).toBeUndefined();
    expect(meta.orientation).toBeUndefined();
    expect(image.renditions.small!.width).toBe(480);
  });

  it('refuses pixel bombs and damaged files', async () => {
    const bomb = await colourPng(2000, 2000);
    const policy = { maxImageBytes: 1e7, maxPixels: 1_000_000, maxDownloadBytes: 1e6, maxAttachments: 5 };
    await expect(processImage(bomb, policy)).rejects.toThrow(/too many pixels/);
    const jpeg = await colourJpeg(200, 200);
    await expect(processImage(jpeg.subarray(0, 200))).rejects.toThrow(/could not be read/);
  });
});

function attachment(filename: string, content: Buffer, extra: Partial<ContentAttachment> = {}): ContentAttachment {
  return { filename, contentType: 'application/octet-stream', contentId: null, inline: false, content, ...extra };
}

describe('buildContent', () => {
  it('reads plain text as Markdown and sanitizes what Markdown lets through', async () => {
    const built = await buildContent({
      subject: 'Hello',
      text: '[tags a]\n# Heading\n\nSome *emphasis* and <script>alert(1)</script> [x](javascript:alert(1))\n\n<img src=x onerror=alert(1)>',
      html: null,
      attachments: [],
      now: NOW,
    });
    expect(built.format).toBe('markdown');
    expect(built.title).toBe('Hello');
    expect(built.directives.tags).toEqual(['a']);
    expect(built.html).toContain('<h2>Heading</h2>');
    expect(built.html).toContain('<em>emphasis</em>');
    expect(built.html).not.toMatch(/script|onerror|javascript:/i);
  });

  it('keeps formatted HTML, removes directives from it and places cid images; appends a gallery', async () => {
    const [inline, g1, g2] = await Promise.all([
      colourJpeg(600, 400),
      colourPng(300, 300, '#111111'),
      colourPng(300, 300, '#222222'),
    ]);
    const built = await buildContent({
      subject: 'Pictures',
      text: 'Look\n[category Photos]\n[image: sunset.jpg]\nEnd',
      html: '<div dir="ltr"><div>Look <b>here</b></div><div>[category Photos]</div><div><img src="cid:ii_sunset" alt="sunset.jpg"></div><div>End</div></div>',
      attachments: [
        attachment('sunset.jpg', inline, { contentId: 'ii_sunset', inline: true }),
        attachment('one.png', g1),
        attachment('two.png', g2),
        attachment('paper.pdf', tinyPdf()),
        attachment('logo.png', await colourPng(40, 40, '#999999'), { contentId: 'logo', inline: true }),
      ],
      now: NOW,
    });
    expect(built.format).toBe('html');
    expect(built.directives.category).toBe('Photos');
    expect(built.html).not.toContain('[category');
    expect(built.html).toContain('<img src="blog-image:0" alt="sunset.jpg" />');
    expect(built.images.map((i) => [i.filename, i.placed, i.run])).toEqual([
      ['sunset.jpg', true, -1],
      ['one.png', false, 0],
      ['two.png', false, 0],
    ]);
    expect(built.downloads.map((d) => [d.filename, d.mime])).toEqual([['paper.pdf', 'application/pdf']]);
  });

  it('prefers Markdown text for unformatted HTML, HTML for formatted mail', () => {
    expect(prefersHtml('a', '<div>a</div><div><br></div>')).toBe(false);
    expect(prefersHtml('a', '<div><b>a</b></div>')).toBe(true);
    expect(prefersHtml(null, '<div>a</div>')).toBe(true);
  });

  it('cuts an HTML body at [end] and at a -- signature line', async () => {
    const built = await buildContent({
      subject: 's',
      text: null,
      html: '<p><strong>Keep</strong></p><p>[end]</p><p>drop</p>',
      attachments: [],
      now: NOW,
    });
    expect(built.html).toBe('<p><strong>Keep</strong></p>');
    const sig = await buildContent({
      subject: 's',
      text: null,
      html: '<div><em>Keep</em></div><div>-- </div><div>Ann, CEO</div>',
      attachments: [],
      now: NOW,
    });
    expect(sig.html).toBe('<div><em>Keep</em></div>');
  });
});
