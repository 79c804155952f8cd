// A state store whose commits are pushed to a remote at once, as compare-and-swap: a lost push race
// fetches the remote tip and reports CONFLICT, so the session re-chains its events and tries again.
// Permanent refusals (protected branch, rulesets, push protection, size limits) stop with the cause.
import { ErrorCode, IdeaMineError } from '../../core/errors.js';
import type { CommitRequest, StateStore } from '../../ports/store.js';
import { DEFAULT_IDENTITY, gitEnvironment, runGit, type GitContext } from './git-exec.js';
import type { GitStore } from './git.js';

export interface RemoteOptions {
  readonly repoDir: string;
  readonly remote?: string;
}

export interface RemoteStore extends StateStore {
  /** Brings the slug's state branch from the remote (missing there = nothing to bring). */
  pull(slug: string): Promise<void>;
  readonly pushes: { ok: number; lostRaces: number };
  close(): Promise<void>;
}

// git's words for "someone else pushed first" over file://, git daemon and smart HTTP.
const LOST_RACE = /fetch first|non-fast-forward|cannot lock ref|failed to update ref|stale info|rejected.*\(.*(?:fetch|non-fast)/i;
const REFUSALS: readonly [RegExp, string][] = [
  [/GH006|protected branch/i, 'the branch is protected (branch protection)'],
  [/GH013|repository rule violations|rulesets?/i, 'a repository ruleset refuses the push'],
  [/push protection|secret scanning|GH009/i, 'push protection found a secret in the commit'],
  [/GH001|large files?|exceeds .* file size limit|too large/i, 'a size limit refuses the push'],
  [/pre-receive hook declined|hook declined/i, 'a pre-receive hook on the remote declined the push'],
  [/permission to .* denied|returned error: 403|authentication failed|could not read username/i, 'the token may not push to this repository (contents: write is needed)'],
];

export function classifyPushError(stderr: string): { kind: 'lost-race' } | { kind: 'refused'; cause: string } | { kind: 'other' } {
  for (const [pattern, cause] of REFUSALS) if (pattern.test(stderr)) return { kind: 'refused', cause };
  if (LOST_RACE.test(stderr)) return { kind: 'lost-race' };
  return { kind: 'other' };
}

export function withRemote(inner: GitStore, options: RemoteOptions): RemoteStore {
  const remote = options.remote ?? 'origin';
  const ctx: GitContext = { cwd: options.repoDir, env: gitEnvironment(DEFAULT_IDENTITY) };
  const ref = (slug: string): string => `refs/heads/ideamine/${slug}`;
  const pushes = { ok: 0, lostRaces: 0 };

  async function fetchTip(slug: string): Promise<void> {
    // Forced: the remote is the truth; our unpushed commit is re-made by the session on top of it.
    const result = await runGit(ctx, ['fetch', '--quiet', '--no-tags', remote, `+${ref(slug)}:${ref(slug)}`], { okCodes: [1, 128] });
    if (result.code !== 0 && !/couldn't find remote ref|no such ref/i.test(result.stderr)) {
      throw new IdeaMineError(ErrorCode.internal, `git fetch ${remote} ${ref(slug)} failed: ${result.stderr.trim()}`, { retryable: true });
    }
  }

  async function push(slug: string, commit: string, expected: string | null): Promise<void> {
    const result = await runGit(ctx, ['push', '--porcelain', '--quiet', remote, `${commit}:${ref(slug)}`], { okCodes: [1, 128] });
    if (result.code === 0) {
      pushes.ok += 1;
      return;
    }
    const verdict = classifyPushError(`${result.stderr}\n${result.stdout}`);
    // Our local commit must not survive a failed push: reset the local ref to what it was.
    await runGit(ctx, ['update-ref', ref(slug), expected ?? '0'.repeat(commit.length), commit], { okCodes: [1, 128] });
    if (expected === null) await runGit(ctx, ['update-ref', '-d', ref(slug)], { okCodes: [1, 128] });
    if (verdict.kind === 'refused') {
      throw new IdeaMineError(ErrorCode.refused, `push of ${ref(slug)} to ${remote} refused: ${verdict.cause}`, {
        details: [result.stderr.trim().split('\n').slice(-3).join(' '), 'This is permanent until someone changes the repository settings; nothing was retried.'],
      });
    }
    if (verdict.kind === 'lost-race') {
      pushes.lostRaces += 1;
      await fetchTip(slug);
      throw new IdeaMineError(ErrorCode.conflict, `lost a push race on ${ref(slug)}`, { retryable: true });
    }
    throw new IdeaMineError(ErrorCode.internal, `git push failed: ${result.stderr.trim()}`, { retryable: true });
  }

  return {
    tip: (slug) => inner.tip(slug),
    read: (slug, paths, at) => inner.read(slug, paths, at),
    list: (slug, dir) => inner.list(slug, dir),
    slugs: () => inner.slugs(),
    publish: (files, message) => inner.publish(files, message),
    readPublished: (path) => inner.readPublished(path),
    async commit(slug: string, request: CommitRequest): Promise<string> {
      const commit = await inner.commit(slug, request);
      await push(slug, commit, request.expectedTip);
      return commit;
    },
    pull: fetchTip,
    pushes,
    close: () => inner.close(),
  };
}
