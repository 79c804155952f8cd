// Test helper: throwaway git repositories in temp dirs (optionally with a bare remote over file://).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface TempRepoOptions {
  /** Make one commit ("README.md") so HEAD is born (default true). */
  readonly initialCommit?: boolean;
  /** Create a bare repository instead of one with a working tree. */
  readonly bare?: boolean;
  /** Also create a bare remote "origin" reachable over file:// (and push the initial commit). */
  readonly remote?: boolean;
  readonly branch?: string;
}

export interface TempRepo {
  /** Working tree (or the bare repository itself). */
  readonly dir: string;
  readonly gitDir: string;
  readonly remote?: { readonly dir: string; readonly url: string };
  /** Runs git in the repository with a hermetic environment; returns stdout without the final newline. */
  git(...args: string[]): string;
  write(path: string, content: string): void;
  read(path: string): string;
  cleanup(): void;
}

/** Hermetic environment: no inherited GIT_* variables, no global or system config, a fixed test identity. */
export function testGitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('GIT_')) env[key] = value;
  return {
    ...env,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Test User',
    GIT_AUTHOR_EMAIL: 'test@example.com',
    GIT_COMMITTER_NAME: 'Test User',
    GIT_COMMITTER_EMAIL: 'test@example.com',
    GIT_TERMINAL_PROMPT: '0',
    LC_ALL: 'C',
  };
}

export function runGitSync(cwd: string, args: readonly string[]): string {
  return execFileSync('git', args, { cwd, env: testGitEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).replace(/\n$/, '');
}

export function makeRepo(options: TempRepoOptions = {}): TempRepo {
  const root = mkdtempSync(join(tmpdir(), 'ideamine-git-'));
  const dir = join(root, options.bare ? 'repo.git' : 'repo');
  mkdirSync(dir);
  const branch = options.branch ?? 'main';
  runGitSync(dir, ['init', '-q', `--initial-branch=${branch}`, ...(options.bare ? ['--bare'] : [])]);
  const git = (...args: string[]): string => runGitSync(dir, args);
  const gitDir = git('rev-parse', '--absolute-git-dir');

  let remote: TempRepo['remote'];
  if (options.remote) {
    const remoteDir = join(root, 'remote.git');
    mkdirSync(remoteDir);
    runGitSync(remoteDir, ['init', '-q', '--bare', `--initial-branch=${branch}`]);
    const url = pathToFileURL(remoteDir).href;
    git('remote', 'add', 'origin', url);
    remote = { dir: remoteDir, url };
  }

  const repo: TempRepo = {
    dir,
    gitDir,
    ...(remote ? { remote } : {}),
    git,
    write(path, content) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    },
    read: (path) => readFileSync(join(dir, path), 'utf8'),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };

  if ((options.initialCommit ?? true) && !options.bare) {
    repo.write('README.md', '# test repository\n');
    git('add', 'README.md');
    git('commit', '-q', '-m', 'initial commit');
    if (remote) git('push', '-q', 'origin', branch);
  }
  return repo;
}
