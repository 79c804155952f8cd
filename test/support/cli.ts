// Test helper for process-level tests: temp repos with idea files committed, the bundled CLI as a child, state-branch reads.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { canonicalJson, sha256Hex, type Json } from '../../src/core/canonical.js';
import { draft } from '../../src/core/draft.js';
import { parseDataBlocks } from '../../src/core/prompt.js';
import { makeRepo, testGitEnv, type TempRepo } from './git-repo.js';

export const PACKAGE_ROOT = join(import.meta.dirname, '..', '..');
export const CLI_BIN = join(PACKAGE_ROOT, 'bin', 'ideamine.js');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly cwd: string;
  /** Added to the hermetic environment; undefined removes a variable. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly timeoutMs?: number;
}

/** The child's environment: hermetic git, and nothing inherited that changes the CLI (keys, endpoints, telemetry). */
export function cliEnv(extra: CliOptions['env'] = {}): NodeJS.ProcessEnv {
  const env = testGitEnv();
  for (const key of Object.keys(env)) {
    if (/^(ANTHROPIC_|OTEL_|IDEAMINE_|GITHUB_|INPUT_)/.test(key) || key === 'GH_TOKEN' || key === 'NODE_OPTIONS') delete env[key];
  }
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Runs `node bin/ideamine.js ...args` asynchronously (so an in-process loopback server can answer it). */
export function runCli(args: readonly string[], options: CliOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], { cwd: options.cwd, env: cliEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 50_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code === null) reject(new Error(`ideamine ${args.join(' ')} ended by ${signal ?? 'a signal'}\n${stderr}`));
      else resolve({ code, stdout, stderr });
    });
  });
}

/** The example idea files shipped under ideas/. */
export const exampleIdeas = (): string[] => readdirSync(join(PACKAGE_ROOT, 'ideas')).filter((f) => /\.(ya?ml|md)$/.test(f)).sort();
export const exampleIdea = (file: string): string => readFileSync(join(PACKAGE_ROOT, 'ideas', file), 'utf8');
export const slugOf = (file: string): string => file.replace(/^.*\//, '').replace(/\.(ya?ml|md)$/, '');

/** What a command must leave alone: HEAD, every ref, the index and the working tree. */
export interface RepoSnapshot {
  readonly refs: string;
  readonly status: string;
  readonly staged: string;
  readonly unstaged: string;
}

export interface IdeaRepo extends TempRepo {
  /** Parent temp folder (removed by cleanup): a place for files outside the repository. */
  readonly root: string;
  cli(args: readonly string[], env?: CliOptions['env']): Promise<CliResult>;
  /** `git show <ref>:<path>`, or null when absent. */
  show(ref: string, path: string): string | null;
  snapshot(): RepoSnapshot;
  /** Commits one file's new content onto a branch with plumbing (a private index), like an attacker editing state. */
  commitOnBranch(branch: string, path: string, content: string, message: string): string;
  /** The ledger entries of a run, parsed from the state branch. */
  ledger(slug: string, runId: string): LedgerLine[];
}

export interface LedgerLine {
  readonly seq: number;
  readonly type: string;
  readonly phase: string | null;
  readonly hash: string;
  readonly data: Record<string, unknown>;
}

/** A repository whose first commit holds README.md and the given files (e.g. { 'ideas/x.yaml': text }). */
export function makeIdeaRepo(files: Readonly<Record<string, string | Buffer>>): IdeaRepo {
  const repo = makeRepo();
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(repo.dir, path)), { recursive: true });
    writeFileSync(join(repo.dir, path), content);
  }
  if (Object.keys(files).length > 0) {
    repo.git('add', '-A');
    repo.git('commit', '-q', '-m', 'add ideas');
  }
  const root = join(repo.dir, '..');
  const gitIn = (args: readonly string[], env: NodeJS.ProcessEnv = {}, input?: string): string =>
    execFileSync('git', args, { cwd: repo.dir, env: { ...testGitEnv(), ...env }, encoding: 'utf8', ...(input === undefined ? {} : { input }), stdio: ['pipe', 'pipe', 'pipe'] }).replace(/\n$/, '');
  return {
    ...repo,
    root,
    cli: (args, env) => runCli(args, { cwd: repo.dir, ...(env ? { env } : {}) }),
    show(ref, path) {
      try {
        return execFileSync('git', ['show', `${ref}:${path}`], { cwd: repo.dir, env: testGitEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 });
      } catch {
        return null;
      }
    },
    snapshot: () => ({
      refs: repo.git('for-each-ref', '--format=%(refname) %(objectname)') + '\nHEAD ' + repo.git('symbolic-ref', 'HEAD') + ' ' + repo.git('rev-parse', 'HEAD'),
      status: repo.git('status', '--porcelain=v1', '--untracked-files=all'),
      staged: repo.git('diff', '--cached', '--binary'),
      unstaged: repo.git('diff', '--binary'),
    }),
    commitOnBranch(branch, path, content, message) {
      const index = join(root, `tamper-index-${process.pid}-${Date.now()}`);
      const env = { GIT_INDEX_FILE: index };
      const parent = gitIn(['rev-parse', `refs/heads/${branch}`]);
      gitIn(['read-tree', parent], env);
      const blob = gitIn(['hash-object', '-w', '--stdin'], {}, content);
      gitIn(['update-index', '--cacheinfo', `100644,${blob},${path}`], env);
      const tree = gitIn(['write-tree'], env);
      const commit = gitIn(['commit-tree', tree, '-p', parent, '-m', message]);
      gitIn(['update-ref', `refs/heads/${branch}`, commit, parent]);
      return commit;
    },
    ledger(slug, runId) {
      const text = this.show(`ideamine/${slug}`, `.ideamine/runs/${runId}/ledger.jsonl`) ?? '';
      return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as LedgerLine);
    },
  };
}

