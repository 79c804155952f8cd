// Commits files to a branch with GitHub's Git data API (tree with inline content, commit, compare-and-swap ref update).
import { setTimeout as sleep } from 'node:timers/promises';
import { badInput } from '../../core/errors.js';
import type { ForgeCommitRequest, ForgeCommitResult } from '../../ports/forge.js';
import { commitRefusal, forgeError, isLostRace, isStatus } from './github-errors.js';
import type { ForgeOctokit } from './github-octokit.js';

/** Lost races (tip moved, branch created by another writer) are rebuilt on, this many times. */
export const MAX_RACE_RETRIES = 4;

export interface RepoRef {
  readonly octokit: ForgeOctokit;
  readonly owner: string;
  readonly repo: string;
  readonly defaultBranch: () => Promise<string>;
  /** Milliseconds of jitter unit between race retries (tests use 0). */
  readonly raceJitterMs: number;
}

/** The commit a branch points at, or null when the branch does not exist. */
export async function branchTip(ctx: RepoRef, branch: string): Promise<string | null> {
  try {
    const { data } = await ctx.octokit.rest.git.getRef({ owner: ctx.owner, repo: ctx.repo, ref: `heads/${branch}` });
    return data.object.sha;
  } catch (caught) {
    if (isStatus(caught, 404)) return null;
    throw caught;
  }
}

function checkPaths(request: ForgeCommitRequest): void {
  if (request.files.length === 0) throw badInput(`commitFiles(${request.branch}): no files to commit`);
  for (const file of request.files) {
    if (file.path === '' || file.path.startsWith('/') || file.path.split('/').some((s) => s === '' || s === '.' || s === '..')) {
      throw badInput(`commitFiles(${request.branch}): path "${file.path}" must be relative, without empty, "." or ".." segments`);
    }
  }
}

async function attempt(ctx: RepoRef, request: ForgeCommitRequest): Promise<ForgeCommitResult> {
  const { octokit, owner, repo } = ctx;
  const tip = await branchTip(ctx, request.branch);
  const created = tip === null;
  const base = tip ?? request.startFrom ?? (await branchTip(ctx, await ctx.defaultBranch()));
  if (base === null) throw forgeError(`committing to ${request.branch}`, new Error('the default branch has no commits'));
  const { data: baseCommit } = await octokit.rest.git.getCommit({ owner, repo, commit_sha: base });
  const { data: tree } = await octokit.rest.git.createTree({
    owner, repo, base_tree: baseCommit.tree.sha,
    // Inline content saves a blob request per file; a null sha deletes the path.
    tree: request.files.map((f) => (f.content === null
      ? { path: f.path, mode: '100644' as const, type: 'blob' as const, sha: null }
      : { path: f.path, mode: '100644' as const, type: 'blob' as const, content: f.content })),
  });
  if (!created && tree.sha === baseCommit.tree.sha) return { kind: 'unchanged', commit: base };
  const { data: commit } = await octokit.rest.git.createCommit({ owner, repo, message: request.message, tree: tree.sha, parents: [base] });
  if (created) {
    await octokit.rest.git.createRef({ owner, repo, ref: `refs/heads/${request.branch}`, sha: commit.sha });
  } else {
    await octokit.rest.git.updateRef({ owner, repo, ref: `heads/${request.branch}`, sha: commit.sha, force: false });
  }
  return { kind: 'committed', commit: commit.sha, created };
}

/**
 * Builds on the branch's tip (or creates the branch) and moves the ref without force, so a
 * concurrent writer is never overwritten: a lost race re-reads the tip and rebuilds, bounded.
 */
export async function commitFiles(ctx: RepoRef, request: ForgeCommitRequest): Promise<ForgeCommitResult> {
  checkPaths(request);
  let lastRace: unknown;
  for (let race = 0; race <= MAX_RACE_RETRIES; race += 1) {
    try {
      return await attempt(ctx, request);
    } catch (caught) {
      const refusal = commitRefusal(caught);
      if (refusal) return { kind: 'refused', ...refusal };
      if (!isLostRace(caught)) throw caught instanceof Error && !('status' in caught) ? caught : forgeError(`committing to ${request.branch}`, caught);
      lastRace = caught;
      if (ctx.raceJitterMs > 0) await sleep(Math.round(ctx.raceJitterMs * (race + 1) * (0.5 + Math.random())));
    }
  }
  throw forgeError(`committing to ${request.branch}: the branch kept moving (${MAX_RACE_RETRIES + 1} attempts)`, lastRace);
}
