// Runs the bundled Action the way the runner does: INPUT_* env, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files,
// a clone with a bare file:// remote as the workspace, and the GitHub stand-in as the API. The building blocks
// (bundle build, spawn) are shared with the workflow runner of the scenario test (workflow-runner.ts).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { makeRepo, runGitSync, testGitEnv, type TempRepo } from './git-repo.js';
import { startGitHubStandIn, type GitHubStandIn, type TokenSpec } from './github-standin.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export const TOKEN = 'ghs-actions-token-1234';
export const example = (file: string): string => readFileSync(join(ROOT, 'ideas', file), 'utf8');

interface BuildModule { buildEntry: (entry: { name: string; source: string; outfile: string }, outfile?: string) => Promise<string> }
export interface ActionRun { code: number | null; signal?: NodeJS.Signals | null; stdout: string; stderr: string; outputs: Record<string, string>; summary: string }

/** A started action process: kill it (the process group with `group`, as a lost runner takes everything) or wait for it. */
export interface SpawnedAction {
  readonly pid: number;
  kill(signal: NodeJS.Signals, group?: boolean): void;
  readonly done: Promise<ActionRun>;
}

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

/**
 * Builds the action bundle from action/src into `<dir>/pkg/action/dist/index.mjs`. The bundle finds its package root
 * (phases/, schemas/) upwards from itself, as in a checked-out action: pkg holds package.json and links to both.
 */
export async function buildActionBundle(dir: string): Promise<string> {
  const pkg = join(dir, 'pkg');
  mkdirSync(join(pkg, 'action', 'dist'), { recursive: true });
  writeFileSync(join(pkg, 'package.json'), readFileSync(join(ROOT, 'package.json')));
  symlinkSync(join(ROOT, 'phases'), join(pkg, 'phases'));
  symlinkSync(join(ROOT, 'schemas'), join(pkg, 'schemas'));
  const build = (await import(pathToFileURL(join(ROOT, 'scripts', 'build.mjs')).href)) as BuildModule;
  return build.buildEntry({ name: 'action', source: 'action/src/main.ts', outfile: '' }, join(pkg, 'action', 'dist', 'index.mjs'));
}

/**
 * Whether this machine lets a test give a job a host name of its own (`unshare -r -u`, python3 to set the name):
 * then every job of a scenario runs as on its own runner VM, as on GitHub.
 */
export function canRunAsOwnHost(): boolean {
  const probe = spawnSync('unshare', ['-r', '-u', 'python3', '-c', 'import socket; socket.sethostname("probe")'], { stdio: 'ignore', timeout: 5_000 });
  return probe.status === 0;
}

/** The hermetic git environment without the runner's own INPUT_* and GITHUB_* variables (each job sets its own). */
export const baseActionEnv = (): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(testGitEnv()).filter(([k]) => !k.startsWith('INPUT_') && !k.startsWith('GITHUB_')));

/**
 * Starts `node <bundle>` as the runner does; GITHUB_OUTPUT and GITHUB_STEP_SUMMARY must name existing files in `env`.
 * Asynchronous on purpose: a stand-in in this process answers from its event loop.
 */
export function spawnAction(bundle: string, env: NodeJS.ProcessEnv, cwd: string, options: { detached?: boolean; hostname?: string } = {}): SpawnedAction {
  // A host name of its own (a runner VM of its own) needs a user and UTS namespace; python3 sets the name and execs
  // node, keeping INPUT_GITHUB-TOKEN and the like, which a POSIX shell would drop from the environment.
  const [command, args] = options.hostname === undefined ? [process.execPath, [bundle]]
    : ['unshare', ['-r', '-u', 'python3', '-c', 'import os, socket, sys; socket.sethostname(sys.argv[1]); os.execv(sys.argv[2], sys.argv[2:])', options.hostname, process.execPath, bundle]];
  const child = spawn(command, args, { env, cwd, detached: options.detached === true });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString('utf8'); });
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start node ${bundle}`);
  const done = new Promise<ActionRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({
      code, signal, stdout, stderr,
      outputs: parseOutputs(readFileSync(env['GITHUB_OUTPUT'] ?? '', 'utf8')), summary: readFileSync(env['GITHUB_STEP_SUMMARY'] ?? '', 'utf8'),
    }));
  });
  return {
    pid, done,
    kill(signal, group = false) {
      try {
        process.kill(group ? -pid : pid, signal);
      } catch {
        // Already gone.
      }
    },
  };
}

/** Builds the action bundle, commits the given example ideas to a repo with a remote, starts the stand-in. */
export async function startActionHarness(options: { label: string; ideas: readonly string[]; tokens?: Readonly<Record<string, TokenSpec>> }): Promise<ActionHarness> {
  const dir = mkdtempSync(join(tmpdir(), `ideamine-${options.label}-`));
  const bundle = await buildActionBundle(dir);
  const repo = makeRepo({ remote: true });
  for (const slug of options.ideas) repo.write(`ideas/${slug}.yaml`, example(`${slug}.yaml`));
  repo.git('add', 'ideas');
  repo.git('commit', '-q', '-m', 'ideas');
  repo.git('push', '-q', 'origin', 'main');
  const standIn = await startGitHubStandIn({
    tokens: { [TOKEN]: { login: 'github-actions[bot]', actions: true, permissions: { contents: 'write', 'pull-requests': 'write', issues: 'write', actions: 'write' } }, ...options.tokens },
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
      const env: NodeJS.ProcessEnv = {
        ...baseActionEnv(), ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
        'INPUT_GITHUB-TOKEN': TOKEN, INPUT_MODEL: 'offline', GITHUB_WORKSPACE: repo.dir, GITHUB_REPOSITORY: 'acme/widgets',
        GITHUB_API_URL: standIn.url, GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary, GITHUB_RUN_ID: '77', ...extra,
      };
      return spawnAction(bundle, env, repo.dir).done;
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
