// A state store whose commits are pushed to a remote at once, as compare-and-swap: a lost push race
// fetches the remote tip and reports CONFLICT, so the session re-chains its events and tries again.
// Permanent refusals (protected branch, rulesets, push protection, size limits) stop with the cause.
import { setTimeout as sleep } from 'node:timers/promises';
import { badInput, ErrorCode, IdeaMineError } from '../../core/errors.js';
import type { CommitRequest, StateStore } from '../../ports/store.js';
import { DEFAULT_IDENTITY, gitEnvironment, runGit, type GitContext } from './git-exec.js';
import type { GitStore } from './git.js';

export interface RemoteOptions {
  readonly repoDir: string;
  readonly remote?: string;
  /** Retries of a push or fetch that failed for a passing reason (HTTP 5xx, connection reset); default 3. */
  readonly transientRetries?: number;
  /** First backoff before such a retry (doubled each time, with jitter); default 250 ms. */
  readonly retryDelayMs?: number;
}

export interface PushStats {
  /** Pushes that landed. */
  ok: number;
  /** Commits those pushes brought to the remote (one per commit of a run; more when pull sends unpushed ones). */
  commits: number;
  /** Pushes rejected because another writer moved the branch first (the session re-chains and retries). */
  lostRaces: number;
  /** Pushes and fetches repeated after a passing failure. */
  retries: number;
  /** Permanent refusals (stop at once). */
  refused: number;
}

/** What pull did: nothing on either side, already equal, local brought up to the remote, local commits pushed, or local replaced. */
export interface PullResult {
  readonly action: 'absent' | 'up-to-date' | 'fast-forward' | 'pushed' | 'replaced';
  readonly local: string | null;
  readonly remote: string | null;
}

export interface RemoteStore extends StateStore {
  /**
   * Brings the slug's state branch in line with the remote before a run: the remote's commits come in
   * (fast-forward), local commits it lacks go out (a push killed earlier), and when both moved the remote
   * wins (`replaced`; the old local tip is in `local` and in git's reflog).
   */
  pull(slug: string): Promise<PullResult>;
  readonly pushes: PushStats;
  close(): Promise<void>;
}

// git's words for "someone else pushed first" over file://, git daemon and smart HTTP.
const LOST_RACE = /fetch first|non-fast-forward|cannot lock ref|failed to update ref|stale info|rejected.*\(.*(?:fetch|non-fast)/i;
const REFUSALS: readonly [RegExp, string][] = [
  [/GH006|protected branch/i, 'the branch is protected (branch protection)'],
  [/GH013|repository rule violations|rulesets?/i, 'a repository ruleset refuses the push'],
  [/push protection|secret scanning|GH009/i, 'push protection found a secret in the commit'],
  [/GH001|large files?|exceeds .* file size limit|too large|returned error: 413/i, 'a size limit refuses the push'],
  [/pre-receive hook declined|hook declined/i, 'a pre-receive hook on the remote declined the push'],
  [/permission to .* denied|returned error: 403|authentication failed|could not read username/i, 'the token may not push to this repository (contents: write is needed)'],
];
// Failures that pass: the server or the network, not the push itself.
const TRANSIENT = /returned error: (?:5\d\d|408|429)|RPC failed|remote end hung up|early EOF|unexpected disconnect|connection (?:refused|reset|timed out)|failed to connect|couldn't connect|empty reply from server|operation timed out|could not resolve host/i;

export type PushVerdict = { kind: 'lost-race' } | { kind: 'refused'; cause: string } | { kind: 'transient' } | { kind: 'other' };

/** What git's output says about a failed push or fetch. */
export function classifyPushError(stderr: string): PushVerdict {
  for (const [pattern, cause] of REFUSALS) if (pattern.test(stderr)) return { kind: 'refused', cause };
  if (LOST_RACE.test(stderr)) return { kind: 'lost-race' };
  if (TRANSIENT.test(stderr)) return { kind: 'transient' };
  return { kind: 'other' };
}

/** BAD_INPUT naming the remote and the remotes that exist, when `remote` is not configured in the repository. */
export async function checkRemote(repoDir: string, remote: string): Promise<void> {
  const ctx: GitContext = { cwd: repoDir, env: gitEnvironment(DEFAULT_IDENTITY) };
  const found = await runGit(ctx, ['remote', 'get-url', '--push', remote], { okCodes: [1, 2, 128] });
  if (found.code === 0) return;
  const names = (await runGit(ctx, ['remote'], { okCodes: [128] })).stdout.split('\n').filter(Boolean);
  throw badInput(`--remote: this repository has no remote named "${remote}"`, [
    names.length > 0 ? `Remotes here: ${names.join(', ')}; pass one with --remote <name>.` : 'This repository has no remotes.',
    `Add one with \`git remote add ${remote} <url>\`, or run without --push to keep the state local.`,
  ]);
}

/** What git and the remote said that explains a failure: the remote's own words, rejected refs, errors. */
function gitSays(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && l !== 'remote:' && l !== 'Done');
  const telling = lines.filter((l) => /^(?:remote:|error:|fatal:)|\[(?:remote )?rejected\]/.test(l));
  return (telling.length > 0 ? telling : lines).slice(-6).join(' | ');
}

