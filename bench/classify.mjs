#!/usr/bin/env node
// Mail understanding on other projects' labelled mail: the classification confusion matrix, and bounce detection,
// recipients, status and permanent/temporary rates, side by side with sisimai (Debian libsisimai-perl) when it is
// installed. The corpus is an external folder built by bench/corpus/mail.mjs (never committed), named by
// MAILROOM_MAIL_CORPUS; without it the section is skipped with a message. Also times classify(), deliveryReport()
// and feedbackReport() on 1 MB bodies (target: no call over 50 ms).
// Usage: npm run build && MAILROOM_MAIL_CORPUS=/tmp/corpus node bench/classify.mjs [--verbose]
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseInboundBody } from '@mailroom/core/ingress';
import { multipartBody, multipartContentType } from '@mailroom/core/testing';

const LABELS = ['human', 'auto-reply', 'complaint', 'bounce'];
const COLUMNS = ['human', 'list/bulk', 'auto-reply', 'complaint', 'bounce', 'loop'];
const column = (kind) => ({ 'out-of-office': 'auto-reply', list: 'list/bulk', bulk: 'list/bulk' })[kind] ?? kind;
const AUTOMATIC = new Set(['auto-reply', 'complaint', 'bounce', 'loop']);
const pct = (n, d) => (d ? `${((100 * n) / d).toFixed(1)}%` : '—');

/** Wraps an .eml into a raw-mode Inbound Parse post, the envelope sender taken from Return-Path as SMTP gives it. */
export async function emailFromEml(bytes) {
  const head = bytes.subarray(0, 64 * 1024).toString('latin1');
  const returnPath = /^Return-Path:[ \t]*<?([^>\r\n]*)>?/im.exec(head)?.[1]?.trim() ?? null;
  const eml = head.startsWith('From ') ? bytes.subarray(bytes.indexOf(10) + 1) : bytes;
  const boundary = `bench${Math.random().toString(36).slice(2)}${Date.now()}`;
  const parts = [
    { name: 'email', value: eml },
    { name: 'envelope', value: Buffer.from(JSON.stringify({ from: returnPath, to: ['inbox@inbound.example.com'] })) },
  ];
  return parseInboundBody(multipartBody(parts, boundary), multipartContentType(boundary));
}

/** Mailroom's verdict on one message. */
async function mailroomVerdict(bytes) {
  const email = await emailFromEml(bytes);
  const { kind } = email.classify();
  const report = await email.deliveryReport();
  return {
    kind: column(kind),
    recipients: (report?.recipients ?? []).map((r) => ({
      status: r.status ?? '',
      permanent: r.action === 'delivered' ? null : r.permanent,
    })),
  };
}

const SISIMAI = String.raw`
use strict; use warnings; use Sisimai; use JSON::PP;
my $json = JSON::PP->new->canonical;
while (my $file = <STDIN>) {
  chomp $file;
  open(my $fh, '<:raw', $file) or die "$file: $!";
  my $mail = do { local $/; <$fh> }; close $fh;
  my $data = eval { Sisimai->make(\$mail, input => 'email', vacation => 1) } || [];
  my @rows = map { { address => $_->recipient->address, status => ($_->deliverystatus // ''), reason => ($_->reason // ''),
                     action => ($_->action // '') } } @$data;
  print $json->encode({ file => $file, recipients => \@rows }), "\n";
}`;

