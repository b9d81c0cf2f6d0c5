import { existsSync, readFileSync, rmSync } from 'node:fs';
import { SUMMARY_FILE } from './summary.js';

// Prints every scenario's figures (posts sent, 2xx, stored, processed, lost, duplicates, 5xx) after the run.
export default function setup() {
  rmSync(SUMMARY_FILE, { force: true });
  return () => {
    if (!existsSync(SUMMARY_FILE)) return;
    const rows = readFileSync(SUMMARY_FILE, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
    console.log('\nReliability summary');
    console.table(rows);
  };
}
