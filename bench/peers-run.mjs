// `npm run bench -- --peers [--setup] [--quick]`: the peers section alone (bench/peers.mjs), printed and written
// to bench/results/peers-latest.json (and a timestamped copy).
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchmark } from './peers.mjs';

const here = dirname(fileURLToPath(import.meta.url));

export async function runPeers({ quick = false, setup = false } = {}) {
  if (setup) {
    const installed = spawnSync('sh', [join(here, 'peers', 'setup.sh')], { stdio: 'inherit' });
    if (installed.status !== 0) throw new Error(`bench/peers/setup.sh failed (exit ${installed.status})`);
  }
  const startedAt = new Date().toISOString();
  const section = await benchmark({ quick, progress: (m) => process.stderr.write(`… ${m}\n`) });
  console.log(section.title);
  for (const [title, table] of section.tables ?? []) {
    console.log(title);
    console.table(table);
  }
  for (const note of section.notes ?? []) console.log(`  ${note}`);
  const outDir = join(here, 'results');
  mkdirSync(outDir, { recursive: true });
  const json = JSON.stringify({ startedAt, node: process.version, quick, ...section }, null, 2);
  writeFileSync(join(outDir, `peers-${startedAt.replace(/[:.]/g, '-')}.json`), json);
  writeFileSync(join(outDir, 'peers-latest.json'), json);
  console.log(`results: ${join('bench', 'results', 'peers-latest.json')}`);
}