export function withRemote(inner: GitStore, options: RemoteOptions): RemoteStore {
  const remote = options.remote ?? 'origin';
  const ctx: GitContext = { cwd: options.repoDir, env: gitEnvironment(DEFAULT_IDENTITY) };
  const ref = (slug: string): string => `refs/heads/ideamine/${slug}`;
  const pushes: PushStats = { ok: 0, commits: 0, lostRaces: 0, retries: 0, refused: 0 };
  const retriesAllowed = options.transientRetries ?? 3;
  const firstDelay = options.retryDelayMs ?? 250;
  // A permanent refusal is remembered per slug: later commits stop at once instead of asking the remote again.
  const refusals = new Map<string, IdeaMineError>();

  /** Runs a network git call, repeating it after passing failures (bounded, exponential backoff with jitter). */
  async function network(args: readonly string[]): Promise<{ code: number; stdout: string; out: string }> {
    for (let attempt = 0; ; attempt += 1) {
      const result = await runGit(ctx, args, { okCodes: [1, 2, 128] });
      const out = `${result.stderr}\n${result.stdout}`;
      if (result.code === 0 || attempt >= retriesAllowed || classifyPushError(out).kind !== 'transient') return { code: result.code, stdout: result.stdout, out };
      pushes.retries += 1;
      await sleep(firstDelay * 2 ** attempt * (0.5 + Math.random()));
    }
  }

  const hasCommit = async (oid: string): Promise<boolean> =>
    (await runGit(ctx, ['cat-file', '-e', `${oid}^{commit}`], { okCodes: [1, 128] })).code === 0;

  /**
   * The remote's tip of the slug's branch with its objects here (null when the remote has no such branch).
   * No ref is written for it (no remote-tracking ref whose lock a killed fetch could leave behind).
   */
  async function fetchTip(slug: string): Promise<string | null> {
    for (let round = 0; ; round += 1) {
      const listed = await network(['ls-remote', '--refs', remote, ref(slug)]);
      if (listed.code !== 0) throw new IdeaMineError(ErrorCode.internal, `git ls-remote ${remote} failed: ${gitSays(listed.out)}`, { retryable: true });
      const tip = listed.stdout.split('\n').map((line) => line.split('\t')).find(([, name]) => name === ref(slug))?.[0] ?? null;
      if (tip === null || (await hasCommit(tip))) return tip;
      const fetched = await network(['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', remote, ref(slug)]);
      if (fetched.code !== 0 && !/couldn't find remote ref|no such ref/i.test(fetched.out)) {
        throw new IdeaMineError(ErrorCode.internal, `git fetch ${remote} ${ref(slug)} failed: ${gitSays(fetched.out)}`, { retryable: true });
      }
      // The branch moved between the two calls: a fast-forward brings the listed tip along; a rewrite does not.
      if (await hasCommit(tip)) return tip;
      if (round >= 3) throw new IdeaMineError(ErrorCode.conflict, `${ref(slug)} on ${remote} keeps being rewritten; cannot fetch it`, { retryable: true });
    }
  }

  const isAncestor = async (a: string, b: string): Promise<boolean> =>
    (await runGit(ctx, ['merge-base', '--is-ancestor', a, b], { okCodes: [1] })).code === 0;

  /** Moves the local state branch from `from` to `to` (compare-and-swap; null deletes or expects no branch). */
  async function moveLocal(slug: string, to: string | null, from: string | null): Promise<void> {
    const zero = '0'.repeat((to ?? from ?? '').length || 40);
    if (to === null) await runGit(ctx, ['update-ref', '-d', ref(slug), from ?? zero]);
    else await runGit(ctx, ['update-ref', '-m', `ideamine: from ${remote}`, ref(slug), to, from ?? zero]);
  }

  /** Pushes `commit` (`count` commits new to the remote) as the slug's branch; fast-forward only, so the remote never loses one. */
  async function push(slug: string, commit: string, count: number): Promise<'pushed' | 'lost-race'> {
    const result = await network(['push', '--porcelain', '--quiet', remote, `${commit}:${ref(slug)}`]);
    if (result.code === 0) {
      pushes.ok += 1;
      pushes.commits += count;
      return 'pushed';
    }
    const verdict = classifyPushError(result.out);
    if (verdict.kind === 'refused') {
      pushes.refused += 1;
      const error = new IdeaMineError(ErrorCode.refused, `push of ${ref(slug)} to ${remote} refused: ${verdict.cause}`, {
        details: [
          gitSays(result.out),
          'This is permanent until someone changes the repository settings; nothing was retried.',
          `Nothing is lost: the state is committed on the local branch ideamine/${slug}; run again with --push once the remote accepts it.`,
        ],
      });
      refusals.set(slug, error);
      throw error;
    }
    if (verdict.kind === 'lost-race') {
      pushes.lostRaces += 1;
      return 'lost-race';
    }
    throw new IdeaMineError(ErrorCode.internal, `git push ${remote} ${ref(slug)} failed: ${gitSays(result.out)}`, {
      retryable: true, details: [`The commit is kept on the local branch ideamine/${slug}; run again with --push to send it.`],
    });
  }

  async function pull(slug: string): Promise<PullResult> {
    for (let round = 0; ; round += 1) {
      const [remoteTip, local] = [await fetchTip(slug), await inner.tip(slug)];
      if (remoteTip === local) return { action: remoteTip === null ? 'absent' : 'up-to-date', local, remote: remoteTip };
      if (remoteTip !== null && (local === null || (await isAncestor(local, remoteTip)))) {
        await moveLocal(slug, remoteTip, local);
        return { action: 'fast-forward', local, remote: remoteTip };
      }
      if (local !== null && (remoteTip === null || (await isAncestor(remoteTip, local)))) {
        const count = Number((await runGit(ctx, ['rev-list', '--count', local, ...(remoteTip ? [`^${remoteTip}`] : [])])).stdout.trim());
        if ((await push(slug, local, count)) === 'pushed') return { action: 'pushed', local, remote: remoteTip };
        if (round >= 3) throw new IdeaMineError(ErrorCode.conflict, `could not push ${ref(slug)} to ${remote}: the remote kept moving`, { retryable: true });
        continue;
      }
      await moveLocal(slug, remoteTip, local);
      return { action: 'replaced', local, remote: remoteTip };
    }
  }

  return {
    tip: (slug) => inner.tip(slug),
    read: (slug, paths, at) => inner.read(slug, paths, at),
    list: (slug, dir) => inner.list(slug, dir),
    slugs: () => inner.slugs(),
    publish: (files, message) => inner.publish(files, message),
    readPublished: (path) => inner.readPublished(path),
    async commit(slug: string, request: CommitRequest): Promise<string> {
      const refused = refusals.get(slug);
      if (refused) throw refused;
      const commit = await inner.commit(slug, request);
      if ((await push(slug, commit, 1)) === 'pushed') return commit;
      // Our commit must not survive a lost race: the local branch takes the remote's tip, the session re-chains on it.
      const theirs = await fetchTip(slug);
      await moveLocal(slug, theirs ?? request.expectedTip, commit);
      throw new IdeaMineError(ErrorCode.conflict, `lost a push race on ${ref(slug)}`, { retryable: true });
    },
    pull,
    pushes,
    close: () => inner.close(),
  };
}
