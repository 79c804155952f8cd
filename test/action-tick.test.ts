// The bundled Action's tick, run as the runner runs it: each reconciliation (stalled and never-started runs,
// due timers, expired waivers, deleted ideas, missed reviews with a pr-token) and "nothing due" changing nothing.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { systemClock } from '../src/adapters/clock/system.js';
import { createGitStore } from '../src/adapters/store/git.js';
import { withRemote } from '../src/adapters/store/remote.js';
import type { NewEvent } from '../src/core/ledger.js';
import { BACKOFF_AFTER_FAILURES } from '../src/core/run-caps.js';
import { RunSession } from '../src/engine/session.js';
import type { TempRepo } from './support/git-repo.js';
import type { GitHubStandIn } from './support/github-standin.js';
import { ROOT, startActionHarness, type ActionHarness, type ActionRun } from './support/action-harness.js';
import { schedulePayload } from './support/webhook-payloads.js';

const GOOD = 'shared-grocery-list';
const BLOCKING = 'plant-watering-reminder';
const FRESH = 'freelance-invoice-tracker';
const PAT = 'ghp-personal-access-token-5678';
const APP = 'ghs-app-installation-token-9012';

let h: ActionHarness;
let repo: TempRepo;
let standIn: GitHubStandIn;
let scheduleEvent = '';
const runIds: Record<string, string> = {};

beforeAll(async () => {
  h = await startActionHarness({
    label: 'action-tick', ideas: [GOOD, BLOCKING, FRESH],
    tokens: {
      [PAT]: { login: 'ideamine-helper', permissions: { contents: 'write', 'pull-requests': 'write', issues: 'write', actions: 'write' } },
      [APP]: { login: 'ideamine-app[bot]', permissions: { contents: 'write', 'pull-requests': 'write', issues: 'write', actions: 'write' } },
    },
  });
  ({ repo, standIn } = h);
  // The stand-in titles dispatched runs with the committed run workflow's own run-name.
  const runName = (parse(readFileSync(join(ROOT, '.github/workflows/ideamine-run.yml'), 'utf8')) as { 'run-name'?: string })['run-name'];
  const workflow = standIn.repo.workflow('ideamine-run.yml');
  if (!workflow || runName === undefined) throw new Error('the run workflow or its run-name is missing');
  workflow.runName = runName;
  scheduleEvent = join(h.dir, 'schedule.json');
  writeFileSync(scheduleEvent, JSON.stringify(schedulePayload('7,22,37,52 * * * *', '.github/workflows/ideamine.yml')));
});

afterAll(() => h.close());

/** A scheduled tick: the runner checks out the default branch and names it in GITHUB_REF. */
const tick = (inputs: Record<string, string> = {}, ref = 'refs/heads/main'): Promise<ActionRun> =>
  h.runAction({ command: 'tick', ...inputs }, { GITHUB_EVENT_NAME: 'schedule', GITHUB_EVENT_PATH: scheduleEvent, GITHUB_REF: ref });
const tip = (slug: string): string => h.remoteGit('rev-parse', `ideamine/${slug}`);
const ledger = (slug: string, runId: string): { type: string; phase: string | null; data: Record<string, unknown> }[] =>
  h.remoteGit('show', `ideamine/${slug}:.ideamine/runs/${runId}/ledger.jsonl`).split('\n').filter(Boolean)
    .map((line) => JSON.parse(line) as { type: string; phase: string | null; data: Record<string, unknown> });
const runsOf = (slug: string): { id: number; status: string; displayTitle: string }[] => standIn.repo.runs.filter((r) => r.inputs.slug === slug);
/** Requests of one action run that change something on GitHub. */
const writesSince = (from: number): string[] => standIn.log.slice(from).filter((r) => r.method !== 'GET').map((r) => r.route);
const getUserSince = (from: number): number => standIn.log.slice(from).filter((r) => r.route === 'GET /user').length;