/** Parses the JSON a `--json` command printed, with the output in the error when it is not JSON. */
export function jsonOf<T>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`expected JSON on stdout (exit ${result.code}):\n${result.stdout}\n--- stderr ---\n${result.stderr}`);
  }
}

/** The shape `ideamine run --json` prints (src/cli/run-command.ts). */
export interface RunJson {
  readonly runId: string;
  readonly slug: string;
  readonly status: 'completed' | 'blocked';
  readonly exitCode: number;
  readonly model: { readonly id: string; readonly provenance: string };
  readonly phases: readonly {
    readonly phase: string;
    readonly status: string;
    readonly attempts: number;
    readonly score: number | null;
    readonly tokens: number | null;
    readonly costUsd: number | null;
    readonly modelCalls: number;
  }[];
  readonly budget: { readonly usd: number; readonly spentUsd: number | null; readonly spentTokens: number | null };
  readonly blocked: readonly { readonly phase: string; readonly reason: string; readonly waiveCommand: string }[];
  readonly dossier: { readonly digest: string; readonly published: { readonly committed: boolean; readonly where: string; readonly paths: readonly string[] } } | null;
}

/** The 13 phases in bundle order (phases/*.yaml). */
export const PHASES = ['intake', 'ideation', 'critique', 'prd', 'bizdev', 'architecture', 'build', 'security', 'story-loop', 'qa', 'aesthetic', 'release', 'beta'] as const;

const textOf = (content: unknown): string =>
  typeof content === 'string' ? content : Array.isArray(content) ? content.map((b: { text?: unknown }) => (typeof b.text === 'string' ? b.text : '')).join('\n') : '';

/** The last user message of a Messages API request body, as text. */
export function userText(body: Record<string, unknown>): string {
  const messages = Array.isArray(body.messages) ? (body.messages as { role?: unknown; content?: unknown }[]) : [];
  return textOf([...messages].reverse().find((m) => m.role === 'user')?.content);
}

export interface CompetentModelOptions {
  /** Judge score for every judged metric (default 0.9). */
  readonly score?: number;
  /**
   * Key order of the answers: "schema" as drafted (like a real model), or "canonical" (sorted, as IdeaMine writes JSON
   * back). Default "canonical": task keys hash prompts that embed upstream outputs key-order-sensitively (reported).
   */
  readonly order?: 'schema' | 'canonical';
}

/**
 * A `respond` for startMessagesServer that behaves like a competent model: judge requests get a passing score,
 * every other tool gets a draft from the artifact's own schema with its x-draft hints (which the adapter strips
 * before sending), so outputs carry the idea's features and segments verbatim and gates can pass.
 */
export function competentModel(options: CompetentModelOptions = {}): (toolName: string, body: Record<string, unknown>) => Json | undefined {
  const { score = 0.9, order = 'canonical' } = options;
  const schemas = new Map<string, Json>();
  return (toolName, body) => {
    if (toolName === 'judgement') return { score, rationale: 'Meets every point of the rubric.' };
    let schema = schemas.get(toolName);
    if (schema === undefined) {
      schema = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'schemas', 'artifacts', `${toolName}.schema.json`), 'utf8')) as Json;
      schemas.set(toolName, schema);
    }
    const blocks = parseDataBlocks(userText(body));
    const artifacts = blocks.artifacts;
    const context = {
      idea: blocks.idea ?? null,
      artifacts: artifacts !== null && typeof artifacts === 'object' && !Array.isArray(artifacts) ? artifacts : {},
      item: blocks.item ?? null,
    };
    const output = draft(schema, context, sha256Hex(canonicalJson(body)));
    return order === 'schema' ? output : (JSON.parse(canonicalJson(output)) as Json);
  };
}
