// Reply-extraction accuracy on the labelled corpus (test/fixtures/replies/*.case): our extractor
// next to the npm packages email-reply-parser and planer, each through its documented text API.
// Usage: npm run build && node bench/replies.mjs [--verbose]
// A case counts when the visible text equals the label after CRLF→LF and trimming trailing whitespace.
import { createRequire } from 'node:module';
import { extractReply } from '@mailroom/core';
import { loadCorpus, normalizeVisible } from '../test/fixtures/replies/corpus.mjs';

const require = createRequire(import.meta.url);
const { default: EmailReplyParser } = await import('email-reply-parser');
const planer = require('planer');

const verbose = process.argv.includes('--verbose');
const cases = loadCorpus().filter((c) => c.text !== null && c.reply !== null);

const extractors = [
  ['mailroom (@mailroom/core extractReply)', (text) => extractReply({ text, html: null }).text],
  ['email-reply-parser 2.3 (getVisibleText)', (text) => new EmailReplyParser().read(text).getVisibleText()],
  ['planer 1.2 (extractFrom text/plain)', (text) => planer.extractFrom(text, 'text/plain')],
];

const rows = [];
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
  rows.push({ name, exact, misses, ms });
}

const pad = (s, n) => String(s).padEnd(n);
console.log(`Reply extraction, ${cases.length} text cases (exact match of visible text)\n`);
console.log(`${pad('extractor', 42)} ${pad('exact', 8)} ${pad('accuracy', 9)} time`);
for (const r of rows) {
  console.log(`${pad(r.name, 42)} ${pad(`${r.exact}/${cases.length}`, 8)} ${pad(`${((100 * r.exact) / cases.length).toFixed(1)}%`, 9)} ${r.ms.toFixed(1)} ms`);
}
if (verbose) {
  for (const r of rows) console.log(`\n${r.name} misses (${r.misses.length}): ${r.misses.join(', ')}`);
}
