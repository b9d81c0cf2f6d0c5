#!/usr/bin/env node
// Builds the external mail-understanding corpus (bench/classify.mjs reads it from MAILROOM_MAIL_CORPUS) out of
// git mirrors of other projects. Nothing it writes is committed: other projects' mail is for measuring only.
// Discourse's fixtures (discourse/email_reply_trimmer, discourse/discourse spec/fixtures/emails) are held out:
// this script refuses them.
//
//   node bench/corpus/mail.mjs <out-dir> sisimai=<git dir of sisimai/p5-sisimai> \
//        bounceparser=<git dir of rjbs/Mail-DeliveryStatus-BounceParser> flanker=<git dir of mailgun/flanker> \
//        talon=<git dir of mailgun/talon>
//
// Every source is optional. <out-dir>/manifest.json lists each message with its label and the source's commit.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SOURCES } from './sources.mjs';

const [out, ...pairs] = process.argv.slice(2);
if (!out || pairs.length === 0) {
  console.error(
    'usage: node bench/corpus/mail.mjs <out-dir> sisimai=<git dir> bounceparser=<git dir> flanker=<git dir> talon=<git dir>',
  );
  process.exit(2);
}
const manifest = { builtAt: new Date().toISOString(), sources: [], messages: [] };
for (const pair of pairs) {
  const [name, gitDir] = pair.split('=');
  const source = SOURCES[name];
  if (!source || !gitDir) {
    console.error(`unknown source "${pair}" (known: ${Object.keys(SOURCES).join(', ')})`);
    process.exit(2);
  }
  if (/discourse/i.test(gitDir)) {
    console.error('Discourse fixtures are the held-out test: not used');
    process.exit(2);
  }
  const git = (...args) =>
    execFileSync('git', ['--git-dir', gitDir, ...args], { maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] });
  const commit = git('rev-parse', 'HEAD').toString().trim();
  const files = git('ls-tree', '-r', '--name-only', 'HEAD').toString().split('\n').filter(Boolean);
  const read = (path) => git('show', `HEAD:${path}`);
  const messages = [];
  for (const message of source.label({ files, read })) {
    let bytes;
    try {
      bytes = git('cat-file', 'blob', `HEAD:${message.path}`);
    } catch {
      console.error(`${name}: ${message.path} is not in the mirror (a large file left out of the snapshot); skipped`);
      continue;
    }
    const file = join(name, message.path);
    mkdirSync(dirname(join(out, file)), { recursive: true });
    writeFileSync(join(out, file), bytes);
    messages.push(message);
    manifest.messages.push({ source: name, file, ...message });
  }
  manifest.sources.push({ name, repository: source.repository, commit, messages: messages.length });
  console.error(`${name}: ${messages.length} messages from ${source.repository}@${commit}`);
}
writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 1));
