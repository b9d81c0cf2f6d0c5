import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANN, page, startHarness, type Harness } from '../testing/harness.js';
import { MAX_POST_HTML_CHARS, MAX_POST_HTML_ELEMENTS, sanitizePostHtml } from './sanitize.js';

// Sender HTML past the post limits, through the mail handler: the post is made from the text, and the author is told why.
describe('oversized sender HTML', () => {
  let h: Harness;
  const FROM = `${ANN.name} <${ANN.email}>`;
  beforeAll(async () => {
    h = await startHarness();
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  const confirmation = () => h.sent.filter((m) => m.to.some((t) => t.address === ANN.email)).at(-1)!;

  it('1 MB of nested inline tags: published from the text part, with a note', async () => {
    const html = `<p><b>Big news</b></p>${'<b><i><u><span a="1" b="2">x</span></u></i></b>'.repeat(20_000)}`;
    expect(html.length).toBeGreaterThan(MAX_POST_HTML_CHARS);
    const response = await h.post({
      from: FROM,
      to: h.secretAddress,
      subject: 'Huge formatting',
      html,
      text: 'Big news, in plain words.',
    });
    expect(response.status).toBe(200);
    expect(h.outcomes.at(-1)).toMatchObject({ kind: 'created', status: 'published' });
    const mail = confirmation();
    expect(mail.text).toContain('The HTML part was too large to publish');
    expect(mail.text).toContain(`at most ${MAX_POST_HTML_CHARS / 1024} KiB`);
    expect(await page(`${h.url}/posts/huge-formatting`)).toContain('Big news, in plain words.');
  });

  it("many small <img> elements (under the byte limit): posted from core's text of the HTML when there is no text part", async () => {
    const html = `<p>Gallery day</p>${'<img src="cid:a@b">'.repeat(MAX_POST_HTML_ELEMENTS + 10)}`;
    expect(html.length).toBeLessThan(MAX_POST_HTML_CHARS);
    const response = await h.post({ from: FROM, to: h.secretAddress, subject: 'Many images', html });
    expect(response.status).toBe(200);
    expect(h.outcomes.at(-1)).toMatchObject({ kind: 'created' });
    expect(confirmation().text).toContain(`more than ${MAX_POST_HTML_ELEMENTS.toLocaleString('en-US')} HTML elements`);
    expect(await page(`${h.url}/posts/many-images`)).toContain('Gallery day');
  });

  it('HTML within the limits is still posted as HTML', async () => {
    const response = await h.post({
      from: FROM,
      to: h.secretAddress,
      subject: 'Small formatting',
      html: '<p><b>Bold</b> words</p>',
      text: 'Bold words',
    });
    expect(response.status).toBe(200);
    expect(await page(`${h.url}/posts/small-formatting`)).toContain('<strong>Bold</strong>');
    expect(confirmation().text).not.toContain('too large');
  });

  it('sanitizePostHtml itself never reads past the element limit (web edits, Markdown output)', () => {
    const out = sanitizePostHtml('<p>x</p>'.repeat(2 * MAX_POST_HTML_ELEMENTS));
    expect(out.split('<p>').length - 1).toBe(MAX_POST_HTML_ELEMENTS);
  });
});
