// The scheduled reconciliation (tick) as a pure plan: what is due, from the state branches and the ideas alone.
import { activeWaiver, dueTimers, expiredWaivers, pendingTimers, type RunState } from './run-state.js';

/** An idea file on the default branch. */
export interface IdeaListing {
  readonly slug: string;
  readonly file: string;
  /** The parsed idea's hash; null when the file does not parse (it still exists: the idea is not deleted). */
  readonly hash: string | null;
  readonly problem: string | null;
}

export interface SlugRuns {
  readonly slug: string;
  readonly runs: readonly RunState[];
}

export interface ReconcileInput {
  readonly now: Date;
  readonly defaultBranch: string;
  /** Ideas in the default branch's checkout; null when the checkout is another branch (no stalled or deleted checks then). */
  readonly ideas: readonly IdeaListing[] | null;
  readonly branches: readonly SlugRuns[];
  /** Open gate PRs that are ours, by the slug in their marker. */
  readonly gatePrs: readonly { readonly number: number; readonly slug: string }[];
}

export type StartReason = 'timer-due' | 'waiver-expired' | 'waiver-not-applied' | 'stalled' | 'not-started';

export interface ExpireWaivers {
  readonly slug: string;
  readonly runId: string;
  readonly phases: readonly { readonly phase: string; readonly by: string; readonly expiresAt: string; readonly waiverSeq: number }[];
}

export interface RemoveIdea {
  readonly slug: string;
  /** Runs not marked deleted yet. */
  readonly runIds: readonly string[];
  readonly prs: readonly number[];
}

export interface StartRun {
  readonly slug: string;
  /** The run it continues; null for a run not started yet. */
  readonly runId: string | null;
  readonly reasons: readonly { readonly kind: StartReason; readonly text: string }[];
}

export interface ReconcilePlan {
  readonly expire: readonly ExpireWaivers[];
  readonly remove: readonly RemoveIdea[];
  /** Slugs whose run workflow should be running; whether one already is, is asked of the Actions API afterwards. */
  readonly start: readonly StartRun[];
  /** Runs left alone on purpose (blocked on a human, waiting for a timer, an idea that does not parse). */
  readonly left: readonly string[];
}

const LIVE = (s: RunState): boolean => s.status !== 'superseded' && s.status !== 'deleted';
const latest = (runs: readonly RunState[]): RunState | null =>
  [...runs].sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt) || (a.runId < b.runId ? 1 : -1))[0] ?? null;

/** The run the idea's current text drives: same idea hash, not superseded or deleted; the latest when unknown. */
export function currentRun(runs: readonly RunState[], ideaHash: string | null): RunState | null {
  return latest(runs.filter((r) => LIVE(r) && (ideaHash === null || r.ideaHash === ideaHash)));
}

/** Why a run should be running now, or why it is left alone (a string). */
function dueReasons(run: RunState, now: Date): StartRun['reasons'] | string {
  const reasons: { kind: StartReason; text: string }[] = [];
  for (const t of dueTimers(run, now)) reasons.push({ kind: 'timer-due', text: `timer ${t.id} (${t.reason || 'wait'}) was due at ${t.notBefore}` });
  const expired = expiredWaivers(run, now);
  for (const w of expired) reasons.push({ kind: 'waiver-expired', text: `the waiver of ${w.phase} by ${w.by} expired at ${w.expiresAt ?? ''}` });
  if (run.status === 'running' && expired.length === 0) {
    const waiting = pendingTimers(run).filter((t) => Date.parse(t.notBefore) > now.getTime());
    if (reasons.length === 0 && waiting[0]) return `${run.runId} waits for timer ${waiting[0].id} (${waiting[0].reason || 'wait'}) until ${waiting[0].notBefore}.`;
    reasons.push({ kind: 'stalled', text: `${run.runId} is running` });
  }
  if (run.status === 'blocked') {
    const blocked = Object.entries(run.phases).filter(([, p]) => p.status === 'blocked').map(([id]) => id);
    const granted = blocked.filter((id) => activeWaiver(run, id, now) !== null);
    for (const id of granted) reasons.push({ kind: 'waiver-not-applied', text: `the waiver of ${id} is recorded but not applied yet` });
    if (reasons.length === 0) return `${run.runId} is blocked on a human (${blocked.join(', ') || 'no phase named'}).`;
  }
  return reasons;
}

export function planReconcile(input: ReconcileInput): ReconcilePlan {
  const expire: ExpireWaivers[] = [];
  const remove: RemoveIdea[] = [];
  const start: StartRun[] = [];
  const left: string[] = [];
  const ideas = input.ideas === null ? null : new Map(input.ideas.map((i) => [i.slug, i]));
  const branches = new Map(input.branches.map((b) => [b.slug, b.runs]));

  if (ideas !== null) {
    const gone = [...new Set([...branches.keys(), ...input.gatePrs.map((p) => p.slug)])].filter((slug) => !ideas.has(slug)).sort();
    for (const slug of gone) {
      const runIds = (branches.get(slug) ?? []).filter((r) => r.status !== 'deleted').map((r) => r.runId).sort();
      const prs = input.gatePrs.filter((p) => p.slug === slug).map((p) => p.number).sort((a, b) => a - b);
      if (runIds.length + prs.length > 0) remove.push({ slug, runIds, prs });
    }
  }

  const slugs = ideas === null ? [...branches.keys()].sort() : [...ideas.keys()].sort();
  for (const slug of slugs) {
    const idea = ideas?.get(slug) ?? null;
    if (idea?.problem) {
      left.push(`${slug}: ${idea.file} does not parse (${idea.problem}); nothing started.`);
      continue;
    }
    const runs = branches.get(slug) ?? [];
    const run = currentRun(runs, idea?.hash ?? null);
    if (!run) {
      if (idea === null) continue;
      const older = latest(runs.filter(LIVE));
      start.push({ slug, runId: null, reasons: [{ kind: 'not-started', text: older ? `the idea changed since run ${older.runId}` : 'no run yet' }] });
      continue;
    }
    const expired = expiredWaivers(run, input.now);
    if (expired.length > 0) {
      expire.push({ slug, runId: run.runId, phases: expired.map((w) => ({ phase: w.phase, by: w.by, expiresAt: w.expiresAt ?? '', waiverSeq: w.seq })) });
    }
    const reasons = dueReasons(run, input.now);
    if (typeof reasons === 'string') left.push(reasons);
    else if (reasons.length > 0) start.push({ slug, runId: run.runId, reasons });
  }
  return { expire, remove, start, left };
}
