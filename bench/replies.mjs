// Reply-extraction accuracy on labelled corpora: our extractor next to the npm packages email-reply-parser and
// planer, each through its documented text API.
//   - the committed cases (test/fixtures/replies/*.case, written by this project);
//   - an external evaluation folder named by MAILROOM_REPLY_CORPUS (built from other projects' labelled tests by
//     bench/corpus/replies.mjs; never committed), reported per source sub-folder; skipped with a message when unset;
//   - the time of one call on 1 MB bodies (the target: no input over 50 ms per call).
// Usage: npm run build && MAILROOM_REPLY_CORPUS=/tmp/corpus/replies node bench/replies.mjs [--verbose]
//
// exact:   the visible text equals the label after CRLF→LF and trimming trailing whitespace;
// lenient: equal once every run of whitespace is one space (line wrapping and trailing spaces ignored);
// history kept: the text keeps the last line of the input, which the label leaves out (the whole quoted history
//   is still there); reply lost: the first line of the label is not in the text.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { extractReply } from '@mailroom/core/text';
import { loadCorpus, normalizeVisible } from '../test/fixtures/replies/corpus.mjs';

const require = createRequire(import.meta.url);
const CORPUS_ENV = 'MAILROOM_REPLY_CORPUS';
const MiB = 1024 * 1024;
const CALL_BUDGET_MS = 50;

const pad = (s, n) => String(s).padEnd(n);
const percent = (n, d) => (d ? `${((100 * n) / d).toFixed(1)}%` : '-');
const lenient = (text) => normalizeVisible(text).replace(/\s+/g, ' ').trim();
const nonEmptyLines = (text) =>
  normalizeVisible(text)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

async function extractors() {
  const { default: EmailReplyParser } = await import('email-reply-parser');
  const planer = require('planer');
  return [
    ['mailroom', (text) => extractReply({ text, html: null }).text],
    ['email-reply-parser 2.3', (text) => new EmailReplyParser().read(text).getVisibleText()],
    ['planer 1.2', (text) => planer.extractFrom(text, 'text/plain')],
  ];
}

/** How one extractor's answer compares with the label. */
export function judge(input, got, label) {
  const exact = normalizeVisible(got) === normalizeVisible(label);
  const labelLines = nonEmptyLines(label);
  const gotText = normalizeVisible(got);
  const lastInput = nonEmptyLines(input).at(-1);
  const historyKept =
    !exact && lastInput !== undefined && !labelLines.includes(lastInput) && gotText.includes(lastInput);
  const lost = labelLines.length > 0 && !gotText.includes(labelLines[0]);
  return { exact, lenient: exact || lenient(got) === lenient(label), historyKept, lost };
}

function score(cases, extract) {
  const totals = { exact: 0, lenient: 0, historyKept: 0, lost: 0, misses: [] };
  const started = process.hrtime.bigint();
  for (const c of cases) {
    let got;
    try {
      got = extract(c.text);
    } catch (error) {
      got = `<<threw ${error.message}>>`;
    }
    const verdict = judge(c.text, got, c.reply);
    for (const key of ['exact', 'lenient', 'historyKept', 'lost']) if (verdict[key]) totals[key]++;
    if (!verdict.exact)
      totals.misses.push(
        `${c.name}${verdict.historyKept ? ' [history kept]' : ''}${verdict.lost ? ' [reply lost]' : ''}`,
      );
  }
  totals.ms = Number(process.hrtime.bigint() - started) / 1e6;
  return totals;
}

/** The external folder's sources: each sub-folder holding .case files, or the folder itself. */
function externalSources(dir) {
  const subdirs = readdirSync(dir)
    .filter((d) => statSync(join(dir, d)).isDirectory())
    .sort();
  const folders = subdirs.length ? subdirs.map((d) => [d, join(dir, d)]) : [['external', dir]];
  return folders.map(([id, folder]) => {
    const cases = loadCorpus(folder).filter((c) => c.text !== null && c.reply !== null);
    const origin = cases[0]?.meta.source ?? 'unknown';
    return { id, origin, cases };
  });
}

/** 1 MB bodies: an ordinary reply padded with history, and shapes that make the line passes work hardest. */
function largeBodies() {
  const fill = (unit) => unit.repeat(Math.ceil(MiB / unit.length)).slice(0, MiB);
  return [
    [
      'long quoted history',
      `Thanks!\n\nOn Tue, Nov 3, 2026 at 10:00 AM Alice <alice@example.com> wrote:\n${fill('> earlier text of the thread\n')}`,
    ],
    ['one 1 MB line', `Hi ${'x'.repeat(MiB)}`],
    ['attribution / quote pairs', `Hi\n${fill('On Mon, 1 Jan 2024 at 10:00, a@b.co wrote:\n> x\n')}`],
    ['header-block flood', `Hi\n${fill('From: a@b.co\nSent: Monday\nTo: c@d.co\nSubject: x\n\n')}`],
    ['sign-off / text flood', `Hi\n${fill('> q\nRegards,\nRoman\n')}`],
    ['unknown fields flood', `Hi\n${fill('Risposta: x\nDato: 1\nFrom: a@b.co\n')}`],
    ['attribution leads to join', `Hi\n${fill('On 1 2 3 4\n')}`],
  ];
}

