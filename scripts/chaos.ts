// The full chaos suite: the chaos tests with their full counts (CI runs a seeded subset of the same files), then
// one line of figures summed from what each test measured (test/support/chaos-report.ts).
// Usage: npm run chaos [-- --kills N --seed S]. Exit status: vitest's.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const FILES = ['test/resume-kill.test.ts', 'test/sigterm.test.ts', 'test/session.test.ts', 'test/chaos-'];

interface Line {
  readonly source: string;
  readonly [figure: string]: unknown;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? 0;
}

/** Sums the figures every chaos test appended into one line. */
export function summarise(lines: readonly Line[], passed: number, failed: number): string {
  let kills = 0;
  let survived = 0;
  let races = 0;
  let lostRaces = 0;
  let repeated = 0;
  let inFlight = 0;
  let referenceRequests = 0;
  const faults: Record<string, number> = {};
  const recovery: number[] = [];
  for (const line of lines) {
    kills += num(line['kills']);
    survived += num(line['survived']);
    races += num(line['races']);
    lostRaces += num(line['lostRaces']);
    repeated += num(line['repeatedRequests']);
    inFlight += num(line['inFlightAtKill']);
    referenceRequests += num(line['referenceRequests']);
    const f = line['faults'];
    if (f && typeof f === 'object') for (const [kind, n] of Object.entries(f as Record<string, unknown>)) faults[kind] = (faults[kind] ?? 0) + num(n);
    const r = line['recoveryMs'];
    if (Array.isArray(r)) recovery.push(...r.map(num));
  }
  recovery.sort((a, b) => a - b);
  const faultText = Object.entries(faults).sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
  const ms = (n: number): string => `${Math.round(n)} ms`;
  return [
    `chaos: ${passed} passed, ${failed} failed`,
    `kills ${kills} (survived ${survived})`,
    `model requests repeated after kills ${repeated} (tasks in flight at the kills ${inFlight}; uninterrupted reference runs made ${referenceRequests})`,
    `push races: ${races} runners, ${lostRaces} lost races replayed`,
    `faults injected and survived: ${faultText}`,
    recovery.length === 0 ? 'recovery: none measured'
      : `recovery (${recovery.length}) p50 ${ms(percentile(recovery, 50))}, p95 ${ms(percentile(recovery, 95))}, max ${ms(recovery.at(-1) ?? 0)}`,
  ].join('; ');
}

function main(): void {
  const { values } = parseArgs({ options: { kills: { type: 'string', default: '50' }, seed: { type: 'string' } } });
  const kills = Number(values.kills);
  if (!Number.isInteger(kills) || kills < 1) throw new Error(`--kills: "${values.kills}" is not a positive integer (example: --kills 50)`);
  const dir = mkdtempSync(join(tmpdir(), 'ideamine-chaos-'));
  const report = join(dir, 'figures.jsonl');
  const json = join(dir, 'vitest.json');
  const env = {
    ...process.env,
    IDEAMINE_CHAOS_REPORT: report,
    IDEAMINE_CHAOS_FULL: '1',
    IDEAMINE_KILLS: String(kills),
    ...(values.seed ? { IDEAMINE_KILL_SEED: values.seed } : {}),
  };
  const started = performance.now();
  const result = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...FILES, '--reporter=default', '--reporter=json', `--outputFile.json=${json}`],
    { cwd: ROOT, env, stdio: 'inherit' });
  const minutes = ((performance.now() - started) / 60_000).toFixed(1);
  const counts = existsSync(json) ? (JSON.parse(readFileSync(json, 'utf8')) as { numPassedTests: number; numFailedTests: number }) : { numPassedTests: 0, numFailedTests: 1 };
  const lines = existsSync(report)
    ? readFileSync(report, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line)
    : [];
  rmSync(dir, { recursive: true, force: true });
  console.log(`${summarise(lines, counts.numPassedTests, counts.numFailedTests)}; ${minutes} min`);
  process.exitCode = result.status ?? 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
