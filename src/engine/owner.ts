// Lease owner ids ("host/pid/nonce") and what this process can learn about whether a previous holder still runs.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { parseOwner } from '../core/lease.js';

const nonce = randomBytes(4).toString('hex');

/** The workflow run, its attempt and the job this process is, inside GitHub Actions. */
export interface ActionsJob {
  readonly runId: string;
  readonly attempt: string;
  readonly job: string;
}

export function actionsJobOf(env: NodeJS.ProcessEnv): ActionsJob | null {
  const runId = env['GITHUB_RUN_ID'];
  if (env['GITHUB_ACTIONS'] !== 'true' || !runId) return null;
  return { runId, attempt: env['GITHUB_RUN_ATTEMPT'] || '1', job: env['GITHUB_JOB'] || 'job' };
}

const ACTIONS_HOST = /^actions:([^:]+):([^:]+):([^@]+)@/;

/** "host/pid/nonce"; inside Actions the host part names the run, attempt and job ("actions:<run>:<attempt>:<job>@<host>"). */
export function ownerId(env: NodeJS.ProcessEnv = process.env): string {
  const job = actionsJobOf(env);
  const host = job ? `actions:${job.runId}:${job.attempt}:${job.job.replace(/[/:@]/g, '_')}@${hostname()}` : hostname();
  return `${host}/${process.pid}/${nonce}`;
}

/**
 * false when the holder cannot be running any more, true when it is, 'unknown' when this process cannot tell
 * (then only the lease's expiry frees it).
 * - Same host: the holder's pid is asked.
 * - Both in GitHub Actions: a holder from another workflow run or another attempt is gone. GitHub runs one attempt
 *   of a run at a time ("Re-run failed jobs" starts only after the run ended), and the run workflow's concurrency
 *   group (one per idea, no cancel-in-progress) lets one run of the idea be in progress at a time. Without this,
 *   a job killed by the runner would hold its phase until the lease expired, and the re-run would be refused.
 */
export function holderAlive(owner: string, env: NodeJS.ProcessEnv = process.env): boolean | 'unknown' {
  const parsed = parseOwner(owner);
  if (!parsed) return 'unknown';
  const mine = actionsJobOf(env);
  const theirs = ACTIONS_HOST.exec(parsed.host);
  if (mine && theirs && (theirs[1] !== mine.runId || theirs[2] !== mine.attempt)) return false;
  const theirHost = theirs ? parsed.host.slice(parsed.host.indexOf('@') + 1) : parsed.host;
  if (theirHost !== hostname()) return 'unknown';
  if (parsed.pid === process.pid) return owner === ownerId(env);
  try {
    process.kill(parsed.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
