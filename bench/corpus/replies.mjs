// Turns other projects' labelled reply tests into an evaluation folder of .case files (the format of
// test/fixtures/replies/corpus.mjs), one sub-folder per source, for bench/replies.mjs (MAILROOM_REPLY_CORPUS).
// The projects' files are read from fetched git mirrors and written outside the repository: they are for
// measuring only and are never committed. A label is taken only where a test asserts the exact reply text.
//
// Usage: node bench/corpus/replies.mjs <out-dir> [mirror-root]
//   mirror-root (default /work/.mirror) holds <owner>+<name>/repo git directories, as the fetch tool leaves them.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleParser } from 'mailparser';
import { readConstants, readLiteral } from './literals.mjs';

const here = dirname(fileURLToPath(import.meta.url));

/** Each source: where its tests and fixtures are, and how its assertions are read. */
export const SOURCES = [
  {
    id: 'github-erp',
    repo: 'github/email_reply_parser',
    lang: 'ruby',
    tests: ['test/email_reply_parser_test.rb'],
    fixtures: 'test/emails/',
  },
  {
    id: 'crisp-erp',
    repo: 'crisp-oss/email-reply-parser',
    lang: 'js',
    tests: ['test/test.js'],
    fixtures: 'test/fixtures/',
  },
  {
    id: 'willdurand-erp',
    repo: 'willdurand/EmailReplyParser',
    lang: 'php',
    tests: ['tests/EmailReplyParser/Tests/EmailReplyParserTest.php'],
    fixtures: 'tests/Fixtures/',
  },
  {
    id: 'zapier-erp',
    repo: 'zapier/email-reply-parser',
    lang: 'python',
    tests: ['test/test_email_reply_parser.py'],
    fixtures: 'test/emails/',
  },
  {
    id: 'talon',
    repo: 'mailgun/talon',
    lang: 'python',
    tests: ['tests/text_quotations_test.py'],
    fixtures: 'tests/fixtures/',
    eml: 'tests/fixtures/standard_replies/',
  },
];

function git(gitDir, args, encoding = 'utf8') {
  return execFileSync('git', [`--git-dir=${gitDir}`, ...args], { encoding, maxBuffer: 64 << 20 });
}