/** sisimai's verdicts (one child for the whole corpus), or null when sisimai is not installed. */
function sisimaiVerdicts(files) {
  const probe = spawnSync('perl', ['-MSisimai', '-e', 'print $Sisimai::VERSION'], { encoding: 'utf8' });
  if (probe.status !== 0) return null;
  const run = spawnSync('perl', ['-e', SISIMAI], {
    input: files.join('\n') + '\n',
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (run.status !== 0) throw new Error(`sisimai failed: ${run.stderr.slice(-500)}`);
  const byFile = new Map();
  for (const line of run.stdout.split('\n').filter(Boolean)) {
    const { file, recipients } = JSON.parse(line);
    const reasons = recipients.map((r) => r.reason);
    const kind =
      recipients.length === 0
        ? 'human'
        : reasons.every((r) => r === 'feedback')
          ? 'complaint'
          : reasons.every((r) => r === 'vacation')
            ? 'auto-reply'
            : 'bounce';
    const rows = recipients.map((r) => ({
      status: r.status,
      permanent: r.status.startsWith('5') ? true : r.status.startsWith('4') ? false : null,
    }));
    byFile.set(file, { kind, recipients: kind === 'bounce' ? rows : [] });
  }
  return { version: probe.stdout.trim(), byFile };
}

const sorted = (xs) => [...xs].map(String).sort().join(',');

/** Bounce figures for one parser over the bounce-labelled messages. */
function bounceFigures(messages, verdictOf) {
  const f = {
    bounces: 0,
    detected: 0,
    withExpected: 0,
    recipientsRight: 0,
    statusCases: 0,
    statusRight: 0,
    permanentCases: 0,
    permanentRight: 0,
  };
  for (const m of messages) {
    if (m.kind !== 'bounce') continue;
    const got = verdictOf(m);
    f.bounces++;
    if (got.recipients.length > 0) f.detected++;
    if (!m.recipients) continue;
    f.withExpected++;
    if (got.recipients.length === m.recipients.length) f.recipientsRight++;
    // Status: only where every expected code appears literally in the message (sisimai also infers codes).
    if (m.recipients.every((r) => r.status && m.raw.includes(r.status))) {
      f.statusCases++;
      if (sorted(got.recipients.map((r) => r.status)) === sorted(m.recipients.map((r) => r.status))) f.statusRight++;
    }
    if (m.recipients.every((r) => r.permanent !== null)) {
      f.permanentCases++;
      if (sorted(got.recipients.map((r) => r.permanent)) === sorted(m.recipients.map((r) => r.permanent)))
        f.permanentRight++;
    }
  }
  return f;
}

/** The --verbose lines for a detected bounce whose statuses or permanent/temporary decisions differ from the labels. */
function bounceMisses(m, got) {
  const expected = (key) => sorted(m.recipients.map((r) => r[key]));
  const actual = (key) => sorted(got.recipients.map((r) => r[key]));
  const out = [];
  if (m.recipients.every((r) => r.status && m.raw.includes(r.status)) && actual('status') !== expected('status')) {
    out.push(`status miss ${m.file}: expected ${expected('status')}, got ${actual('status')}`);
  }
  if (m.recipients.every((r) => r.permanent !== null) && actual('permanent') !== expected('permanent')) {
    out.push(
      `permanent miss ${m.file}: expected ${expected('permanent')}, got ${actual('permanent')} (${m.recipients.map((r) => r.reason).join(',')})`,
    );
  }
  return out;
}

function bounceRows(name, f) {
  return {
    parser: name,
    'report (≥97%)': `${pct(f.detected, f.bounces)} (${f.detected}/${f.bounces})`,
    'recipients right': `${pct(f.recipientsRight, f.withExpected)} (${f.recipientsRight}/${f.withExpected})`,
    'status right (≥90%)': `${pct(f.statusRight, f.statusCases)} (${f.statusRight}/${f.statusCases})`,
    'permanent/temporary right (≥95%)': `${pct(f.permanentRight, f.permanentCases)} (${f.permanentRight}/${f.permanentCases})`,
  };
}

function confusion(messages, verdictOf) {
  const matrix = Object.fromEntries(LABELS.map((l) => [l, Object.fromEntries(COLUMNS.map((c) => [c, 0]))]));
  for (const m of messages) matrix[m.kind][verdictOf(m).kind]++;
  return matrix;
}

function classificationRows(name, matrix) {
  return LABELS.map((label) => {
    const row = matrix[label];
    const total = Object.values(row).reduce((a, b) => a + b, 0);
    const right = label === 'human' ? row.human + row['list/bulk'] : row[label];
    return { parser: name, label, n: total, ...row, right: pct(right, total) };
  });
}

/** Largest time of one call on 1 MB bodies built to be hard (many address lines, fields, long lines). */
async function timeHugeBodies() {
  const mb = 1024 * 1024;
  const fill = (unit) => unit.repeat(Math.ceil(mb / unit.length)).slice(0, mb);
  const bodies = {
    'plain text': fill('lorem ipsum dolor sit amet '),
    'address lines': fill('<a@a.example>:\n550 5.1.1 no\n'),
    'a@a@ run': fill('a@'),
    'delivery-status fields': fill('Final-Recipient: rfc822; a@b.example\nAction: failed\nStatus: 5.1.1\n'),
    'feedback fields': fill('Feedback-Type: abuse\nOriginal-Rcpt-To: a@b.example\n'),
    'one long line': fill('x'),
  };
  let worst = { ms: 0, body: '', call: '' };
  const rows = [];
  for (const [name, text] of Object.entries(bodies)) {
    const eml = Buffer.from(
      `From: MAILER-DAEMON@mx.example\r\nSubject: Undelivered Mail Returned to Sender\r\nContent-Type: text/plain\r\n\r\n${text.replace(/\n/g, '\r\n')}`,
    );
    const email = await emailFromEml(eml);
    const calls = {
      classify: () => email.classify(),
      deliveryReport: () => email.deliveryReport(),
      ...(email.feedbackReport ? { feedbackReport: () => email.feedbackReport() } : {}),
    };
    const row = { body: name };
    for (const [call, run] of Object.entries(calls)) {
      await run();
      const times = [];
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        await run();
        times.push(performance.now() - t0);
      }
      const ms = Math.max(...times);
      row[`${call} ms`] = ms.toFixed(1);
      if (ms > worst.ms) worst = { ms, body: name, call };
    }
    rows.push(row);
  }
  return { rows, worst };
}

/** Runs the section; returns it for bench/run.mjs. */
export async function benchmark({ progress = () => {} } = {}) {
  const dir = process.env.MAILROOM_MAIL_CORPUS;
  const title =
    "Mail understanding on other projects' labelled mail (classification, bounces), side by side with sisimai";
  const timing = await timeHugeBodies();
  const timingNote = `slowest call on a 1 MB body: ${timing.worst.call} on "${timing.worst.body}", ${timing.worst.ms.toFixed(1)} ms (target ≤ 50 ms)`;
  if (!dir) {
    return {
      id: 'classify',
      title,
      rows: timing.rows,
      notes: [
        'MAILROOM_MAIL_CORPUS is not set: corpus figures skipped (build one with bench/corpus/mail.mjs)',
        timingNote,
      ],
    };
  }
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  const messages = manifest.messages.map((m) => ({ ...m, path: join(dir, m.file) }));
  progress(`classify: ${messages.length} labelled messages`);
  const ours = new Map();
  for (const m of messages) {
    const bytes = readFileSync(m.path);
    m.raw = bytes.toString('latin1');
    try {
      ours.set(m.path, await mailroomVerdict(bytes));
    } catch (error) {
      ours.set(m.path, { kind: 'human', recipients: [], error: error.message });
    }
  }
  progress('classify: sisimai');
  const sisimai = sisimaiVerdicts(messages.map((m) => m.path));
  const parsers = [['mailroom', (m) => ours.get(m.path)]];
  if (sisimai)
    parsers.push([
      `sisimai ${sisimai.version}`,
      (m) => sisimai.byFile.get(m.path) ?? { kind: 'human', recipients: [] },
    ]);

  const rows = [];
  const notes = [
    `corpus ${dir}: ${manifest.sources.map((s) => `${s.repository}@${s.commit.slice(0, 12)} (${s.messages})`).join(', ')}`,
  ];
  for (const [name, verdictOf] of parsers) {
    const matrix = confusion(messages, verdictOf);
    rows.push(...classificationRows(name, matrix));
    const humans = Object.values(matrix.human).reduce((a, b) => a + b, 0);
    const misfiled = COLUMNS.filter((c) => AUTOMATIC.has(c)).reduce((a, c) => a + matrix.human[c], 0);
    notes.push(`${name}: humans misfiled as automatic ${pct(misfiled, humans)} (${misfiled}/${humans}; target ≤ 2%)`);
  }
  const bounceTable = parsers.map(([name, verdictOf]) => bounceRows(name, bounceFigures(messages, verdictOf)));
  if (!sisimai) notes.push('sisimai is not installed (apt-get install libsisimai-perl): its columns are skipped');
  notes.push(timingNote);
  if (process.argv.includes('--verbose')) {
    for (const m of messages) {
      const got = ours.get(m.path);
      if (got.kind !== m.kind || (m.kind === 'bounce' && got.recipients.length === 0))
        notes.push(
          `miss ${m.file}: ${m.kind} → ${got.kind} (${got.recipients.length} recipients)${got.error ? ` error ${got.error}` : ''}`,
        );
      else if (m.kind === 'bounce' && m.recipients) notes.push(...bounceMisses(m, got));
    }
  }
  return {
    id: 'classify',
    title,
    rows,
    tables: [
      ['Bounces (sisimai-labelled statuses; status counted where every expected code appears literally)', bounceTable],
      ['1 MB bodies (max of 3 calls, ms)', timing.rows],
    ],
    notes,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const section = await benchmark({ progress: (m) => process.stderr.write(`… ${m}\n`) });
  console.log(section.title);
  console.table(section.rows);
  for (const [title, table] of section.tables ?? []) {
    console.log(title);
    console.table(table);
  }
  for (const note of section.notes) console.log(`  ${note}`);
}
