import { existsSync, readFileSync, rmSync } from 'node:fs';
import { SUMMARY_FILE } from './summary.js';

// Prints every scenario's figures (posts sent, 2xx, stored, processed, lost, duplicates, 5xx) after the run.
export default function setup() {
  rmSync(SUMMARY_FILE, { force: true });
  return () => {
    if (!existsSync(SUMMARY_FILE)) return;
    const rows = readFileSync(SUMMARY_FILE, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    const core = ['scenario', 'sent', 'ok2xx', 'stored', 'processed', 'lost', 'duplicates', 'server5xx'];
    console.log('\nReliability summary');
    console.table(
      rows.map((row) => ({
        ...Object.fromEntries(core.map((key) => [key, row[key]])),
        details: Object.entries(row)
          .filter(([key]) => !core.includes(key))
          .map(([key, value]) => `${key}=${value}`)
          .join(' '),
      })),
    );
  };
}
