// Benchmark of the real CLI: offline runs, per-phase overhead, no-op resume, cold starts, state-branch commits.
// Usage: npm run bench [-- --runs N]. Prints a table and a summary line; writes .bench/results.json (git-ignored).
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'bin', 'ideamine.js');
const BUNDLE = join(ROOT, 'dist', 'cli.js');
const IDEAS = ['shared-grocery-list', 'cross-border-payments-platform'] as const;
const PHASES = 13;

interface Stats { readonly median: number; readonly min: number; readonly max: number }
interface IdeaResult {
  readonly idea: string;
  readonly run: Stats;
  readonly perPhaseWall: Stats;
  /** Median over runs of each phase's ledger time, first phase.started to phase.passed. */
  readonly phaseLedgerMs: Record<string, number>;
  readonly perPhaseLedger: Stats;
  /** Wall time outside the ledger's first and last entry: process start, bundle load, git setup, exit. */
  readonly outsideLedger: Stats;
  readonly resume: Stats;
  readonly commits: Stats;
  readonly msPerCommit: Stats;
}

function stats(values: readonly number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median = sorted.length % 2 === 1 ? (sorted[Math.floor(mid)] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return { median, min: sorted[0] ?? 0, max: sorted.at(-1) ?? 0 };
}

/** Hermetic git: no inherited GIT_* variables, no user or system config, a fixed identity. */
function gitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GIT_')));
  return {
    ...env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', LC_ALL: 'C',
    GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'bench@example.com',
  };
}

const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, env: gitEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** Wall time of one process, spawn to exit; a non-zero exit stops the benchmark with its stderr. */
function timed(args: readonly string[], cwd: string, what: string, extraEnv: NodeJS.ProcessEnv = {}): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { cwd, env: { ...gitEnv(), ...extraEnv }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error(`${what} exited ${result.status ?? result.signal}:\n${result.stderr}`);
  return ms;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function ensureBuilt(): void {
  if (existsSync(BUNDLE) && statSync(BUNDLE).mtimeMs >= newestMtime(join(ROOT, 'src'))) return;
  console.error('bench: building dist/cli.js (missing or older than src/)');
  timed([join(ROOT, 'scripts', 'build.mjs'), 'cli'], ROOT, 'build');
}

function freshRepo(idea: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'ideamine-bench-')), 'repo');
  mkdirSync(join(dir, 'ideas'), { recursive: true });
  git(dir, 'init', '-q', '--initial-branch=main');
  copyFileSync(join(ROOT, 'ideas', `${idea}.yaml`), join(dir, 'ideas', `${idea}.yaml`));
  git(dir, 'add', 'ideas');
  git(dir, 'commit', '-q', '-m', 'add idea');
  return dir;
}

interface LedgerEntry { readonly type: string; readonly phase: string | null; readonly time: string }

function ledgerOf(dir: string, slug: string): LedgerEntry[] {
  const branch = `refs/heads/ideamine/${slug}`;
  const runs = git(dir, 'ls-tree', '--name-only', `${branch}:.ideamine/runs`).trim().split('\n');
  const text = git(dir, 'show', `${branch}:.ideamine/runs/${runs[0] ?? ''}/ledger.jsonl`);
  return text.trim().split('\n').map((line) => JSON.parse(line) as LedgerEntry);
}

/** Per phase: first phase.started to its last phase.passed (or waived/blocked), in ms. */
function phaseTimes(ledger: readonly LedgerEntry[]): Map<string, number> {
  const started = new Map<string, number>();
  const times = new Map<string, number>();
  for (const e of ledger) {
    if (!e.phase) continue;
    const t = Date.parse(e.time);
    if (e.type === 'phase.started' && !started.has(e.phase)) started.set(e.phase, t);
    if (['phase.passed', 'phase.waived', 'phase.blocked'].includes(e.type)) times.set(e.phase, t - (started.get(e.phase) ?? t));
  }
  return times;
}

