#!/usr/bin/env node
// Counts the runtime values the root of @mailroom/core exports (the built package) and fails above the limit:
// the root is the framework; building blocks live behind subpaths (@mailroom/core/ingress, /text, …).
// Usage: node scripts/count-root-exports.mjs [--max=40]   (after `npm run build`)
import { readFileSync } from 'node:fs';

const max = Number(process.argv.find((a) => a.startsWith('--max='))?.slice(6) ?? 40);
const pkg = JSON.parse(readFileSync(new URL('../packages/core/package.json', import.meta.url), 'utf8'));
const rows = [];
for (const subpath of Object.keys(pkg.exports).filter((s) => s !== './package.json')) {
  const mod = await import(new URL(`../packages/core/${pkg.exports[subpath].default}`, import.meta.url).href);
  rows.push({
    subpath: subpath === '.' ? '@mailroom/core' : `@mailroom/core/${subpath.slice(2)}`,
    values: Object.keys(mod).length,
  });
}
console.table(rows);
const root = rows[0].values;
if (root > max) {
  console.error(
    `The root of @mailroom/core exports ${root} runtime values (limit ${max}): move building blocks to a subpath.`,
  );
  process.exit(1);
}
console.log(`root of @mailroom/core: ${root} runtime values (limit ${max})`);
