// Reads every state branch once (one git fetch): each run's state and this month's spend; and the ideas in the checkout.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_IDENTITY, gitEnvironment, runGit } from '../../src/adapters/store/git-exec.js';
import { ErrorCode, IdeaMineError } from '../../src/core/errors.js';
import { parseIdea } from '../../src/core/idea-parse.js';
import { SLUG_PATTERN } from '../../src/core/idea.js';
import { FORMAT_VERSION, parseLedger } from '../../src/core/ledger.js';
import type { IdeaListing, SlugRuns } from '../../src/core/reconcile.js';
import { ledgerSpendSince, monthStart, runSpendSince } from '../../src/core/run-caps.js';
import { replay, type RunState } from '../../src/core/run-state.js';
import { runDir } from '../../src/core/run-id.js';
import type { StateStore } from '../../src/ports/store.js';

export interface StateScan {
  readonly branches: SlugRuns[];
  /** Model spend since `since` over every run of every state branch (superseded and deleted ones too: spend is spend). */
  readonly spentUsd: number;
  readonly since: Date;
  /** Runs that could not be read, one line each (the others are still reconciled). */
  readonly problems: string[];
}

const ctxOf = (workspace: string): { cwd: string; env: NodeJS.ProcessEnv } => ({ cwd: workspace, env: gitEnvironment(DEFAULT_IDENTITY) });

/** Brings every state branch from origin in one fetch; branches gone there are dropped here. */
export async function fetchStateBranches(workspace: string, remote = 'origin'): Promise<void> {
  const result = await runGit(ctxOf(workspace), ['fetch', '--quiet', '--no-tags', '--prune', remote, '+refs/heads/ideamine/*:refs/heads/ideamine/*'], { okCodes: [1, 128] });
  if (result.code !== 0) {
    throw new IdeaMineError(ErrorCode.internal, `git fetch ${remote} refs/heads/ideamine/* failed: ${result.stderr.trim()}`, {
      retryable: true, details: ['The job needs `contents: read` and a checkout with credentials (actions/checkout does this).'],
    });
  }
}

/** The branch the workspace has checked out: GITHUB_REF when the runner sets it, else git's HEAD. */
export async function checkedOutBranch(workspace: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  const ref = env['GITHUB_REF'] ?? '';
  if (ref.startsWith('refs/heads/')) return ref.slice('refs/heads/'.length);
  const head = await runGit(ctxOf(workspace), ['symbolic-ref', '--short', '-q', 'HEAD'], { okCodes: [1, 128] });
  return head.code === 0 ? head.stdout.trim() || null : null;
}

/** run.json is a cache: used when it parses and is of a format this code knows, else the ledger is replayed. */
function fromCache(text: string | null | undefined): RunState | null {
  if (!text) return null;
  try {
    const state = JSON.parse(text) as Partial<RunState>;
    if (state.formatVersion !== FORMAT_VERSION || typeof state.runId !== 'string' || typeof state.status !== 'string' || !state.phases || !state.budget) return null;
    return { ...state, timers: state.timers ?? [], waivers: state.waivers ?? [] } as RunState;
  } catch {
    return null;
  }
}

export async function scanState(store: StateStore, now: Date): Promise<StateScan> {
  const since = monthStart(now);
  const branches: SlugRuns[] = [];
  const problems: string[] = [];
  let spentUsd = 0;
  for (const slug of await store.slugs()) {
    const ids = await store.list(slug, '.ideamine/runs');
    const cached = await store.read(slug, ids.map((id) => `${runDir(id)}/run.json`));
    const runs: RunState[] = [];
    for (const id of ids) {
      const ledgerPath = `${runDir(id)}/ledger.jsonl`;
      let state = fromCache(cached.get(`${runDir(id)}/run.json`));
      let ledger: ReturnType<typeof parseLedger> | null = null;
      try {
        const need = state === null || runSpendSince(state, since) === null;
        if (need) {
          const text = (await store.read(slug, [ledgerPath])).get(ledgerPath);
          if (!text) continue;
          ledger = parseLedger(text, ledgerPath, `branch ideamine/${slug}`);
          state ??= replay(ledger);
        }
      } catch (caught) {
        problems.push(`${id} on ideamine/${slug}: ${caught instanceof Error ? caught.message : String(caught)}`);
        continue;
      }
      if (state === null) continue;
      runs.push(state);
      spentUsd += runSpendSince(state, since) ?? (ledger ? ledgerSpendSince(ledger, since) : 0);
    }
    branches.push({ slug, runs });
  }
  return { branches, spentUsd, since, problems };
}

/** Idea files directly under ideas/ (not the README): slug, file and hash, or why it does not parse. */
export async function listIdeas(workspace: string): Promise<IdeaListing[]> {
  const names = await readdir(join(workspace, 'ideas'), { withFileTypes: true }).catch(() => []);
  const ideas: IdeaListing[] = [];
  for (const entry of names.filter((e) => e.isFile() && !/^readme(\.md)?$/i.test(e.name)).sort((a, b) => a.name.localeCompare(b.name))) {
    const file = `ideas/${entry.name}`;
    const slug = /^(.+)\.(?:ya?ml|md)$/.exec(entry.name)?.[1] ?? '';
    if (!SLUG_PATTERN.test(slug) || ideas.some((i) => i.slug === slug)) continue;
    const parsed = parseIdea({ file, bytes: await readFile(join(workspace, file)) });
    ideas.push(parsed.ok
      ? { slug, file, hash: parsed.value.hash, problem: null }
      : { slug, file, hash: null, problem: parsed.issues[0] ?? 'invalid' });
  }
  return ideas;
}