function benchIdea(idea: string, runs: number): IdeaResult {
  const wall: number[] = [], resume: number[] = [], commits: number[] = [], perCommit: number[] = [], perPhase: number[] = [], outside: number[] = [];
  const byPhase = new Map<string, number[]>();
  for (let i = 0; i < runs; i += 1) {
    const dir = freshRepo(idea);
    try {
      const ms = timed([CLI, 'run', `ideas/${idea}.yaml`], dir, `run ${idea}`);
      wall.push(ms);
      const count = Number(git(dir, 'rev-list', '--count', `refs/heads/ideamine/${idea}`).trim());
      commits.push(count);
      perCommit.push(ms / count);
      const ledger = ledgerOf(dir, idea);
      const span = Date.parse(ledger.at(-1)?.time ?? '') - Date.parse(ledger[0]?.time ?? '');
      outside.push(ms - span);
      const times = phaseTimes(ledger);
      for (const [phase, t] of times) byPhase.set(phase, [...(byPhase.get(phase) ?? []), t]);
      perPhase.push([...times.values()].reduce((a, b) => a + b, 0) / Math.max(1, times.size));
      resume.push(timed([CLI, 'run', `ideas/${idea}.yaml`], dir, `resume ${idea}`));
    } finally {
      rmSync(dirname(dir), { recursive: true, force: true });
    }
  }
  return {
    idea, run: stats(wall), perPhaseWall: stats(wall.map((w) => w / PHASES)),
    phaseLedgerMs: Object.fromEntries([...byPhase].map(([phase, ts]) => [phase, stats(ts).median])),
    perPhaseLedger: stats(perPhase), outsideLedger: stats(outside), resume: stats(resume), commits: stats(commits), msPerCommit: stats(perCommit),
  };
}

/**
 * The Action's bundle on the commonest event: a push that changes no idea (the dispatcher runs on every push
 * under ideas/, and an edited ideas/README.md is such a push). A real push payload from @octokit/webhooks-examples
 * with its commits adapted; no GitHub request is made (the API URL points at a closed port, so one would fail).
 */
function benchDispatchNoIdea(runs: number): { coldStart: Stats; bundleBytes: number } {
  const dir = mkdtempSync(join(tmpdir(), 'ideamine-bench-action-'));
  const examples = JSON.parse(readFileSync(join(ROOT, 'node_modules', '@octokit', 'webhooks-examples', 'api.github.com', 'index.json'), 'utf8')) as { name: string; examples: Record<string, unknown>[] }[];
  const push = examples.find((e) => e.name === 'push')?.examples.find((p) => p['ref'] === 'refs/heads/main' || p['ref'] === 'refs/heads/master') ?? examples.find((e) => e.name === 'push')?.examples[0];
  if (!push) throw new Error('@octokit/webhooks-examples has no push example');
  const payload = { ...push, ref: 'refs/heads/main', commits: [{ id: '0'.repeat(40), added: [], removed: [], modified: ['ideas/README.md'] }] };
  writeFileSync(join(dir, 'event.json'), JSON.stringify(payload));
  mkdirSync(join(dir, 'ideas'));
  writeFileSync(join(dir, 'ideas', 'README.md'), 'Ideas live here.\n');
  const bundle = join(ROOT, 'action', 'dist', 'index.js');
  const env: NodeJS.ProcessEnv = {
    'INPUT_COMMAND': 'dispatch', 'INPUT_GITHUB-TOKEN': 'bench-token', GITHUB_REPOSITORY: 'octo/bench', GITHUB_EVENT_NAME: 'push',
    GITHUB_EVENT_PATH: join(dir, 'event.json'), GITHUB_REF: 'refs/heads/main', GITHUB_WORKSPACE: dir,
    GITHUB_OUTPUT: join(dir, 'output'), GITHUB_STEP_SUMMARY: join(dir, 'summary.md'), GITHUB_API_URL: 'http://127.0.0.1:9',
  };
  const coldStart = stats(Array.from({ length: runs }, () => {
    writeFileSync(join(dir, 'output'), '');
    writeFileSync(join(dir, 'summary.md'), '');
    const ms = timed([bundle], dir, 'action dispatch (push changing no idea)', env);
    if (!readFileSync(join(dir, 'output'), 'utf8').includes('nothing-due')) throw new Error('the dispatch command did not report nothing-due');
    return ms;
  }));
  rmSync(dir, { recursive: true, force: true });
  return { coldStart, bundleBytes: statSync(bundle).size };
}