/** Labels asserted by a JavaScript, Ruby or PHP test file: { name, fixture, reply }. */
function scriptLabels(src, lang) {
  const constants = readConstants(src, lang);
  const labels = [];
  const blocks = src.split(/^(?=[ \t]*(?:export\s+)?(?:public\s+)?(?:function|def)\s+\w+)/m);
  for (const block of blocks) {
    const name = /(?:function|def)\s+(\w+)/.exec(block)?.[1];
    const fixture =
      /\.join\(\s*["']([\w.-]+)/.exec(block)?.[1] ??
      /(?:get_email|email|getFixtures)[ (]\s*:?["']?([\w.-]+)/.exec(block)?.[1] ??
      /fixtures\/([\w.-]+\.txt)/.exec(block)?.[1];
    if (!name || !fixture) continue;
    // fragments[0] is the whole reply only when no later fragment is part of it (not a bottom post).
    const laterFragments = /fragments\[[2-9]\]/.test(block);
    for (const head of block.matchAll(/(?:assert_equal|assertEquals|test\.equal)\s*\(?\s*/g)) {
      const literal = readLiteral(block, head.index + head[0].length, { lang, constants });
      if (!literal) continue;
      const target = /^\s*,\s*([^\n]{0,120})/.exec(block.slice(literal.end))?.[1] ?? '';
      const whole =
        /^(?:email\.getVisibleText|reply\.visible_text|EmailReplyParser(?:\.|::)parse_?[rR]eply|reply\)|text\))/.test(
          target,
        );
      const first = /^(?:reply\.)?fragments\[0\]/.test(target) && !laterFragments;
      if (whole || first) {
        labels.push({ name, fixture: fixture.endsWith('.txt') ? fixture : `${fixture}.txt`, reply: literal.value });
        break;
      }
    }
  }
  return labels;
}

function pythonLabels(src) {
  const out = execFileSync('python3', [join(here, 'python-labels.py')], { input: src, encoding: 'utf8' });
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

/** talon's standard_replies: each .eml's text part, labelled by its `_reply_text` file or talon's default "Hello". */
async function emlLabels(gitDir, dir, files) {
  const labels = [];
  for (const path of files.filter((f) => f.startsWith(dir) && f.endsWith('.eml'))) {
    const parsed = await simpleParser(git(gitDir, ['show', `HEAD:${path}`], 'buffer'));
    if (!parsed.text) continue;
    const labelPath = `${path.slice(0, -4)}_reply_text`;
    const reply = files.includes(labelPath) ? git(gitDir, ['show', `HEAD:${labelPath}`]).trim() : 'Hello';
    labels.push({ name: path.slice(dir.length, -4), text: parsed.text, reply, path });
  }
  return labels;
}

function caseFile(source, commit, label) {
  const crlf = /\r\n/.test(label.text);
  const text = label.text.replace(/\r\n?/g, '\n');
  return [
    `X-Case-Description: ${source.repo} ${label.path} (${label.name})`,
    `X-Case-Source: ${source.repo}@${commit}`,
    ...(crlf ? ['X-Case-Crlf: yes'] : []),
    '',
    '%%% text',
    text,
    '%%% reply',
    label.reply.replace(/\r\n?/g, '\n'),
    '',
  ].join('\n');
}

export async function build(outDir, mirrorRoot = '/work/.mirror') {
  const summary = [];
  for (const source of SOURCES) {
    const gitDir = join(mirrorRoot, source.repo.replace('/', '+'), 'repo');
    if (!existsSync(gitDir)) {
      summary.push({ source: source.id, repo: source.repo, commit: null, cases: 0, note: `no mirror at ${gitDir}` });
      continue;
    }
    const commit = git(gitDir, ['rev-parse', 'HEAD']).trim();
    const files = git(gitDir, ['ls-tree', '-r', '--name-only', 'HEAD']).split('\n');
    let labels = [];
    for (const test of source.tests) {
      const src = git(gitDir, ['show', `HEAD:${test}`]);
      const found = source.lang === 'python' ? pythonLabels(src) : scriptLabels(src, source.lang);
      labels.push(...found.map((l) => ({ ...l, path: l.fixture ? fixturePath(source, l.fixture) : test })));
    }
    if (source.eml) labels.push(...(await emlLabels(gitDir, source.eml, files)));
    const dir = join(outDir, source.id);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const seen = new Set();
    let written = 0;
    for (const label of labels) {
      if (label.text === undefined) {
        if (!files.includes(label.path)) continue;
        label.text = git(gitDir, ['show', `HEAD:${label.path}`]);
      }
      const key = `${label.text}\u0000${label.reply}`;
      if (seen.has(key)) continue;
      seen.add(key);
      writeFileSync(join(dir, `${label.name.replace(/[^\w.-]+/g, '_')}.case`), caseFile(source, commit, label));
      written++;
    }
    summary.push({ source: source.id, repo: source.repo, commit, cases: written });
  }
  return summary;
}

function fixturePath(source, fixture) {
  return fixture.includes('/') ? fixture : `${source.fixtures}${fixture}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [outDir, mirrorRoot] = process.argv.slice(2);
  if (!outDir) {
    console.error('usage: node bench/corpus/replies.mjs <out-dir> [mirror-root]');
    process.exit(2);
  }
  for (const row of await build(outDir, mirrorRoot)) {
    console.log(
      `${row.source.padEnd(16)} ${row.repo.padEnd(30)} ${row.commit ?? '-'} ${row.cases} cases${row.note ? ` (${row.note})` : ''}`,
    );
  }
}
