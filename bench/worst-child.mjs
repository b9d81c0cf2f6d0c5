// One case of the --worst bench (bench/worst.mjs), in its own process so a runaway case can be killed:
// reads a post from a file and runs the path an app runs on it — the ingress, the digests the inbox reads at
// ingest, routing, reply(), classify(), deliveryReport(), authVerdict(), the JSON form — timing each phase and
// sampling the event loop the whole time.
//   node bench/worst-child.mjs <post file> <content type> [<limits JSON>]
// A short case is measured three times (medians reported). Progress goes to stdout as JSON lines, written synchronously so the parent sees them even when this process
// is killed in the middle of a phase: {"e":"phase","name"} when a phase starts, {"e":"beat"} whenever the
// sampler runs (at most every 50 ms), {"e":"done",…} with the figures at the end.
import { writeSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { IngressError } from '@mailroom/core';
import { createIngress } from '@mailroom/core/ingress';
import { createRouter, recipientsOf } from '@mailroom/core/routing';
import { warmUpPosts } from './worst-posts.mjs';
// The apps' handling of sender HTML (built apps; the phase is skipped when they are not built).
const appHtml = await import('../apps/blog/dist/content/pipeline.js')
  .then(async (blog) => ({
    buildContent: blog.buildContent,
    ...(await import('../apps/support/dist/web/sanitize.js')),
  }))
  .catch(() => null);

const [file, contentType, limitsJson] = process.argv.slice(2);
const limits = limitsJson ? JSON.parse(limitsJson) : undefined;

function emit(event) {
  const line = `${JSON.stringify(event)}\n`;
  for (;;) {
    try {
      writeSync(1, line);
      return;
    } catch (error) {
      if (error.code !== 'EAGAIN') throw error; // a full pipe: the parent is reading, try again
    }
  }
}

// The sampler: a 1 ms interval timer. The gap between two of its ticks, less the interval, is how long the event
// loop could run no callback at all — the stall a webhook request or a database reply would have waited through.
// A gap is charged to the phase running when it ended (phases are separated by a short sleep, so a tick always
// falls between them).
const INTERVAL_MS = 1;
let stalls = {};
let phase = 'startup';
let last = performance.now();
let lastBeat = 0;
// The CPU this process used during the longest gap (user + system, all threads, capped at the gap): on a loaded
// machine a gap is partly time the process was not scheduled at all, and this says how much of it was ours.
let cpuStalls = {};
let lastCpu = process.cpuUsage();
const sampler = setInterval(() => {
  const now = performance.now();
  const gap = Math.max(0, now - last - INTERVAL_MS);
  const cpu = process.cpuUsage(lastCpu);
  lastCpu = process.cpuUsage();
  last = now;
  if (gap >= (stalls[phase] ?? 0)) {
    stalls[phase] = gap;
    cpuStalls[phase] = Math.min(gap, (cpu.user + cpu.system) / 1000);
  }
  if (now - lastBeat >= 50) {
    lastBeat = now;
    emit({ e: 'beat' });
  }
}, INTERVAL_MS);

const ingress = createIngress({ security: { insecure: true }, ...(limits ? { limits } : {}) });
const router = createRouter();
router.add('posts', 'post+{token}@blog.example.com', 'blog');
router.add('lists', '{list}@lists.example.com', 'lists');
router.add('support', { to: '*@support.example.com', subject: /\[#(?<ticket>\d+)\]/ }, 'support');
router.fallback('fallback');

const body = readFileSync(file);
let times = {};
let errors = {};

/** Runs one measured phase; an error is a result (recorded; the next phase still runs). */
async function run(name, fn) {
  phase = name;
  emit({ e: 'phase', name });
  const t0 = performance.now();
  try {
    return await fn();
  } catch (error) {
    const status = error instanceof IngressError ? ` ${error.status}` : '';
    errors[name] = `${error?.name ?? 'Error'}${status}: ${String(error?.message ?? error).slice(0, 120)}`;
    return undefined;
  } finally {
    times[name] = performance.now() - t0;
    await sleep(2); // lets the sampler tick, so this phase's stall is charged to it
  }
}

/** The path an app runs on a post, phase by phase; `step` runs (and, when measuring, times) each phase. */
async function processPost(bytes, type, step) {
  const received = await step('ingress', () =>
    ingress.receive(
      new Request('http://bench.local/parse', {
        method: 'POST',
        headers: { 'content-type': type, 'content-length': String(bytes.length) },
        body: bytes,
      }),
    ),
  );
  const email = received?.email;
  if (!email) return null;
  await step('digests', async () => {
    let digests = received.sha256;
    for (const attachment of email.attachments) digests += await attachment.digest();
    return digests.length;
  });
  await step('route', () => [recipientsOf(email).length, router.match(email)?.route.name]);
  await step('reply', () => email.reply().text.length);
  await step('classify', () => email.classify({ ownDomains: ['reply.example.com'] }).kind);
  await step('deliveryReport', () => email.deliveryReport());
  await step('authVerdict', () => email.authVerdict().aligned);
  await step('toJSON', () => JSON.stringify(email).length);
  if (appHtml && email.html) {
    // What blog (a post from the reply) and support (the agent's view of the message) do with the sender's HTML.
    await step('app-html', async () => {
      const reply = email.reply();
      const post = await appHtml.buildContent({
        subject: email.subject,
        text: reply.text || null,
        html: reply.html,
        attachments: [],
        now: new Date(0),
      });
      return post.html.length + appHtml.sanitizeMessageHtml(email.html, () => null).length;
    });
  }
  return email;
}

/** One measured pass over the post: its phase times and stalls, the longest stall, and what came of it. */
async function measure() {
  times = {};
  errors = {};
  stalls = {};
  cpuStalls = {};
  phase = 'measured';
  await sleep(5); // a sampler tick first, so nothing before the pass is charged to the ingress
  const email = await processPost(body, contentType, run);
  const totalMs = Object.values(times).reduce((a, b) => a + b, 0);
  const [stallPhase, maxStallMs] = Object.entries(stalls)
    .filter(([name]) => name !== 'measured')
    .reduce((a, b) => (b[1] > a[1] ? b : a), ['—', 0]);
  const stallCpuMs = cpuStalls[stallPhase] ?? 0;
  return {
    totalMs,
    maxStallMs,
    stallCpuMs,
    stallPhase,
    times,
    stalls,
    errors,
    outcome: outcomeOf(email, errors),
    attachments: email?.attachments.length ?? null,
  };
}

function outcomeOf(email, errors) {
  if (!email) {
    const error = errors.ingress ?? '';
    return error.startsWith('IngressError')
      ? `rejected ${error.slice(13, 90)}`
      : `ingress failed: ${error.slice(0, 90)}`;
  }
  const failed = Object.keys(errors);
  return failed.length ? failed.map((name) => `${name}: ${errors[name].split(':')[0]}`).join(', ') : 'ok';
}

for (const warm of warmUpPosts()) await processPost(warm.body, warm.contentType, async (_, fn) => fn());
// A short case runs three times and reports the median time and the median longest stall, so one scheduling
// hiccup on a shared machine does not decide its verdict; a long one (≥ 300 ms) runs once.
const passes = [await measure()];
while (passes.length < 3 && passes[0].totalMs < 300) passes.push(await measure());
clearInterval(sampler);
const median = (key) => [...passes].sort((a, b) => a[key] - b[key])[Math.floor(passes.length / 2)];
const byTime = median('totalMs');
const byStall = median('maxStallMs');
emit({
  e: 'done',
  bytes: body.length,
  passes: passes.length,
  ...byTime,
  maxStallMs: byStall.maxStallMs,
  stallCpuMs: byStall.stallCpuMs,
  stallPhase: byStall.stallPhase,
  allPasses: passes.map((p) => ({
    totalMs: p.totalMs,
    maxStallMs: p.maxStallMs,
    stallCpuMs: p.stallCpuMs,
    stallPhase: p.stallPhase,
  })),
});
