#!/usr/bin/env node
// Benchmark: the avatar pipeline (validate + one decode + 4 sizes × WebP/JPEG) against a single
// decode + resize to the largest size, on a 12 MP JPEG, in the same run. Each variant runs in its own
// child process so its peak RSS is its own. Needs the compiled app: `npm run build -w apps/avatars`.
// Usage: node apps/avatars/bench/pipeline.mjs [iterations=15]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const dist = join(here, '..', 'dist');

async function load() {
  try {
    const images = await import(join(dist, 'images', 'index.js'));
    const fixtures = await import(join(dist, 'test-support', 'images.js'));
    return { ...images, ...fixtures };
  } catch (error) {
    console.error(`Build the app first (npm run build -w apps/avatars): ${error.message}`);
    process.exit(1);
  }
}

/**
 * Peak resident memory of this process in MB. Linux's VmHWM starts afresh at exec; getrusage's maxRSS
 * would include the parent's peak inherited through fork.
 */
function peakRssMb() {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]) / 1024;
  } catch {
    // best effort
  }
  return process.resourceUsage().maxRSS / 1024;
}

const variants = {
  /** The baseline: decode, orient, attention-crop and encode once, at 512. */
  async single(sharp, input) {
    await sharp(input, { limitInputPixels: 40_000_000, failOn: 'warning' })
      .rotate()
      .resize(512, 512, { fit: 'cover', position: sharp.strategy.attention })
      .webp({ quality: 82 })
      .toBuffer();
  },
  /** What the app runs: validation, one decode, 8 renditions. */
  async pipeline(_sharp, input, lib) {
    const avatar = await lib.processAvatar(input);
    if (avatar.renditions.length !== 8) throw new Error('expected 8 renditions');
  },
  /** For contrast: every rendition decoded from the source again. */
  async naive(sharp, input) {
    await Promise.all(
      [64, 128, 256, 512].flatMap((size) => {
        const one = () =>
          sharp(input, { limitInputPixels: 40_000_000 })
            .rotate()
            .resize(size, size, { fit: 'cover', position: sharp.strategy.attention });
        return [
          one().webp({ quality: 82 }).toBuffer(),
          one().flatten({ background: '#fff' }).jpeg({ quality: 85 }).toBuffer(),
        ];
      }),
    );
  },
};

async function worker(name, file, iterations) {
  const lib = await load();
  const sharp = (await import('sharp')).default;
  const input = readFileSync(file);
  const run = variants[name];
  const mb = peakRssMb;
  const idleRssMb = mb();
  await run(sharp, input, lib); // first image in a fresh process: its peak is the cost of one avatar
  const firstRssMb = mb();
  await run(sharp, input, lib); // warm-up
  const times = [];
  for (let i = 0; i < iterations; i++) {
    const started = process.hrtime.bigint();
    await run(sharp, input, lib);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  process.stdout.write(
    JSON.stringify({
      median: times[Math.floor(times.length / 2)],
      min: times[0],
      p90: times[Math.floor(times.length * 0.9)],
      idleRssMb,
      firstRssMb,
      maxRssMb: mb(),
    }),
  );
}

async function main() {
  const iterations = Number(process.argv[2] ?? 15);
  const lib = await load();
  const sharp = (await import('sharp')).default;
  const dir = mkdtempSync(join(tmpdir(), 'avatars-bench-'));
  try {
    const file = join(dir, 'photo-12mp.jpg');
    const jpeg = await lib.photoJpeg(4000, 3000);
    // iPhone-style: portrait orientation tag, so the pipeline has to rotate.
    writeFileSync(file, await sharp(jpeg).withMetadata({ orientation: 6 }).jpeg({ quality: 88 }).toBuffer());
    const meta = await sharp(file).metadata();
    console.log(
      `input: ${meta.width}×${meta.height} JPEG, orientation ${meta.orientation}, ${(readFileSync(file).length / 1e6).toFixed(1)} MB; ${iterations} iterations after 2 warm-ups (the first measured for memory); UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? 'default'}, sharp concurrency ${sharp.concurrency()}`,
    );
    const results = {};
    for (const name of Object.keys(variants)) {
      const out = execFileSync(
        process.execPath,
        [fileURLToPath(import.meta.url), '--worker', name, file, String(iterations)],
        { encoding: 'utf8' },
      );
      results[name] = JSON.parse(out);
    }
    const base = results.single.median;
    console.log('');
    console.log(
      '| variant  | outputs | median ms | min ms | p90 ms | × single | RSS idle MB | peak 1st image MB | peak all runs MB |',
    );
    console.log(
      '|----------|---------|-----------|--------|--------|----------|-------------|-------------------|------------------|',
    );
    const outputs = { single: 1, pipeline: 8, naive: 8 };
    for (const [name, r] of Object.entries(results)) {
      console.log(
        `| ${name.padEnd(8)} | ${String(outputs[name]).padStart(7)} | ${r.median.toFixed(1).padStart(9)} | ${r.min.toFixed(1).padStart(6)} | ${r.p90.toFixed(1).padStart(6)} | ${(r.median / base).toFixed(2).padStart(8)} | ${r.idleRssMb.toFixed(0).padStart(11)} | ${r.firstRssMb.toFixed(0).padStart(17)} | ${r.maxRssMb.toFixed(0).padStart(16)} |`,
      );
    }
    const ratio = results.pipeline.median / base;
    console.log('');
    console.log(`pipeline / single = ${ratio.toFixed(2)}× (target ≤ 1.5×): ${ratio <= 1.5 ? 'met' : 'NOT met'}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--worker') await worker(process.argv[3], process.argv[4], Number(process.argv[5]));
else await main();
