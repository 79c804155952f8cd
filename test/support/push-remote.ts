// Test helper for `ideamine run --push`: a bare remote over git http-backend with the ideas on main, clones of it,
// the push figures a run prints, and the state branch's history read back commit by commit.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkLedger } from '../../src/core/ledger.js';
import { makeIdeaRepo, PACKAGE_ROOT } from './cli.js';
import { runGitSync, testGitEnv } from './git-repo.js';
import { allowHttpPush, startHttpGitServer, type HttpGitServer } from './http-backend.js';

export interface HttpRemote {
  readonly root: string;
  /** The bare repository on disk (the server's copy). */
  readonly bare: string;
  readonly url: string;
  readonly server: HttpGitServer;
  /** A working clone whose origin is the HTTP URL (cloned over file:// to save the server the work). */
  clone(name: string): string;
  /** A clone over HTTP with every state branch as a local branch, as `ideamine verify` reads them. */
  freshClone(name: string): string;
  cleanup(): Promise<void>;
}

/** The built-in phase files `ids` as this repository's bundle override (.ideamine/phases/): a shorter pipeline. */
export function phaseOverride(ids: readonly string[]): Record<string, string> {
  return Object.fromEntries(ids.map((id) => [`.ideamine/phases/${id}.yaml`, readFileSync(join(PACKAGE_ROOT, 'phases', `${id}.yaml`), 'utf8')]));
}

/** A bare remote holding `files` on main, served by git http-backend on 127.0.0.1. */
export async function startHttpRemote(files: Readonly<Record<string, string>>): Promise<HttpRemote> {
  const root = mkdtempSync(join(tmpdir(), 'ideamine-push-'));
  const bare = join(root, 'remote.git');
  runGitSync(root, ['init', '-q', '--bare', '--initial-branch=main', bare]);
  allowHttpPush(bare);
  // As on a hosted remote, no gc inside a push (hundreds of small pushes would otherwise repack mid-test).
  runGitSync(bare, ['config', 'receive.autogc', 'false']);
  const seed = makeIdeaRepo(files);
  seed.git('push', '-q', bare, 'main');
  seed.cleanup();
  const server = await startHttpGitServer(root);
  const url = server.url('remote.git');
  return {
    root, bare, url, server,
    clone(name) {
      const dir = join(root, name);
      runGitSync(root, ['clone', '-q', bare, dir]);
      runGitSync(dir, ['remote', 'set-url', 'origin', url]);
      return dir;
    },
    freshClone(name) {
      const dir = join(root, name);
      runGitSync(root, ['clone', '-q', url, dir]);
      runGitSync(dir, ['fetch', '-q', 'origin', '+refs/heads/ideamine/*:refs/heads/ideamine/*']);
      return dir;
    },
    async cleanup() {
      await server.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** The figures `ideamine run --push` prints on stderr at the end (src/cli/run-push.ts pushLine). */
export interface PushFigures {
  readonly ok: number;
  readonly commits: number;
  readonly lostRaces: number;
  readonly retries: number;
  readonly refused: number;
}

export function pushFigures(stderr: string): PushFigures | null {
  const m = /Pushes to \S+: (\d+) landed \((\d+) commit\(s\)\), (\d+) lost race\(s\) replayed, (\d+) transient retr(?:y|ies), (\d+) refused\./.exec(stderr);
  return m ? { ok: Number(m[1]), commits: Number(m[2]), lostRaces: Number(m[3]), retries: Number(m[4]), refused: Number(m[5]) } : null;
}

const gitIn = (dir: string, args: readonly string[], input?: string): Buffer =>
  execFileSync('git', args, { cwd: dir, env: testGitEnv(), maxBuffer: 256 * 1024 * 1024, ...(input === undefined ? {} : { input }), stdio: ['pipe', 'pipe', 'pipe'] });

/** The single run id on a state branch. */
export function runIdOn(dir: string, slug: string): string {
  const runs = gitIn(dir, ['ls-tree', '--name-only', `refs/heads/ideamine/${slug}:.ideamine/runs`]).toString('utf8').split('\n').filter(Boolean);
  if (runs.length !== 1) throw new Error(`expected one run on ideamine/${slug}, found: ${runs.join(', ') || 'none'}`);
  return runs[0] as string;
}

export interface HistoryCheck {
  readonly commits: number;
  readonly entries: number;
  /** Every way the history breaks "each commit's events are in the final ledger, in order, exactly once". */
  readonly problems: string[];
}

/**
 * Walks the state branch commit by commit: each commit's ledger must extend the previous one by exactly the events
 * its trailer names, end with the trailer's head hash, and pass the chain check; the last one is the tip's ledger.
 */
export function checkHistory(dir: string, slug: string, runId: string): HistoryCheck {
  const path = `.ideamine/runs/${runId}/ledger.jsonl`;
  const log = gitIn(dir, ['log', '--reverse', '--format=%H%x09%(trailers:key=IdeaMine-Event,valueonly,separator=%x2C)%x09%(trailers:key=IdeaMine-Head,valueonly)', `refs/heads/ideamine/${slug}`])
    .toString('utf8').split('\n').filter(Boolean).map((line) => {
      const [oid = '', events = '', head = ''] = line.split('\t');
      return { oid, events: events.split(',').filter(Boolean), head };
    });
  const out = gitIn(dir, ['cat-file', '--batch'], log.map((c) => `${c.oid}:${path}`).join('\n') + '\n');
  const problems: string[] = [];
  let at = 0;
  let previous = '';
  let entries = 0;
  for (const commit of log) {
    const nl = out.indexOf(10, at);
    const header = out.subarray(at, nl).toString('latin1');
    if (header.endsWith('missing')) {
      problems.push(`${commit.oid.slice(0, 12)}: no ledger`);
      at = nl + 1;
      continue;
    }
    const size = Number(header.split(' ')[2]);
    const text = out.subarray(nl + 1, nl + 1 + size).toString('utf8');
    at = nl + 1 + size + 1;
    const where = `${commit.oid.slice(0, 12)} (${commit.events.join(',') || 'no events'})`;
    if (!text.startsWith(previous)) problems.push(`${where}: the ledger does not extend the previous commit's (an entry was lost or rewritten)`);
    const added = text.slice(previous.length).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; hash: string });
    if (added.map((e) => e.type).join(',') !== commit.events.join(',')) problems.push(`${where}: added ${added.map((e) => e.type).join(',') || 'nothing'}`);
    const last = text.split('\n').filter(Boolean).at(-1);
    if (last && (JSON.parse(last) as { hash: string }).hash !== commit.head) problems.push(`${where}: head hash differs from the trailer`);
    const chain = checkLedger(text).problem;
    if (chain) problems.push(`${where}: ${JSON.stringify(chain)}`);
    previous = text;
    entries = text.split('\n').filter(Boolean).length;
  }
  return { commits: log.length, entries, problems };
}
