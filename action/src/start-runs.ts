// Starting run workflows under the repository-wide caps: shared by dispatch (push) and tick (re-dispatch).
import * as core from '@actions/core';
import { admit, retryBackoff, type Held } from '../../src/core/run-caps.js';
import { slugOfRunTitle } from '../../src/core/workflow-gen.js';
import type { Forge, WorkflowRun } from '../../src/ports/forge.js';
import type { ActionOptions } from './options.js';

export const RUN_WORKFLOW = 'ideamine-run.yml';

export interface ActiveRuns {
  /** Runs of the run workflow queued or in progress (what the cap counts). */
  readonly count: number;
  /** Slug → the id of one of its queued or in-progress runs (from the run's title, "ideamine-run <slug>"). */
  readonly bySlug: ReadonlyMap<string, number>;
  /** Runs whose title names no slug (a run workflow without `run-name`): counted, not attributed. */
  readonly untitled: number;
}

/** Asks the Actions API (two listings, one page each while under 100) which runs are queued or in progress. */
export async function activeRuns(forge: Forge): Promise<ActiveRuns> {
  const seen = new Map<number, string>();
  // A run that moves from queued to in_progress between the two requests appears twice: counted once.
  for (const status of ['queued', 'in_progress'] as const) {
    for (const run of await forge.listWorkflowRuns(RUN_WORKFLOW, status)) seen.set(run.id, run.displayTitle);
  }
  const bySlug = new Map<string, number>();
  let untitled = 0;
  for (const [id, title] of seen) {
    const slug = slugOfRunTitle(title);
    if (slug === null) untitled += 1;
    else if (!bySlug.has(slug)) bySlug.set(slug, id);
  }
  return { count: seen.size, bySlug, untitled };
}

/** How many recent runs are read to order candidates fairly: one page. */
const RECENT_RUNS = 100;

/**
 * When the in-progress cap will hold some candidates back, the least recently started go first (never
 * started before all), so an idea held by one tick is not starved by others that keep being re-dispatched.
 * Costs one listing of recent runs, only then.
 */
async function fairOrder(recent: () => Promise<readonly WorkflowRun[]>, candidates: { slug: string; active: boolean }[], room: number): Promise<{ slug: string; active: boolean }[]> {
  if (candidates.filter((c) => !c.active).length <= room) return candidates;
  const last = new Map<string, number>();
  for (const run of await recent()) {
    const slug = slugOfRunTitle(run.displayTitle);
    if (slug !== null) last.set(slug, Math.max(last.get(slug) ?? 0, Date.parse(run.createdAt)));
  }
  return candidates
    .map((c, i) => ({ c, i, at: last.get(c.slug) ?? 0 }))
    .sort((a, b) => a.at - b.at || a.i - b.i)
    .map(({ c }) => c);
}

export interface StartRequest {
  readonly slugs: readonly string[];
  /** Branch the run workflow is dispatched on (the default branch). */
  readonly ref: string;
  /** tick: a slug that already has a run queued or in progress is not dispatched again. */
  readonly skipActive: boolean;
  /** This month's spend, asked only when a monthly cap is set. */
  readonly spent: () => Promise<{ usd: number; since: Date }>;
  /** tick: slugs restarted because they stalled or never started, which back off when their runs keep failing. */
  readonly backoff?: ReadonlySet<string>;
  /** Now, for the backoff (tick's clock). */
  readonly now?: Date;
}

export interface StartOutcome {
  readonly started: string[];
  readonly held: Held[];
  /** Slug → the run already queued or in progress (skipActive). */
  readonly alreadyActive: ReadonlyMap<string, number>;
  readonly active: ActiveRuns;
}

export async function startRuns(options: ActionOptions, forge: Forge, request: StartRequest): Promise<StartOutcome> {
  const active = await activeRuns(forge);
  const alreadyActive = new Map<string, number>();
  const candidates: { slug: string; active: boolean }[] = [];
  for (const slug of request.slugs) {
    const running = active.bySlug.get(slug);
    if (request.skipActive && running !== undefined) alreadyActive.set(slug, running);
    else candidates.push({ slug, active: running !== undefined });
  }
  // One listing of recent runs, asked only when the backoff or the fair order needs it.
  let recentRuns: Promise<readonly WorkflowRun[]> | null = null;
  const recent = (): Promise<readonly WorkflowRun[]> => (recentRuns ??= forge.listWorkflowRuns(RUN_WORKFLOW, undefined, RECENT_RUNS));
  const backedOff: Held[] = [];
  if (request.backoff && candidates.some((c) => request.backoff?.has(c.slug))) {
    const runs = await recent();
    for (const c of [...candidates]) {
      if (!request.backoff.has(c.slug)) continue;
      const wait = retryBackoff(runs.filter((r) => slugOfRunTitle(r.displayTitle) === c.slug), request.now ?? new Date());
      if (!wait) continue;
      candidates.splice(candidates.indexOf(c), 1);
      backedOff.push({
        slug: c.slug, cap: 'retry-backoff',
        message: `${c.slug} not restarted: its last ${wait.failures} runs of ${RUN_WORKFLOW} ended without success; tick tries again after ${wait.until.toISOString()} (start it by hand with workflow_dispatch to try sooner).`,
      });
    }
  }
  const spent = candidates.length > 0 && options.monthlyBudgetUsd !== null ? await request.spent() : null;
  const overBudget = spent !== null && options.monthlyBudgetUsd !== null && spent.usd >= options.monthlyBudgetUsd;
  const ordered = overBudget ? candidates : await fairOrder(recent, candidates, options.maxRunsInProgress - active.count);
  const { admitted, held: capped } = admit(ordered, {
    maxRunsInProgress: options.maxRunsInProgress, inProgress: active.count,
    monthlyBudgetUsd: options.monthlyBudgetUsd, spentUsd: spent?.usd ?? null, since: (spent?.since ?? new Date()).toISOString(),
  });
  const held = [...backedOff, ...capped];
  for (const slug of admitted) {
    await forge.dispatchRun(RUN_WORKFLOW, request.ref, { slug });
    core.info(`Started ${RUN_WORKFLOW} on ${request.ref} for ${slug}.`);
  }
  for (const h of held) core.notice(h.message, { title: `IdeaMine: ${h.cap}` });
  return { started: admitted, held, alreadyActive, active };
}