function main(): void {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: "${values.runs}" is not a positive integer (example: --runs 5)`);
  ensureBuilt();
  const nodeStart = stats(Array.from({ length: runs }, () => timed(['-e', '0'], ROOT, 'node -e 0')));
  const help = stats(Array.from({ length: runs }, () => timed([CLI, '--help'], ROOT, 'ideamine --help')));
  const action = benchDispatchNoIdea(runs);
  const ideas = IDEAS.map((idea) => benchIdea(idea, runs));

  const f = (n: number, unit = 'ms'): string => `${n >= 100 || Number.isInteger(n) ? Math.round(n) : n.toFixed(1)}${unit === '' ? '' : ` ${unit}`}`;
  const row = (label: string, s: Stats, unit = 'ms'): string => `${label.padEnd(50)}${f(s.median, unit).padStart(10)}${f(s.min, unit).padStart(10)}${f(s.max, unit).padStart(10)}`;
  const lines = [`IdeaMine benchmark: ${runs} run(s) each, node ${process.version}, ${cpus().length} CPU(s)`, '', `${'measure'.padEnd(50)}${'median'.padStart(10)}${'min'.padStart(10)}${'max'.padStart(10)}`];
  lines.push(row('node -e 0 (baseline)', nodeStart), row('ideamine --help (cold start)', help));
  lines.push(row(`action dispatch, push changing no idea (${(action.bundleBytes / 1e6).toFixed(2)} MB bundle)`, action.coldStart));
  for (const r of ideas) {
    lines.push(
      row(`run ${r.idea} (offline)`, r.run),
      row('  per phase: wall / 13', r.perPhaseWall),
      row('  per phase: ledger started → passed (mean)', r.perPhaseLedger),
      row('  outside the ledger (start-up, exit)', r.outsideLedger),
      row('  resume of the completed run (no-op)', r.resume),
      row('  commits on the state branch', r.commits, ''),
      row('  wall ms per commit', r.msPerCommit),
    );
  }
  lines.push('', `${'phase (ledger, median ms)'.padEnd(28)}${ideas.map((r) => r.idea.slice(0, 22).padStart(24)).join('')}`);
  for (const phase of Object.keys(ideas[0]?.phaseLedgerMs ?? {})) {
    lines.push(`${phase.padEnd(28)}${ideas.map((r) => f(r.phaseLedgerMs[phase] ?? 0).padStart(24)).join('')}`);
  }
  const [small, large] = ideas;
  const summary = `summary: full offline run ${f(small?.run.median ?? 0)} (${small?.idea}) / ${f(large?.run.median ?? 0)} (${large?.idea}); ` +
    `${f(small?.perPhaseWall.median ?? 0)} per phase; no-op resume ${f(small?.resume.median ?? 0)}; ${small?.commits.median ?? 0} commits at ${f(small?.msPerCommit.median ?? 0)} each; ` +
    `cold start ${f(help.median)} vs node ${f(nodeStart.median)}; action dispatch on a push changing no idea ${f(action.coldStart.median)} ` +
    `(${(action.bundleBytes / 1e6).toFixed(2)} MB bundle)`;
  lines.push('', summary);
  console.log(lines.join('\n'));

  mkdirSync(join(ROOT, '.bench'), { recursive: true });
  const results = { date: new Date().toISOString(), node: process.version, cpus: cpus().length, runs, nodeStart, help, action, ideas, summary };
  writeFileSync(join(ROOT, '.bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.error('bench: results written to .bench/results.json');
}

main();
