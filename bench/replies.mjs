// Reply-extraction accuracy on the labelled corpus (test/fixtures/replies/*.case): our extractor
// next to the npm packages email-reply-parser and planer, each through its documented text API.
// Usage: npm run build && node bench/replies.mjs [--verbose]
// A case counts when the visible text equals the label after CRLF→LF and trimming trailing whitespace.
import { createRequire } from 'node:module';
import { extractReply } from '@mailroom/core';
import { loadCorpus, normalizeVisible } from '../test/fixtures/replies/corpus.mjs';

const require = createRequire(import.meta.url);

const pad = (s, n) => String(s).padEnd(n);

/** Runs every extractor over the labelled corpus; returns a section for bench/run.mjs. */
export async function benchmark({ progress = () => {} } = {}) {
  const { default: EmailReplyParser } = await import('email-reply-parser');
  const planer = require('planer');
  const cases = loadCorpus().filter((c) => c.text !== null && c.reply !== null);
  progress(`reply extraction: ${cases.length} labelled cases`);
  const extractors = [
    ['mailroom (@mailroom/core extractReply)', (text) => extractReply({ text, html: null }).text],
    ['email-reply-parser 2.3 (getVisibleText)', (text) => new EmailReplyParser().read(text).getVisibleText()],
    ['planer 1.2 (extractFrom text/plain)', (text) => planer.extractFrom(text, 'text/plain')],
  ];
  const results = [];
  for (const [name, extract] of extractors) {
    let exact = 0;
    const misses = [];
    const started = process.hrtime.bigint();
    for (const c of cases) {
      let got;
      try {
        got = extract(c.text);
      } catch (error) {
        got = `<<threw ${error.message}>>`;
      }
      if (normalizeVisible(got) === normalizeVisible(c.reply)) exact++;
      else misses.push(c.name);
    }
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    results.push({ name, exact, cases: cases.length, misses, ms });
  }
  return {
    id: 'replies',
    title: `Reply extraction, ${cases.length} text cases (exact match of visible text)`,
    results,
    rows: results.map((r) => ({
      extractor: r.name,
      exact: `${r.exact}/${r.cases}`,
      accuracy: `${((100 * r.exact) / r.cases).toFixed(1)}%`,
      'time ms': r.ms.toFixed(1),
    })),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const verbose = process.argv.includes('--verbose');
  const section = await benchmark();
  console.log(`${section.title}\n`);
  console.log(`${pad('extractor', 42)} ${pad('exact', 8)} ${pad('accuracy', 9)} time`);
  for (const r of section.results) {
    console.log(`${pad(r.name, 42)} ${pad(`${r.exact}/${r.cases}`, 8)} ${pad(`${((100 * r.exact) / r.cases).toFixed(1)}%`, 9)} ${r.ms.toFixed(1)} ms`);
  }
  if (verbose) {
    for (const r of section.results) console.log(`\n${r.name} misses (${r.misses.length}): ${r.misses.join(', ')}`);
  }
}
