// Runs the bundled Action the way the runner does: INPUT_* env, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files,
// a clone with a bare file:// remote as the workspace, and the GitHub stand-in as the API.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { makeRepo, runGitSync, testGitEnv, type TempRepo } from './git-repo.js';
import { startGitHubStandIn, type GitHubStandIn } from './github-standin.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export const TOKEN = 'ghs-actions-token-1234';
export const example = (file: string): string => readFileSync(join(ROOT, 'ideas', file), 'utf8');

interface BuildModule { buildEntry: (entry: { name: string; source: string; outfile: string }, outfile?: string) => Promise<string> }
export interface ActionRun { code: number | null; stdout: string; stderr: string; outputs: Record<string, string>; summary: string }

export interface ActionHarness {
  readonly dir: string;
  readonly repo: TempRepo;
  readonly standIn: GitHubStandIn;
  /** How many times the action ran (unique names for per-run files). */
  readonly runs: () => number;
  runAction(inputs: Record<string, string>, extra?: Record<string, string>): Promise<ActionRun>;
  remoteGit(...args: string[]): string;
  close(): Promise<void>;
}

/** GITHUB_OUTPUT lines: `name<<DELIMITER`, the value, `DELIMITER`. */
function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const match = /^([^<]+)<<(.+)$/.exec(lines[i] ?? '');
    if (!match?.[1] || !match[2]) continue;
    const end = lines.indexOf(match[2], i + 1);
    outputs[match[1]] = lines.slice(i + 1, end).join('\n');
    i = end;
  }
  return outputs;
}

/** Builds the action bundle, commits the given example ideas to a repo with a remote, starts the stand-in. */
export async function startActionHarness(options: { label: string; ideas: readonly string[] }): Promise<ActionHarness> {
  const dir = mkdtempSync(join(tmpdir(), `ideamine-${options.label}-`));
  // The bundle finds its package root (phases/, schemas/) upwards from itself, as in a checked-out action.
  const pkg = join(dir, 'pkg');
  mkdirSync(join(pkg, 'action', 'dist'), { recursive: true });
  writeFileSync(join(pkg, 'package.json'), readFileSync(join(ROOT, 'package.json')));
  symlinkSync(join(ROOT, 'phases'), join(pkg, 'phases'));
  symlinkSync(join(ROOT, 'schemas'), join(pkg, 'schemas'));
  const build = (await import(pathToFileURL(join(ROOT, 'scripts', 'build.mjs')).href)) as BuildModule;
  const bundle = await build.buildEntry({ name: 'action', source: 'action/src/main.ts', outfile: '' }, join(pkg, 'action', 'dist', 'index.mjs'));
  const repo = makeRepo({ remote: true });
  for (const slug of options.ideas) repo.write(`ideas/${slug}.yaml`, example(`${slug}.yaml`));
  repo.git('add', 'ideas');
  repo.git('commit', '-q', '-m', 'ideas');
  repo.git('push', '-q', 'origin', 'main');
  const standIn = await startGitHubStandIn({
    tokens: { [TOKEN]: { login: 'github-actions[bot]', actions: true, permissions: { contents: 'write', 'pull-requests': 'write', issues: 'write', actions: 'write' } } },
    workflows: ['ideamine-run.yml'],
  });
  let runs = 0;
  return {
    dir, repo, standIn,
    runs: () => runs,
    /** Asynchronous on purpose: the stand-in answers from this process's event loop. */
    async runAction(inputs, extra = {}) {
      runs += 1;
      const output = join(dir, `output-${runs}`);
      const summary = join(dir, `summary-${runs}`);
      writeFileSync(output, '');
      writeFileSync(summary, '');
      const base = Object.fromEntries(Object.entries(testGitEnv()).filter(([k]) => !k.startsWith('INPUT_') && !k.startsWith('GITHUB_')));
      const env: NodeJS.ProcessEnv = {
        ...base, ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
        'INPUT_GITHUB-TOKEN': TOKEN, INPUT_MODEL: 'offline', GITHUB_WORKSPACE: repo.dir, GITHUB_REPOSITORY: 'acme/widgets',
        GITHUB_API_URL: standIn.url, GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary, GITHUB_RUN_ID: '77', ...extra,
      };
      const child = spawn(process.execPath, [bundle], { env, cwd: repo.dir });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString('utf8'); });
      child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      return { code, stdout, stderr, outputs: parseOutputs(readFileSync(output, 'utf8')), summary: readFileSync(summary, 'utf8') };
    },
    remoteGit: (...args) => runGitSync(repo.remote?.dir ?? '', args),
    async close() {
      await standIn.close();
      standIn.assertNoUnexpected();
      repo.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