/** The worst of three calls after a warm-up (the first call compiles the patterns). */
function worstCall(fn, body) {
  fn(body);
  let worst = 0;
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    fn(body);
    worst = Math.max(worst, performance.now() - started);
  }
  return worst;
}

/**
 * The baseline, on the same body in the same run: split into lines and test each against one anchored pattern —
 * the least any line classifier does. The ratio says how many such passes a call costs, whatever the machine's load.
 */
const lineScan = (body) => body.split('\n').filter((line) => /^[ \t]*>/.test(line)).length;

function timeLargeBodies(extract) {
  return largeBodies().map(([shape, body]) => {
    const baseline = worstCall(lineScan, body);
    return { shape, ms: worstCall(extract, body), baseline };
  });
}

/** Runs every extractor over the labelled corpora; returns a section for bench/run.mjs. */
export async function benchmark({ progress = () => {} } = {}) {
  const all = await extractors();
  const corpora = [
    {
      id: 'mailroom (own cases)',
      origin: 'test/fixtures/replies',
      cases: loadCorpus().filter((c) => c.text !== null && c.reply !== null),
    },
  ];
  const externalDir = process.env[CORPUS_ENV];
  let skipped = null;
  if (!externalDir)
    skipped = `${CORPUS_ENV} is unset: external corpora skipped (build one with node bench/corpus/replies.mjs <dir>)`;
  else if (!existsSync(externalDir)) skipped = `${CORPUS_ENV}=${externalDir} does not exist: external corpora skipped`;
  else corpora.push(...externalSources(externalDir));
  if (skipped) progress(skipped);

  const results = [];
  for (const corpus of corpora) {
    progress(`reply extraction: ${corpus.id}, ${corpus.cases.length} labelled cases`);
    for (const [name, extract] of all)
      results.push({
        corpus: corpus.id,
        origin: corpus.origin,
        name,
        cases: corpus.cases.length,
        ...score(corpus.cases, extract),
      });
  }
  const external = corpora.slice(1);
  if (external.length) {
    const cases = external.flatMap((c) => c.cases);
    for (const [name, extract] of all)
      results.push({
        corpus: 'all external',
        origin: `${external.length} sources`,
        name,
        cases: cases.length,
        ...score(cases, extract),
      });
  }
  const timing = timeLargeBodies(all[0][1]);
  const timingNotes = [
    ...(skipped ? [skipped] : []),
    ...timing.map(
      (t) =>
        `1 MB ${t.shape}: ${t.ms.toFixed(1)} ms per call (budget ${CALL_BUDGET_MS} ms), ×${(t.ms / t.baseline).toFixed(1)} a one-regex line scan`,
    ),
  ];
  return {
    id: 'replies',
    title: 'Reply extraction (text part): exact / lenient match, whole history kept, reply lost',
    skipped,
    results,
    timing,
    rows: results.map((r) => ({
      corpus: r.corpus,
      extractor: r.name,
      exact: `${r.exact}/${r.cases} (${percent(r.exact, r.cases)})`,
      lenient: `${r.lenient}/${r.cases} (${percent(r.lenient, r.cases)})`,
      'history kept': r.historyKept,
      'reply lost': r.lost,
      'time ms': r.ms.toFixed(1),
    })),
    notes: timingNotes,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const verbose = process.argv.includes('--verbose');
  const section = await benchmark({ progress: (m) => console.error(m) });
  console.log(`${section.title}\n`);
  console.log(
    `| corpus | source | extractor | exact | lenient | history kept | reply lost | time ms |\n|---|---|---|---|---|---|---|---|`,
  );
  for (const r of section.results) {
    console.log(
      `| ${r.corpus} | ${r.origin} | ${r.name} | ${r.exact}/${r.cases} (${percent(r.exact, r.cases)}) | ${r.lenient}/${r.cases} (${percent(r.lenient, r.cases)}) | ${r.historyKept} | ${r.lost} | ${r.ms.toFixed(1)} |`,
    );
  }
  console.log(
    `\nmailroom, one call on a 1 MB text body (worst of 3 after a warm-up; budget ${CALL_BUDGET_MS} ms), and the ratio to a`,
  );
  console.log('one-regex line scan of the same body in the same run:');
  for (const t of section.timing) {
    const over = t.ms > CALL_BUDGET_MS ? '  OVER BUDGET' : '';
    console.log(
      `  ${pad(t.shape, 28)} ${t.ms.toFixed(1).padStart(8)} ms  (line scan ${t.baseline.toFixed(1)} ms, ×${(t.ms / t.baseline).toFixed(1)})${over}`,
    );
  }
  if (verbose) {
    for (const r of section.results)
      if (r.misses.length) console.log(`\n${r.corpus} / ${r.name} misses (${r.misses.length}): ${r.misses.join(', ')}`);
  }
}
