// Chaos figures: each chaos test appends what it measured (kills, races, faults by kind, recovery times, repeated
// model requests) as one JSON line to the file named by IDEAMINE_CHAOS_REPORT, which `npm run chaos` sums up.
// Without the variable (a plain `npm test`) nothing is written.
import { appendFileSync } from 'node:fs';

export type Figure = number | string | readonly number[] | Readonly<Record<string, number>>;

export function reportFigures(source: string, figures: Readonly<Record<string, Figure>>): void {
  const file = process.env['IDEAMINE_CHAOS_REPORT'];
  if (!file) return;
  appendFileSync(file, `${JSON.stringify({ source, ...figures })}\n`);
}