/** Another writer (the engine, a review) appends to a run's ledger, pushed to the remote like the action's own. */
async function record(slug: string, runId: string, events: NewEvent[]): Promise<void> {
  const store = withRemote(await createGitStore({ repoDir: repo.dir }), { repoDir: repo.dir });
  try {
    await store.pull(slug);
    const session = await RunSession.open({ store, clock: systemClock, scrub: (t) => t }, slug, runId);
    if (!session) throw new Error(`no run ${runId} on ideamine/${slug}`);
    await session.record(events);
  } finally {
    await store.close();
  }
}

const inMinutes = (minutes: number): string => new Date(Date.now() + minutes * 60_000).toISOString();

describe('action: command tick', () => {
  it('setup: intake passes for one idea and blocks another (gate PR open)', async () => {
    for (const slug of [GOOD, BLOCKING]) {
      const r = await h.runAction({ command: 'phase', phase: 'intake', slug });
      expect(r.outputs.status, r.stdout + r.stderr).toBe(slug === GOOD ? 'done' : 'blocked');
      runIds[slug] = r.outputs['run-id'] ?? '';
    }
    expect(standIn.repo.pulls.filter((p) => p.state === 'open')).toHaveLength(1);
  });

  it('(c) starts a run that should be running and an idea never started, titled by slug; not the run blocked on a human', async () => {
    const from = standIn.log.length;
    const before = [tip(GOOD), tip(BLOCKING)];
    const r = await tick();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.outputs.status).toBe('done');
    expect(runsOf(GOOD).map((run) => [run.status, run.displayTitle])).toEqual([['queued', `ideamine-run ${GOOD}`]]);
    expect(runsOf(FRESH).map((run) => [run.status, run.displayTitle])).toEqual([['queued', `ideamine-run ${FRESH}`]]);
    expect(runsOf(BLOCKING)).toEqual([]);
    expect(r.summary).toContain(`Started ideamine-run.yml on main for ${GOOD}: ${runIds[GOOD] ?? ''} is running.`);
    expect(r.summary).toContain(`Started ideamine-run.yml on main for ${FRESH}: no run yet.`);
    expect(r.summary).toContain(`${runIds[BLOCKING] ?? ''} is blocked on a human (intake).`);
    // Dispatches only: no state branch moved, no PR touched.
    expect([tip(GOOD), tip(BLOCKING)]).toEqual(before);
    expect(writesSince(from).sort()).toEqual(Array<string>(2).fill('POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches'));
    expect(r.summary).toContain(`GitHub API requests: ${standIn.log.length - from}`);
  });

  it('never dispatches a slug that has a run queued or in progress', async () => {
    const [goodRun] = runsOf(GOOD);
    standIn.setRunStatus(goodRun?.id ?? 0, 'in_progress');
    const from = standIn.log.length;
    const r = await tick();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.outputs.status).toBe('nothing-due');
    expect(writesSince(from)).toEqual([]);
    expect(runsOf(GOOD)).toHaveLength(1);
    expect(runsOf(FRESH)).toHaveLength(1);
    expect(r.summary).toContain(`run ${goodRun?.id ?? 0} of ideamine-run.yml is already queued or in progress`);
  });

  it('nothing due (a run waiting for a timer, a run queued, a run blocked on a human): no writes, no dispatch', async () => {
    // The workflow run ended (cancelled, say) while the ledger still says running, with a timer not due yet.
    standIn.setRunStatus(runsOf(GOOD)[0]?.id ?? 0, 'completed', 'cancelled');
    await record(GOOD, runIds[GOOD] ?? '', [{ type: 'timer.set', phase: 'ideation', data: { id: 'later', reason: 'circuit-open', notBefore: inMinutes(60) } }]);
    const tips = [tip(GOOD), tip(BLOCKING)];
    const from = standIn.log.length;
    const r = await tick();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.outputs.status).toBe('nothing-due');
    expect(writesSince(from)).toEqual([]);
    expect([tip(GOOD), tip(BLOCKING)]).toEqual(tips);
    expect(runsOf(GOOD)).toHaveLength(1);
    expect(r.summary).toContain('Nothing was due.');
    expect(r.summary).toContain(`${runIds[GOOD] ?? ''} waits for timer later (circuit-open) until`);
  });

  it('(a) a due timer re-dispatches its run', async () => {
    await record(GOOD, runIds[GOOD] ?? '', [{ type: 'timer.set', phase: 'ideation', data: { id: 'now', reason: 'circuit-open', notBefore: inMinutes(-1) } }]);
    const r = await tick();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.outputs.status).toBe('done');
    expect(runsOf(GOOD).map((run) => run.status)).toEqual(['completed', 'queued']);
    expect(r.summary).toMatch(new RegExp(`Started ideamine-run.yml on main for ${GOOD}: timer now \\(circuit-open\\) was due at `));
  });

  it('(b) an expired waiver is recorded on the state branch, reopening the gate, and the run is re-dispatched', async () => {
    const runId = runIds[BLOCKING] ?? '';
    // Long enough for the phase job below to apply it (it checks the waiver within its first seconds).
    const expiresAt = new Date(Date.now() + 7000);
    // Recorded as the review job would, with a short expiry; the phase job then applies it.
    await record(BLOCKING, runId, [{
      type: 'waiver.granted', phase: 'intake',
      data: { phase: 'intake', by: 'maintainer', justification: 'Two features are enough for now.', control: null, expiresAt: expiresAt.toISOString(), source: 'review', reason: 'gate' },
    }]);
    const waived = await h.runAction({ command: 'phase', phase: 'intake', slug: BLOCKING });
    expect(waived.code, waived.stdout + waived.stderr).toBe(0);
    expect(ledger(BLOCKING, runId).map((e) => e.type)).toContain('phase.waived');
    await sleep(Math.max(0, expiresAt.getTime() - Date.now() + 200));

    const before = tip(BLOCKING);
    const r = await tick();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.outputs.status).toBe('done');
    expect(tip(BLOCKING)).not.toBe(before);
    const expired = ledger(BLOCKING, runId).filter((e) => e.type === 'waiver.expired');
    expect(expired).toMatchObject([{ phase: 'intake', data: { phase: 'intake', by: 'maintainer', expiresAt: expiresAt.toISOString() } }]);
    expect(runsOf(BLOCKING).map((run) => run.status)).toEqual(['queued']);
    expect(r.summary).toContain(`Recorded waiver.expired for intake of ${runId}`);
    expect(r.summary).toContain(`Started ideamine-run.yml on main for ${BLOCKING}: the waiver of intake by maintainer expired at`);

    // Level-triggered: the next tick finds the gate already reopened and the run queued.
    const again = await tick();
    expect(again.outputs.status).toBe('nothing-due');
    expect(ledger(BLOCKING, runId).filter((e) => e.type === 'waiver.expired')).toHaveLength(1);
    expect(runsOf(BLOCKING)).toHaveLength(1);
  });

  it('pr-token: a PAT\'s gate PR is ours by its login (GET /user once per job), so a missed review is caught', async () => {
    // The reopened gate fails again; this time the gate PR is opened with a personal access token.
    let from = standIn.log.length;
    const blocked = await h.runAction({ command: 'phase', phase: 'intake', slug: BLOCKING, 'pr-token': PAT });
    expect(blocked.outputs.status, blocked.stdout + blocked.stderr).toBe('blocked');
    expect(getUserSince(from)).toBe(1);
    const pull = standIn.repo.pulls.find((p) => p.state === 'open' && p.headRef === `ideamine-gate/${BLOCKING}/intake`);
    expect(pull?.user.login).toBe('ideamine-helper');

    standIn.addCollaborator('maintainer', 'write');
    const reviewId = standIn.submitReview(pull?.number ?? 0, 'maintainer', 'APPROVED', 'Fine for a first release.');
    from = standIn.log.length;
    const r = await tick({ 'pr-token': PAT });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(getUserSince(from)).toBe(1);
    const granted = ledger(BLOCKING, runIds[BLOCKING] ?? '').filter((e) => e.type === 'waiver.granted');
    expect(granted.map((e) => e.data['reviewId'])).toEqual([undefined, reviewId]);
    expect(r.summary).toContain(`#${pull?.number ?? 0}: Recorded maintainer's waiver of intake`);
  });

  it('pr-token: an App installation token needs pr-token-login (GET /user is refused to it), and then asks nothing', async () => {
    const refused = await tick({ 'pr-token': APP });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/GET \/user.*403[\s\S]*pr-token-login/);
    const from = standIn.log.length;
    const r = await tick({ 'pr-token': APP, 'pr-token-login': 'ideamine-app[bot]' });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(getUserSince(from)).toBe(0);
  });

  it('(d) a deleted idea: its runs are marked deleted and its gate PRs closed with a comment, once', async () => {
    const pull = standIn.repo.pulls.find((p) => p.state === 'open' && p.headRef === `ideamine-gate/${BLOCKING}/intake`);
    expect(pull).toBeDefined();
    repo.git('rm', '-q', `ideas/${BLOCKING}.yaml`);
    repo.git('commit', '-q', '-m', 'drop an idea');
    repo.git('push', '-q', 'origin', 'main');

    // A tick started on another branch cannot tell a deleted idea from one not merged there: it leaves them.
    const elsewhere = await tick({ 'pr-token': PAT }, 'refs/heads/feature');
    expect(elsewhere.code, elsewhere.stdout + elsewhere.stderr).toBe(0);
    expect(elsewhere.summary).toContain('The checkout is feature, not main');
    expect(ledger(BLOCKING, runIds[BLOCKING] ?? '').map((e) => e.type)).not.toContain('run.deleted');
    expect(pull?.state).toBe('open');

    // The PR was opened with the PAT: only a tick that knows that login may close it.
    const r = await tick({ 'pr-token': PAT });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.outputs.status).toBe('done');
    const runId = runIds[BLOCKING] ?? '';
    expect(ledger(BLOCKING, runId).filter((e) => e.type === 'run.deleted')).toMatchObject([{ data: { reason: `ideas/${BLOCKING}.yaml (or .yml, .md) is no longer on main` } }]);
    expect(pull?.state).toBe('closed');
    expect((standIn.repo.comments.get(pull?.number ?? 0) ?? []).map((c) => c.body).join('\n')).toContain('is no longer on main: IdeaMine marked its runs deleted');
    expect(r.summary).toContain(`Recorded run.deleted for ${runId}`);
    expect(r.summary).toContain(`Closed gate pull request #${pull?.number ?? 0} of ${BLOCKING}: the idea was deleted.`);

    const before = tip(BLOCKING);
    const from = standIn.log.length;
    const next = await tick({ 'pr-token': PAT });
    expect(next.outputs.status).toBe('nothing-due');
    expect(tip(BLOCKING)).toBe(before);
    expect(writesSince(from)).toEqual([]);
  });

  it('backs off an idea whose runs keep failing (two in a row), says until when, and starts it again after a success', async () => {
    const dispatches = (from: number): number => writesSince(from).filter((w) => w.endsWith('/dispatches')).length;
    // Failed minutes ago by the real clock (the stand-in's own clock is in 2025): the backoff is measured from them.
    const failAll = (): void => {
      for (const run of runsOf(FRESH)) standIn.setRunStatus(run.id, 'completed', 'failure', new Date(Date.now() - 60_000).toISOString());
    };
    failAll();
    // Below the threshold a failed run is simply started again.
    while (runsOf(FRESH).length < BACKOFF_AFTER_FAILURES) {
      const from = standIn.log.length;
      await tick({ 'pr-token': PAT });
      expect(dispatches(from)).toBe(1);
      failAll();
    }
    const from = standIn.log.length;
    const held = await tick({ 'pr-token': PAT });
    expect(held.code, held.stdout + held.stderr).toBe(0);
    expect(dispatches(from)).toBe(0);
    expect(held.summary).toMatch(new RegExp(`${FRESH} not restarted: its last \\d+ runs of ideamine-run.yml ended without success; tick tries again after \\d{4}-`));
    // A run that succeeded ends the streak (here the idea still has no state: it is started again).
    const latest = runsOf(FRESH).at(-1);
    standIn.setRunStatus(latest?.id ?? 0, 'completed', 'success', new Date().toISOString());
    const again = standIn.log.length;
    await tick({ 'pr-token': PAT });
    expect(dispatches(again)).toBe(1);
  });
});
