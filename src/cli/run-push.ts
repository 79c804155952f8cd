// `ideamine run --push [--remote <name>]`: the flags, the pull before the run, and the push figures after it.
import { badInput } from '../core/errors.js';
import type { PullResult, PushStats, RemoteStore } from '../adapters/store/remote.js';
import type { RuntimeOptions } from './runtime.js';

export const PUSH_HELP = [
  '  --push          push every state commit of the run to the remote (compare-and-swap; a lost race is replayed',
  '                  onto the new tip, a protected or refusing remote stops the run naming the cause); the slug\'s',
  '                  state branch is pulled first. Without it nothing is pushed. Your own branch is never pushed.',
  '  --remote <name> the remote for --push (default origin)',
];

export interface PushSummary extends PushStats {
  readonly remote: string;
}

/** Runtime options from the parsed flags; --remote without --push is a mistake worth naming. */
export function pushOptions(values: { push?: boolean | undefined; remote?: string | undefined }): RuntimeOptions {
  if (values.remote !== undefined && !values.push) throw badInput('--remote only applies with --push', ['Add --push to push the state branch to that remote, or drop --remote.']);
  if (values.remote !== undefined && !/^[A-Za-z0-9][\w.-]*$/.test(values.remote)) {
    throw badInput(`--remote: "${values.remote}" is not a remote name`, ['Pass the name of a configured remote (see `git remote`), e.g. --remote origin.']);
  }
  return values.push ? { push: { remote: values.remote ?? 'origin' } } : {};
}

/** A line about what the pull did, or null when there is nothing worth saying. */
export function describePull(result: PullResult, slug: string, remote: string): string | null {
  const short = (oid: string | null): string => (oid ?? 'none').slice(0, 12);
  switch (result.action) {
    case 'fast-forward':
      return `Pulled ideamine/${slug} from ${remote} (${short(result.remote)}).`;
    case 'pushed':
      return `Pushed ideamine/${slug} commits ${remote} did not have yet (${short(result.local)}).`;
    case 'replaced':
      return `ideamine/${slug} here and on ${remote} had both moved: took ${remote}'s (${short(result.remote)}); the local tip was ${result.local ?? 'none'} (recover it with \`git branch rescue ${result.local ?? ''}\`).`;
    default:
      return null;
  }
}

export const pushSummary = (store: RemoteStore | null, remote: string): PushSummary | null => (store ? { remote, ...store.pushes } : null);

export function pushLine(summary: PushSummary): string {
  return `Pushes to ${summary.remote}: ${summary.ok} landed (${summary.commits} commit(s)), ${summary.lostRaces} lost race(s) replayed, ${summary.retries} transient retr${summary.retries === 1 ? 'y' : 'ies'}, ${summary.refused} refused.`;
}
