// `command: tick` (schedule, workflow_dispatch): reconciles whatever is due from the state branches and the Actions API.
import * as core from '@actions/core';
import { systemClock } from '../../../src/adapters/clock/system.js';
import { createGitStore } from '../../../src/adapters/store/git.js';
import { withRemote, type RemoteStore } from '../../../src/adapters/store/remote.js';
import type { NewEvent } from '../../../src/core/ledger.js';
import { planReconcile, type ExpireWaivers, type RemoveIdea } from '../../../src/core/reconcile.js';
import { expiredWaivers } from '../../../src/core/run-state.js';
import { scrub } from '../../../src/core/scrub.js';
import { RunSession, type SessionDeps } from '../../../src/engine/session.js';
import type { Forge } from '../../../src/ports/forge.js';
import type { ActionOptions } from '../options.js';
import { checkedOutBranch, fetchStateBranches, listIdeas, scanState } from '../state-scan.js';
import { RUN_WORKFLOW, startRuns } from '../start-runs.js';
import { writeTickSummary } from '../summary.js';
import { forgeFor, requestsOf, type CommandResult } from './dispatch.js';
import { jobSecrets } from './engine-run.js';
import { reviewPr } from './review.js';

interface Report {
  readonly actions: string[];
  readonly left: string[];
  held: string[];
}

/** (d) An idea gone from the default branch: its runs are marked deleted, then its gate PRs closed with a comment. */
async function removeIdea(options: ActionOptions, deps: SessionDeps, prs: Forge, r: RemoveIdea, branch: string): Promise<string[]> {
  const done: string[] = [];
  const reason = `ideas/${r.slug}.yaml (or .yml, .md) is no longer on ${branch}`;
  for (const runId of r.runIds) {
    const session = await RunSession.open(deps, r.slug, runId);
    // The ledger decides, not the run.json cache the plan was made from.
    if (!session || session.state.status === 'deleted') continue;
    await session.record([{ type: 'run.deleted', phase: null, data: { reason } }]);
    done.push(`Recorded run.deleted for ${runId}: ${reason}.`);
  }
  for (const n of r.prs) {
    await prs.closeGatePr(n, `${reason}: IdeaMine marked its runs deleted and closes this gate pull request. ${options.runUrl}`);
    done.push(`Closed gate pull request #${n} of ${r.slug}: the idea was deleted.`);
  }
  return done;
}

/** (b) Waivers past their expiry reopen their gates: one waiver.expired per phase, in one commit. */
async function expireWaivers(deps: SessionDeps, e: ExpireWaivers, now: Date): Promise<string[]> {
  const session = await RunSession.open(deps, e.slug, e.runId);
  if (!session) return [];
  const still = new Set(expiredWaivers(session.state, now).map((w) => w.phase));
  const due = e.phases.filter((p) => still.has(p.phase));
  if (due.length === 0) return [];
  const events: NewEvent[] = due.map((p) => ({ type: 'waiver.expired', phase: p.phase, data: { phase: p.phase, by: p.by, expiresAt: p.expiresAt, waiverSeq: p.waiverSeq } }));
  await session.record(events);
  return due.map((p) => `Recorded waiver.expired for ${p.phase} of ${e.runId}: the waiver by ${p.by} expired at ${p.expiresAt}; the gate is open again.`);
}

async function reconcile(options: ActionOptions, store: RemoteStore, api: Forge, prs: Forge, report: Report): Promise<void> {
  const secrets = jobSecrets(options);
  const deps: SessionDeps = { store, clock: systemClock, scrub: (text) => scrub(text, secrets) };
  const { defaultBranch } = await api.repoInfo();
  const branch = await checkedOutBranch(options.workspace, options.env);
  const onDefault = branch === defaultBranch;
  if (!onDefault) report.left.push(`The checkout is ${branch ?? 'a detached HEAD'}, not ${defaultBranch}: ideas not started and deleted ideas are not reconciled from it.`);
  await fetchStateBranches(options.workspace);
  const now = systemClock.now();
  const scan = await scanState(store, now);
  report.left.push(...scan.problems.map((p) => `Not readable: ${p}`));
  const open = await prs.listGatePrs();
  const plan = planReconcile({
    now, defaultBranch, ideas: onDefault ? await listIdeas(options.workspace) : null, branches: scan.branches,
    gatePrs: open.flatMap((p) => (p.marker ? [{ number: p.number, slug: p.marker.slug }] : [])),
  });
  report.left.push(...plan.left);

  for (const r of plan.remove) report.actions.push(...(await removeIdea(options, deps, prs, r, defaultBranch)));
  // Missed review events: every open gate PR of an idea still there is evaluated as the review job would.
  const closed = new Set(plan.remove.flatMap((r) => r.prs));
  const resumed = new Set<string>();
  for (const pr of open.filter((p) => !closed.has(p.number))) {
    const outcome = await reviewPr(options, prs, api, store, pr.number);
    if (outcome.status === 'done' && pr.marker) resumed.add(pr.marker.slug);
    for (const note of outcome.notes) {
      // A refusal is answered with a comment: an action, although nothing was recorded.
      (outcome.status === 'done' || note.startsWith('Refused input') ? report.actions : report.left).push(`#${pr.number}: ${note}`);
    }
  }
  for (const e of plan.expire) report.actions.push(...(await expireWaivers(deps, e, now)));

  // (a) due timers, (b) reopened gates, (c) runs that should be running: one dispatch per slug, review's included.
  const due = plan.start.filter((s) => !resumed.has(s.slug));
  if (due.length === 0) return;
  const outcome = await startRuns(options, api, {
    slugs: due.map((s) => s.slug), ref: defaultBranch, skipActive: true, spent: () => Promise.resolve({ usd: scan.spentUsd, since: scan.since }),
    // A due timer, an expired waiver or an unapplied waiver is news to act on; a stalled or never-started idea
    // whose runs keep failing is not restarted on every schedule.
    backoff: new Set(due.filter((s) => s.reasons.every((r) => r.kind === 'stalled' || r.kind === 'not-started')).map((s) => s.slug)),
    now,
  });
  for (const s of due) {
    const why = s.reasons.map((r) => r.text).join('; ');
    const running = outcome.alreadyActive.get(s.slug);
    if (outcome.started.includes(s.slug)) report.actions.push(`Started ${RUN_WORKFLOW} on ${defaultBranch} for ${s.slug}: ${why}.`);
    else if (running !== undefined) report.left.push(`${s.slug}: ${why}; run ${running} of ${RUN_WORKFLOW} is already queued or in progress.`);
  }
  report.held = outcome.held.map((h) => h.message);
}

export async function tickCommand(options: ActionOptions): Promise<CommandResult> {
  // GITHUB_TOKEN for the Actions API (the job's actions: write); pr-token, when set, for the gate PRs it opened.
  const api = forgeFor(options, options.githubToken);
  const prs = forgeFor(options, options.prToken ?? options.githubToken);
  const store = withRemote(await createGitStore({ repoDir: options.workspace }), { repoDir: options.workspace });
  const report: Report = { actions: [], left: [], held: [] };
  try {
    await reconcile(options, store, api, prs, report);
  } finally {
    await store.close();
  }
  for (const line of [...report.actions, ...report.held, ...report.left]) core.info(line);
  const status = report.actions.length > 0 ? 'done' : 'nothing-due';
  await writeTickSummary({ status, actions: report.actions, held: report.held, left: report.left, forgeRequests: requestsOf(api, prs) });
  return { status, runId: '', failure: null };
}
