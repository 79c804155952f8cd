// The dispatcher's repository-wide caps, run as the runner runs the bundled action: runs queued or in progress
// (asked of the Actions API) and this month's model spend (summed from the state branches' run.json and ledgers).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { systemClock } from '../src/adapters/clock/system.js';
import { createGitStore } from '../src/adapters/store/git.js';
import { withRemote } from '../src/adapters/store/remote.js';
import { monthStart } from '../src/core/run-caps.js';
import { RunSession } from '../src/engine/session.js';
import type { Clock } from '../src/ports/clock.js';
import type { TempRepo } from './support/git-repo.js';
import type { GitHubStandIn } from './support/github-standin.js';
import { ROOT, startActionHarness, type ActionHarness, type ActionRun } from './support/action-harness.js';
import { pushPayload } from './support/webhook-payloads.js';

const GOOD = 'shared-grocery-list';
const BLOCKING = 'plant-watering-reminder';
const FRESH = 'freelance-invoice-tracker';
const DISPATCHES = 'POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches';

let h: ActionHarness;
let repo: TempRepo;
let standIn: GitHubStandIn;

beforeAll(async () => {
  h = await startActionHarness({ label: 'action-caps', ideas: [GOOD, BLOCKING, FRESH] });
  ({ repo, standIn } = h);
  const runName = (parse(readFileSync(join(ROOT, '.github/workflows/ideamine-run.yml'), 'utf8')) as { 'run-name'?: string })['run-name'];
  const workflow = standIn.repo.workflow('ideamine-run.yml');
  if (!workflow || runName === undefined) throw new Error('the run workflow or its run-name is missing');
  workflow.runName = runName;
});

afterAll(() => h.close());

/** The push that added the given ideas, as GitHub sends it (a real example payload, adapted). */
function pushEvent(slugs: readonly string[]): Record<string, string> {
  const head = repo.git('rev-parse', 'HEAD');
  const payload = pushPayload({
    repo: { owner: { login: 'acme', id: 1, type: 'User' }, name: 'widgets', id: 2, defaultBranch: 'main', private: true },
    ref: 'refs/heads/main', before: '0'.repeat(40), after: head, pusher: { login: 'acme', id: 1, type: 'User' },
    commits: [{
      id: head, treeId: repo.git('rev-parse', 'HEAD^{tree}'), message: 'ideas', timestamp: new Date().toISOString(),
      author: { name: 'acme', email: 'acme@example.test' }, added: slugs.map((s) => `ideas/${s}.yaml`), modified: [], removed: [],
    }],
  });
  const file = join(h.dir, `push-${h.runs()}.json`);
  writeFileSync(file, JSON.stringify(payload));
  return { GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: file, GITHUB_REF: 'refs/heads/main' };
}

const dispatch = (slugs: readonly string[], inputs: Record<string, string>): Promise<ActionRun> => h.runAction({ command: 'dispatch', ...inputs }, pushEvent(slugs));
const tick = (inputs: Record<string, string>): Promise<ActionRun> => h.runAction({ command: 'tick', ...inputs }, { GITHUB_REF: 'refs/heads/main' });
const runsOf = (slug: string): { id: number; status: string }[] => standIn.repo.runs.filter((r) => r.inputs.slug === slug);
const finishAll = (): void => {
  for (const run of standIn.repo.runs.filter((r) => r.status !== 'completed')) standIn.setRunStatus(run.id, 'completed', 'success');
};

/** A run's ledger with metered model calls, written as the engine writes it (the clock says when). */
async function spend(slug: string, runId: string, calls: readonly { at: Date; usd: number }[]): Promise<void> {
  const store = withRemote(await createGitStore({ repoDir: repo.dir }), { repoDir: repo.dir });
  const at = (date: Date): Clock => ({ now: () => date, sleep: (ms, signal) => systemClock.sleep(ms, signal) });
  try {
    const first = calls[0];
    if (!first) throw new Error('no calls');
    await RunSession.create({ store, clock: at(first.at), scrub: (t) => t }, slug, runId, {
      type: 'run.started', phase: null,
      data: { runId, slug, ideaFile: `ideas/${slug}.yaml`, ideaHash: 'f'.repeat(64), bundleHash: 'e'.repeat(64), modelId: 'claude-sonnet-5-5', provenance: 'anthropic', budget: { usd: 200, tokens: null }, phases: ['intake'] },
    });
    for (const call of calls) {
      const session = await RunSession.open({ store, clock: at(call.at), scrub: (t) => t }, slug, runId);
      await session?.record([{ type: 'model.call', phase: 'intake', data: { role: 'analyst', usage: { inputTokens: 1000, outputTokens: 500 }, costUsd: call.usd } }]);
    }
  } finally {
    await store.close();
  }
}

