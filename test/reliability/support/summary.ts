import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where each scenario appends its figures; the global teardown prints them as one table. */
export const SUMMARY_FILE = join(
  fileURLToPath(new URL('../../../', import.meta.url)),
  'test-results',
  'reliability',
  'summary.jsonl',
);

/** How many posts/kills a scenario uses: its default × RELIABILITY_SCALE (never below `min`). */
export function scaled(count: number, min = 1): number {
  const scale = Number(process.env.RELIABILITY_SCALE ?? 1);
  return Math.max(min, Math.round(count * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
}

export interface ScenarioFigures {
  scenario: string;
  sent: number;
  ok2xx: number;
  stored: number;
  processed: number;
  lost: number;
  duplicates: number;
  server5xx?: number;
  [extra: string]: string | number | undefined;
}

export function recordFigures(figures: ScenarioFigures): void {
  mkdirSync(dirname(SUMMARY_FILE), { recursive: true });
  appendFileSync(SUMMARY_FILE, `${JSON.stringify(figures)}\n`);
}
