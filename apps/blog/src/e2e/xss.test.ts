import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANN, page, startHarness, type Harness } from '../testing/harness.js';
import { tinyPdf } from '../testing/images.js';
import { assertNoActiveContent, XSS_CORPUS } from '../testing/xss-corpus.js';

function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

describe('XSS corpus sent by mail', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
    const corpus = XSS_CORPUS.join('\n<br>\n');
    // 1. As an HTML email (formatted, so the HTML part is used).
    await h.publish({
      subject: 'XSS html <script>alert("subject")</script>',
      html: `<p><b>HTML corpus</b></p>\n${corpus}\n<p>[category <img src=x onerror=alert(1)>]</p><p>[tags <svg onload=alert(1)>, "><script>alert(1)</script>]</p>`,
      text: 'HTML corpus',
      attachments: [
        { filename: '"><img src=x onerror=alert(1)>.pdf', contentType: 'application/pdf', content: tinyPdf() },
      ],
    });
    // 2. As plain text, i.e. Markdown (which passes raw HTML through to the sanitizer).
    await h.publish({
      subject: 'XSS markdown',
      text: [
        '[category "><script>alert(1)</script>]',
        '[tags javascript:alert(1), <b onmouseover=alert(1)>]',
        '[slug <script>]',
        '',
        'Markdown corpus',
        '',
        ...XSS_CORPUS.map((p) => `${p}\n`),
        '[click](javascript:alert(1)) [click2](  JAVASCRIPT:alert(1)) ![img](javascript:alert(1)) <javascript:alert(1)>',
        '[ref link][r]',
        '',
        '[r]: javascript:alert(1)',
      ].join('\n'),
    });
    // 3. A post whose excerpt and title carry payloads.
    await h.publish({
      subject: 'plain',
      text: '[title </title><script>alert(1)</script>]\n[excerpt]<img src=x onerror=alert(1)>[/excerpt]\nBody.',
    });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('has a checker that would notice the raw payloads', () => {
    const caught = XSS_CORPUS.filter((payload) => {
      try {
        assertNoActiveContent(payload, 'raw');
        return false;
      } catch {
        return true;
      }
    });
    // Entity-obfuscated schemes need an HTML parser to see (the browser test has one); all else is flagged raw.
    expect(XSS_CORPUS.filter((p) => !caught.includes(p))).toEqual([
      '<a href="java&#x09;script:alert(1)">tab entity</a>',
      '<a href=" &#14;  javascript:alert(1)">leading junk</a>',
    ]);
  });

  it('stored three posts', () => {
    expect(h.outcomes.map((o) => o.kind)).toEqual(['created', 'created', 'created']);
  });

  it('never reaches a public page unescaped', async () => {
    const api = await (await fetch(`${h.url}/api/posts`)).json();
    expect(api.items).toHaveLength(3);
    const pages = [h.url];
    for (const post of api.items as Array<{
      slug: string;
      category: string | null;
      tags: string[];
      html: string;
      title: string;
    }>) {
      pages.push(`${h.url}/posts/${encodeURIComponent(post.slug)}`);
      if (post.category) pages.push(`${h.url}/category/${encodeURIComponent(post.category.toLowerCase())}`);
      for (const tag of post.tags) pages.push(`${h.url}/tag/${encodeURIComponent(tag)}`);
      assertNoActiveContent(post.html, `API html of ${post.slug}`);
    }
    expect(pages.length).toBeGreaterThan(5);
    for (const url of pages) assertNoActiveContent(await page(url), url);

    const htmlPost = await page(
      `${h.url}/posts/${encodeURIComponent((api.items as Array<{ slug: string; title: string }>).find((p) => p.title.startsWith('XSS html'))!.slug)}`,
    );
    // The text survives, escaped: the reader sees what was written, nothing runs.
    expect(htmlPost).toContain('XSS html &lt;script&gt;alert(&quot;subject&quot;)&lt;/script&gt;');
    expect(htmlPost).toContain('HTML corpus');
    expect(htmlPost).toContain('js link');
  });

  it('never reaches the feed content unescaped', async () => {
    const feed = await page(`${h.url}/feed.xml`);
    expect(feed).not.toMatch(/<script|<svg|<img[^>]*onerror/i);
    for (const [, content] of feed.matchAll(/<content type="html">([\s\S]*?)<\/content>/g)) {
      assertNoActiveContent(unescapeXml(content!).replace(/http:\/\/127\.0\.0\.1:\d+/g, ''), 'feed entry');
    }
  });

  it('never reaches the author pages unescaped', async () => {
    const login = await fetch(`${h.url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: h.origin },
      body: new URLSearchParams({ email: ANN.email, password: ANN.password }),
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const list = await page(`${h.url}/admin`, 200, { headers: { cookie } });
    assertNoActiveContent(list.replace(/<form[^>]*>|<input type="hidden"[^>]*>/g, ''), 'admin list');
    for (const [, id] of list.matchAll(/href="\/blog\/admin\/posts\/(\d+)"/g)) {
      const edit = await page(`${h.url}/admin/posts/${id}`, 200, { headers: { cookie } });
      // The edit form's own inputs are ours; everything else must be inert.
      assertNoActiveContent(edit.replace(/<input (?:type="hidden"|id="title")[^>]*>/g, ''), `edit page ${id}`);
      expect(edit).not.toMatch(/<textarea[^>]*>[\s\S]*<script[\s\S]*<\/textarea>/);
    }
  });
});
