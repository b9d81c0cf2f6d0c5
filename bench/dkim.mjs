#!/usr/bin/env node
// DKIM verification of a 30 MB raw message (`createMailroom({ senderAuth: { dkim: 'verify' } })` runs this before
// routing): time and longest event-loop stall, against the ingress parse of the same post as the baseline, on the
// same bytes in the same run. Also the attacker's case: 200 signatures with distinct l= (each a pass over the body)
// with the default cap (5) and without it. Keys come from an in-process resolver (no network).
//   node bench/dkim.mjs [--quick]        (imports the built packages: npm run build first)
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { dkimSign } from 'mailauth';
import { parseInboundBody, rawMessageOf } from '@mailroom/core/ingress';
import { verifyDkim } from '@mailroom/core/text';
import { multipartBody, multipartContentType } from '@mailroom/core/testing';

const quick = process.argv.includes('--quick');
const runs = quick ? 1 : 5;
const progress = (message) => process.stderr.write(`… ${message}\n`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const txt = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;
const resolver = async (name) => {
  if (name === 'bench._domainkey.author.example') return [[txt]];
  throw Object.assign(new Error(`ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
};

/** A 30 MB raw message: a text part and one 22 MB base64 attachment (random bytes), like the P1 raw-30m case. */
function bigMessage() {
  const attachment = randomBytes(22 * 1024 * 1024)
    .toString('base64')
    .replace(/.{76}/g, '$&\r\n');
  return Buffer.from(
    'From: Ann <ann@author.example>\r\nTo: post@blog.example\r\nSubject: Big\r\nDate: Wed, 2 Dec 2026 10:00:00 +0000\r\n' +
      'Message-ID: <big@author.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n' +
      '--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe file.\r\n' +
      `--b1\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="big.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n${attachment}\r\n--b1--\r\n`,
  );
}

async function signed(raw) {
  const key = { signingDomain: 'author.example', selector: 'bench', privateKey: pem };
  const result = await dkimSign(raw, { ...key, signatureData: [key] });
  if (result.errors.length) throw result.errors[0];
  return Buffer.concat([Buffer.from(result.signatures), raw]);
}

const post = (email) => ({
  body: multipartBody([
    { name: 'email', value: email },
    { name: 'to', value: Buffer.from('post@blog.example') },
    { name: 'dkim', value: Buffer.from('none') },
  ]),
  contentType: multipartContentType(),
});

/** Runs `fn` while a 1 ms timer samples the event loop: total time and the longest gap between two ticks. */
async function measured(fn) {
  let last = performance.now();
  let maxGap = 0;
  const sampler = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last - 1);
    last = now;
  }, 1);
  await sleep(5);
  last = performance.now();
  const started = performance.now();
  const result = await fn();
  const totalMs = performance.now() - started;
  await sleep(5); // the sampler's tick after the last synchronous stretch
  clearInterval(sampler);
  return { totalMs, maxStallMs: Math.max(0, maxGap), result };
}

async function row(label, baseline, contender) {
  const times = { base: [], baseStall: [], mine: [], mineStall: [] };
  let outcome;
  await baseline();
  await contender(); // warm-up
  for (let i = 0; i < runs; i++) {
    const a = await measured(baseline);
    const b = await measured(contender);
    times.base.push(a.totalMs);
    times.baseStall.push(a.maxStallMs);
    times.mine.push(b.totalMs);
    times.mineStall.push(b.maxStallMs);
    outcome = b.result;
    progress(`${label}: run ${i + 1}/${runs}`);
  }
  return {
    label,
    baselineMs: median(times.base),
    baselineStallMs: median(times.baseStall),
    ms: median(times.mine),
    stallMs: median(times.mineStall),
    outcome,
  };
}

progress('building a signed 30 MB raw message');
const message = await signed(bigMessage());
const stored = post(message);
const verify =
  (bytes, options = {}) =>
  async () =>
    (await verifyDkim(bytes, { resolver, ...options })).map((r) => `${r.domain}=${r.result}`).join(' ');
const parse = () => parseInboundBody(stored.body, stored.contentType);

const junk = Array.from(
  { length: 200 },
  (_, i) =>
    `DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=junk${i}.example; s=s; l=${1_000_000 + i}; bh=AAAA; h=from; b=AAAA\r\n`,
);
const piled = Buffer.concat([Buffer.from(junk.join('')), message]);

// LF-only lines: mailauth turns every bare LF into its own CRLF chunk (a buffer and an await per line), the most
// work per byte it has; five signatures with distinct l= make five hashers read all of it.
const lfMessage = Buffer.from(
  `From: Ann <ann@author.example>\nTo: post@blog.example\nSubject: LF\n\n${'a\n'.repeat(15 * 1024 * 1024)}`,
);
const fiveHashers = Array.from(
  { length: 5 },
  (_, i) =>
    `DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=junk${i}.example; s=s; l=${40_000_000 + i}; bh=AAAA; h=from; b=AAAA\n`,
);
const lfPiled = Buffer.concat([Buffer.from(fiveHashers.join('')), lfMessage]);

const rows = [];
rows.push(
  await row('30 MB signed: rawMessageOf + verifyDkim', parse, async () =>
    verify(rawMessageOf(stored.body, stored.contentType))(),
  ),
);
rows.push(await row('30 MB + 200 junk l= signatures, cap 5 (default)', parse, verify(piled)));
rows.push(await row('30 MB of LF-only lines, 5 signatures (5 hashers)', parse, verify(lfPiled)));
if (!quick)
  rows.push(
    await row(
      '30 MB + 200 junk l= signatures, no cap (maxSignatures 200)',
      parse,
      verify(piled, { maxSignatures: 200 }),
    ),
  );

const f = (n) => n.toFixed(1);
console.log(
  `\nDKIM verification vs the ingress parse of the same ${f(stored.body.length / 1e6)} MB post (median of ${runs}; baseline = parseInboundBody)\n`,
);
console.log(
  '| case | parse ms | verify ms | verify/parse | parse longest stall ms | verify longest stall ms | result |',
);
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) {
  const result = r.outcome.length > 60 ? `${r.outcome.slice(0, 60)}…` : r.outcome;
  console.log(
    `| ${r.label} | ${f(r.baselineMs)} | ${f(r.ms)} | ${(r.ms / r.baselineMs).toFixed(2)} | ${f(r.baselineStallMs)} | ${f(r.stallMs)} | ${result} |`,
  );
}
