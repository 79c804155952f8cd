// Repository-wide caps the dispatcher enforces: runs in progress and model spend per calendar month (UTC).
import type { LedgerEntry } from './ledger.js';
import type { RunState } from './run-state.js';

export type CapName = 'max-runs-in-progress' | 'monthly-budget-usd' | 'retry-backoff';

export interface CapState {
  readonly maxRunsInProgress: number;
  /** Runs of the run workflow queued or in progress now, as the Actions API counts them. */
  readonly inProgress: number;
  /** Null: no spend cap. */
  readonly monthlyBudgetUsd: number | null;
  /** Spent this month so far; null when no spend cap asked for it. */
  readonly spentUsd: number | null;
  /** The month's first instant (ISO), named in messages. */
  readonly since: string;
}

export interface Candidate {
  readonly slug: string;
  /** The slug already has a run queued or in progress: another one waits in its concurrency group, adding none. */
  readonly active: boolean;
}

export interface Held {
  readonly slug: string;
  readonly cap: CapName;
  /** Which cap, the numbers, and that tick starts it when there is room. */
  readonly message: string;
}

const usd = (n: number): string => `$${n.toFixed(2)}`;

/** Decides, in order, which candidates may start now and which a cap holds back. */
export function admit(candidates: readonly Candidate[], caps: CapState): { admitted: string[]; held: Held[] } {
  const admitted: string[] = [];
  const held: Held[] = [];
  let running = caps.inProgress;
  const overBudget = caps.monthlyBudgetUsd !== null && caps.spentUsd !== null && caps.spentUsd >= caps.monthlyBudgetUsd;
  for (const c of candidates) {
    if (overBudget) {
      held.push({
        slug: c.slug, cap: 'monthly-budget-usd',
        message: `${c.slug} not started: monthly-budget-usd reached (${usd(caps.spentUsd ?? 0)} spent since ${caps.since.slice(0, 10)}, cap ${usd(caps.monthlyBudgetUsd ?? 0)}); tick will start it when there is room (next month or a higher cap).`,
      });
      continue;
    }
    if (!c.active && running >= caps.maxRunsInProgress) {
      held.push({
        slug: c.slug, cap: 'max-runs-in-progress',
        message: `${c.slug} not started: max-runs-in-progress reached (${running} runs queued or in progress, cap ${caps.maxRunsInProgress}); tick will start it when there is room.`,
      });
      continue;
    }
    if (!c.active) running += 1;
    admitted.push(c.slug);
  }
  return { admitted, held };
}

/** A finished or running workflow run of one idea, as the Actions API lists it. */
export interface RunRecord {
  readonly status: string;
  readonly conclusion: string | null;
  readonly createdAt: string;
}

/** Failed runs in a row (newest first) before tick waits; the wait doubles with each further failure, up to a day. */
export const BACKOFF_AFTER_FAILURES = 2;
const BACKOFF_BASE_MS = 30 * 60_000;
const BACKOFF_MAX_MS = 24 * 60 * 60_000;
const FAILED = new Set(['failure', 'timed_out', 'startup_failure', 'cancelled']);

/**
 * When an idea's run workflow keeps ending without success (a permanent refusal, a broken phase file, a cancel
 * by hand), tick stops restarting it every schedule: after BACKOFF_AFTER_FAILURES failed runs in a row it waits
 * 30 minutes from the latest one's start, doubling with each further failure, at most a day. Null: start it now.
 */
export function retryBackoff(runs: readonly RunRecord[], now: Date): { failures: number; until: Date } | null {
  const newestFirst = [...runs].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  let failures = 0;
  for (const run of newestFirst) {
    if (run.status !== 'completed' || !FAILED.has(run.conclusion ?? '')) break;
    failures += 1;
  }
  const latest = newestFirst[0];
  if (failures < BACKOFF_AFTER_FAILURES || !latest) return null;
  const wait = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (failures - BACKOFF_AFTER_FAILURES));
  const until = new Date(Date.parse(latest.createdAt) + wait);
  return until.getTime() > now.getTime() ? { failures, until } : null;
}

/** The first instant of `now`'s calendar month, UTC. */
export const monthStart = (now: Date): Date => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));

/**
 * A run's spend since `since` from its run.json alone: all of it when it started then, none when it last
 * changed before; null when it straddles the month's start (its ledger says which calls fell after).
 */
export function runSpendSince(state: Pick<RunState, 'startedAt' | 'updatedAt' | 'budget'>, since: Date): number | null {
  const spent = state.budget.spentUsd ?? 0;
  if (spent === 0 || Date.parse(state.updatedAt) < since.getTime()) return 0;
  if (Date.parse(state.startedAt) >= since.getTime()) return spent;
  return null;
}

/** The metered model calls' cost recorded at or after `since`. */
export function ledgerSpendSince(entries: readonly LedgerEntry[], since: Date): number {
  let total = 0;
  for (const e of entries) {
    const cost = e.data['costUsd'];
    if (e.type === 'model.call' && typeof cost === 'number' && Date.parse(e.time) >= since.getTime()) total += cost;
  }
  return total;
}