describe('dispatcher caps', () => {
  it('max-runs-in-progress: ideas over the cap are not dispatched; a notice and the summary say which cap and the numbers', async () => {
    // Another idea's run is in progress (one of the two the cap allows).
    standIn.repo.runs.push({
      id: standIn.nextId(), workflowId: standIn.repo.workflow('ideamine-run.yml')?.id ?? 0, status: 'in_progress', conclusion: null, event: 'workflow_dispatch',
      headBranch: 'main', displayTitle: 'ideamine-run older-idea', createdAt: standIn.tick(), inputs: { slug: 'older-idea' },
    });
    const from = standIn.log.length;
    const r = await dispatch([GOOD, BLOCKING, FRESH], { 'max-runs-in-progress': '2' });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.outputs.status).toBe('dispatched');
    // Files in name order: the first takes the one free place.
    expect(standIn.repo.runs.filter((run) => run.status === 'queued').map((run) => run.inputs.slug)).toEqual([FRESH]);
    for (const slug of [BLOCKING, GOOD]) {
      const message = `${slug} not started: max-runs-in-progress reached (2 runs queued or in progress, cap 2); tick will start it when there is room.`;
      expect(r.stdout).toContain(`::notice title=IdeaMine%3A max-runs-in-progress::${message}`);
      expect(r.summary).toContain(message);
    }
    expect(standIn.log.slice(from).filter((q) => q.route === DISPATCHES)).toHaveLength(1);
    expect(r.summary).toContain(`GitHub API requests: ${standIn.log.length - from}`);
  });

  it('tick starts the held ideas when there is room, least recently started first, under the same cap', async () => {
    finishAll();
    const r = await tick({ 'max-runs-in-progress': '2' });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // FRESH's run ended without a trace on its state branch, so it is due again, but it had its turn.
    expect(standIn.repo.runs.filter((run) => run.status === 'queued').map((run) => run.inputs.slug).sort()).toEqual([BLOCKING, GOOD]);
    expect(r.summary).toContain(`${FRESH} not started: max-runs-in-progress reached (2 runs queued or in progress, cap 2); tick will start it when there is room.`);

    // Once there is room, it is started.
    standIn.setRunStatus(runsOf(GOOD)[0]?.id ?? 0, 'completed', 'success');
    const next = await tick({ 'max-runs-in-progress': '2' });
    expect(next.code, next.stdout + next.stderr).toBe(0);
    expect(runsOf(FRESH).map((run) => run.status)).toEqual(['completed', 'queued']);
    expect(runsOf(BLOCKING)).toHaveLength(1);
  });

  it('monthly-budget-usd: this month\'s spend over every state branch holds dispatches; last month\'s does not count', async () => {
    finishAll();
    const now = new Date();
    const lastMonth = new Date(monthStart(now).getTime() - 86_400_000);
    // Straddles the month's start: only its call this month ($1.50) counts, from the ledger. Plus $4.50 this month.
    await spend('older-idea', 'older-idea-0a0b0c0d', [{ at: lastMonth, usd: 100 }, { at: now, usd: 1.5 }]);
    await spend('archived-idea', 'archived-idea-1a2b3c4d', [{ at: now, usd: 2 }, { at: now, usd: 2.5 }]);

    const held = await dispatch([GOOD], { 'monthly-budget-usd': '5.5' });
    expect(held.code, held.stdout + held.stderr).toBe(0);
    expect(held.outputs.status).toBe('nothing-due');
    const message = `${GOOD} not started: monthly-budget-usd reached ($6.00 spent since ${monthStart(now).toISOString().slice(0, 10)}, cap $5.50); tick will start it when there is room (next month or a higher cap).`;
    expect(held.stdout).toContain(`::notice title=IdeaMine%3A monthly-budget-usd::${message}`);
    expect(held.summary).toContain(message);
    expect(standIn.repo.runs.filter((run) => run.status === 'queued')).toEqual([]);

    const tickHeld = await tick({ 'monthly-budget-usd': '5.5' });
    expect(tickHeld.code, tickHeld.stdout + tickHeld.stderr).toBe(0);
    expect(standIn.repo.runs.filter((run) => run.status === 'queued')).toEqual([]);
    expect(tickHeld.summary).toContain('monthly-budget-usd reached ($6.00 spent');

    const room = await dispatch([GOOD], { 'monthly-budget-usd': '6.5' });
    expect(room.code, room.stdout + room.stderr).toBe(0);
    expect(room.outputs.status).toBe('dispatched');
    expect(standIn.repo.runs.filter((run) => run.status === 'queued').map((run) => run.inputs.slug)).toEqual([GOOD]);
  });
});
