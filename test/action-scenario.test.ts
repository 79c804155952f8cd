// End to end through the bundled Action, run as GitHub would run the generated workflows (issue 3, "How it is
// tested"): a push of two ideas, the dispatcher, each run workflow's jobs in `needs:` order (a fresh clone of the
// remote over `git http-backend` per job), a gate PR, reviews that do not count (read-only, bot, fork, stale SHA),
// a writer's approval whose event is missed and caught by tick (COMMENTED after it), a phase job killed mid-phase
// and "Re-run failed jobs", and the dossiers on the default branch. Offline model; real webhook payloads.
// Every job runs under a host name of its own (as on GitHub) where the machine allows `unshare -r -u`
// (IDEAMINE_RUNNER_HOSTS=0 turns it off): then the re-run after the kill must take over the killed job's lease
// because it is a later attempt of the same workflow run, not because a pid on this host is gone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMarker } from '../src/core/gate-pr.js';
import { canRunAsOwnHost, example } from './support/action-harness.js';
import { startWorld, type LedgerEvent, type World } from './support/scenario-world.js';
import type { JobRun, RunAttempt } from './support/workflow-runner.js';
import { rerunSet } from './support/workflow-spec.js';

const GOOD = 'shared-grocery-list';
const BLOCKING = 'plant-watering-reminder';
const GATE = `ideamine-gate/${BLOCKING}/intake`;
const GATE_FILE = `.ideamine/waivers/${BLOCKING}/intake.md`;
const JUSTIFICATION = 'Two core features are enough for a first release; the vacation mode comes next quarter.';

let w: World;
const started = performance.now();

beforeAll(async () => {
  const ownHosts = process.env['IDEAMINE_RUNNER_HOSTS'] !== '0' && canRunAsOwnHost();
  console.info(`action scenario: jobs on hosts of their own: ${ownHosts ? 'yes' : 'no (unshare -r -u not allowed here, or IDEAMINE_RUNNER_HOSTS=0)'}`);
  w = await startWorld('scenario', { collaborators: { reader: 'read', maintainer: 'maintain', lead: 'write' }, runnerHosts: ownHosts });
});

afterAll(async () => {
  console.info(`action scenario: ${((performance.now() - started) / 1000).toFixed(1)} s wall, ${w.runner.history.length} job runs`);
  await w.close();
});

const log = (j: JobRun | undefined): string => (j ? `${j.job} (exit ${String(j.code)}):\n${j.stdout}${j.stderr}` : 'job did not run');
const refusals = (pr: number): string[] => (w.standIn.repo.comments.get(pr) ?? []).map((c) => c.body).filter((b) => b.includes('ideamine:refused'));
const waivers = (runId: string): LedgerEvent[] => w.ledger(BLOCKING, runId).filter((e) => e.type === 'waiver.granted');

/** Every job started after the jobs it needs had ended (the `needs:` DAG of ideamine-run.yml). */
function expectDagOrder(attempt: RunAttempt): void {
  for (const job of w.runWorkflow.jobs) {
    const run = attempt.jobs.get(job.id);
    expect(run, job.id).toBeDefined();
    for (const need of job.needs) expect(attempt.jobs.get(need)?.endedAt ?? Infinity, `${job.id} after ${need}`).toBeLessThanOrEqual(run?.startedAt ?? 0);
  }
}

describe('action scenario: push → dispatch → phase jobs → gate PR → reviews → waiver → resume → dossier', () => {
  let runGood: Promise<RunAttempt>;
  let runId = '';
  let pr = 0;
  let h1 = '';

  it('a push of two ideas: the dispatcher starts one run workflow per idea, the slug its only input', async () => {
    const push = w.push({ [`ideas/${GOOD}.yaml`]: example(`${GOOD}.yaml`), [`ideas/${BLOCKING}.yaml`]: example(`${BLOCKING}.yaml`) }, 'Add two ideas', 'acme');
    const { ran, skipped } = await w.runner.event(push);
    expect(skipped.sort()).toEqual(['review', 'tick']);
    expect(ran.map((j) => j.job)).toEqual(['dispatch']);
    expect(ran[0]?.code, log(ran[0])).toBe(0);
    expect(ran[0]?.outputs.status).toBe('dispatched');
    expect(w.standIn.count('actions/create-workflow-dispatch')).toBe(2);
    const queued = w.runner.queued();
    expect(queued.map((r) => r.inputs.slug).sort()).toEqual([BLOCKING, GOOD]);
    expect(queued.every((r) => Object.keys(r.inputs).join() === 'slug' && r.headBranch === 'main')).toBe(true);
  });

  it('both runs in `needs:` order; the blocking idea\'s intake gate fails and opens the gate PR, later jobs reconcile and exit 0', async () => {
    const queued = w.runner.queued();
    const good = queued.find((r) => r.inputs.slug === GOOD);
    const blocking = queued.find((r) => r.inputs.slug === BLOCKING);
    if (!good || !blocking) throw new Error('the dispatched runs are not queued');
    runGood = w.runner.start(good);
    const b1 = await w.runner.start(blocking);
    expectDagOrder(b1);
    const intake = b1.jobs.get('phase-intake');
    expect(intake?.code, log(intake)).toBe(1);
    expect(intake?.outputs.status).toBe('blocked');
    runId = intake?.outputs['run-id'] ?? '';
    for (const [id, job] of b1.jobs) if (id !== 'phase-intake') expect([id, job.code, job.outputs.status]).toEqual([id, 0, 'nothing-due']);

    const open = w.standIn.repo.pulls.filter((p) => p.state === 'open');
    expect(open).toHaveLength(1);
    const pull = open[0];
    pr = pull?.number ?? 0;
    expect(intake?.stdout).toMatch(new RegExp(`::error::Gate failed for intake.*pull/${pr}`));
    expect(pull?.title).toBe('Gate failed: intake — Plant watering reminder');
    expect([pull?.headRef, pull?.baseRef, pull?.user.login]).toEqual([GATE, 'main', 'github-actions[bot]']);
    expect(parseMarker(pull?.body)).toMatchObject({ slug: BLOCKING, phase: 'intake', runId });
    expect(pull?.body).toContain('enough-core-features');
    // One repository: the gate branch the API created is on the git remote, one commit on the default branch's tip.
    const report = w.remoteGit('show', `${GATE}:${GATE_FILE}`);
    expect(report).toContain('enough-core-features');
    expect(w.remoteGit('rev-parse', `${GATE}^`)).toBe(w.remoteGit('merge-base', GATE, 'main'));
    h1 = w.standIn.repo.headSha(w.standIn.pull(pr));
    expect(w.remoteGit('rev-parse', GATE)).toBe(h1);
  });

  it('a read-only reviewer\'s approval: the review job refuses it and comments why', async () => {
    const id = w.standIn.submitReview(pr, 'reader', 'APPROVED', 'Looks fine to me, ship it.');
    const runs = w.standIn.repo.runs.length;
    const tip = w.remoteGit('rev-parse', `ideamine/${BLOCKING}`);
    const { ran } = await w.runner.event(w.reviewEvent(pr, id));
    expect(ran.map((j) => j.job)).toEqual(['review']);
    expect(ran[0]?.code, log(ran[0])).toBe(0);
    expect(ran[0]?.outputs.status).toBe('nothing-due');
    expect(refusals(pr).filter((b) => b.includes(`ideamine:refused ${id}`) && b.includes('no write, maintain or admin permission'))).toHaveLength(1);
    expect(w.remoteGit('rev-parse', `ideamine/${BLOCKING}`)).toBe(tip);
    expect(w.standIn.repo.runs.length).toBe(runs);
  });

  it('a bot\'s approval and a writer\'s approval of a fork PR carrying the marker: the workflow filters both, the action counts neither', async () => {
    const runs = w.standIn.repo.runs.length;
    const bot = w.standIn.submitReview(pr, 'ci-helper[bot]', 'APPROVED', 'Automated approval.', { type: 'Bot' });
    const botEvent = w.reviewEvent(pr, bot);
    expect(await w.runner.event(botEvent)).toEqual({ triggered: true, ran: [], skipped: ['dispatch', 'review', 'tick'] });
    const forcedBot = await w.runner.forced('review', botEvent);
    expect(forcedBot.code, log(forcedBot)).toBe(0);
    expect(refusals(pr).filter((b) => b.includes(`ideamine:refused ${bot}`) && b.includes('bots'))).toHaveLength(1);

    const pull = w.standIn.pull(pr);
    const fork = w.standIn.openPull({ login: 'mallory', headRef: GATE, title: pull.title, body: pull.body ?? '', fromFork: true });
    const forkReview = w.standIn.submitReview(fork, 'maintainer', 'APPROVED', JUSTIFICATION);
    const forkEvent = w.reviewEvent(fork, forkReview);
    expect((forkEvent.payload as { pull_request: { head: { repo: { full_name: string } } } }).pull_request.head.repo.full_name).toBe('mallory/widgets');
    expect(await w.runner.event(forkEvent)).toEqual({ triggered: true, ran: [], skipped: ['dispatch', 'review', 'tick'] });
    const forcedFork = await w.runner.forced('review', forkEvent);
    expect(forcedFork.code, log(forcedFork)).toBe(0);
    expect(forcedFork.outputs.status).toBe('nothing-due');
    expect(forcedFork.stdout).toContain(`#${fork} is not an open IdeaMine gate pull request`);
    expect(waivers(runId)).toEqual([]);
    expect(w.standIn.repo.runs.length).toBe(runs);
  });

  it('an approval on a stale SHA (a maintainer pushed to the gate branch since) is refused with a comment', async () => {
    const control = `${w.remoteGit('show', `${GATE}:${GATE_FILE}`)}\nCompensating control: the support team checks watering complaints weekly.\n`;
    const push = w.push({ [GATE_FILE]: control }, 'Add a compensating control', 'maintainer', GATE);
    // Not under ideas/**: the dispatcher is not triggered by this push.
    expect((await w.runner.event(push)).triggered).toBe(false);
    w.bridge.sync();
    expect(w.standIn.repo.headSha(w.standIn.pull(pr))).toBe(push.sha);
    const stale = w.standIn.submitReview(pr, 'lead', 'APPROVED', 'Approved.', { commitId: h1 });
    const { ran } = await w.runner.event(w.reviewEvent(pr, stale));
    expect(ran.map((j) => j.job)).toEqual(['review']);
    expect(ran[0]?.outputs.status, log(ran[0])).toBe('nothing-due');
    expect(refusals(pr).filter((b) => b.includes(`ideamine:refused ${stale}`) && b.includes('older commit'))).toHaveLength(1);
    expect(waivers(runId)).toEqual([]);
  });

  it('a writer\'s approval (then a COMMENTED review) whose events were missed: tick records the waiver and re-dispatches the run', async () => {
    const head = w.standIn.repo.headSha(w.standIn.pull(pr));
    const approval = w.standIn.submitReview(pr, 'maintainer', 'APPROVED', JUSTIFICATION);
    const comment = w.standIn.submitReview(pr, 'maintainer', 'COMMENTED', 'Thanks, the control above covers it.');
    const runs = w.standIn.repo.runs.length;
    const { ran } = await w.runner.event(w.scheduleEvent());
    expect(ran.map((j) => j.job)).toEqual(['tick']);
    expect(ran[0]?.code, log(ran[0])).toBe(0);
    expect(ran[0]?.outputs.status).toBe('done');
    const granted = waivers(runId);
    expect(granted).toHaveLength(1);
    expect(granted[0]?.data).toMatchObject({ phase: 'intake', reviewId: approval, sha: head, login: 'maintainer', by: 'maintainer', justification: JUSTIFICATION, source: 'review' });
    expect(w.standIn.repo.runs.slice(runs).map((r) => r.inputs)).toEqual([{ slug: BLOCKING }]);
    // Every refusal was commented once, whichever job saw it first.
    expect(refusals(pr)).toHaveLength(3);

    // The COMMENTED review's event arrives late: nothing new is recorded, nothing dispatched, nobody told off.
    const late = await w.runner.event(w.reviewEvent(pr, comment));
    expect(late.ran.map((j) => j.job)).toEqual(['review']);
    expect(late.ran[0]?.outputs.status, log(late.ran[0])).toBe('nothing-due');
    expect(waivers(runId)).toHaveLength(1);
    expect(w.standIn.repo.runs.length).toBe(runs + 1);
    expect(refusals(pr)).toHaveLength(3);
  });

  it('the good idea\'s run: every phase job done in `needs:` order, the dossier on the default branch; its API requests counted', async () => {
    const a = await runGood;
    expectDagOrder(a);
    for (const [id, job] of a.jobs) expect([id, job.code, job.outputs.status], log(job)).toEqual([id, 0, 'done']);
    expect(w.remoteGit('show', `main:dossiers/${GOOD}/RELEASE_DOSSIER.md`)).toContain('Shared grocery list');
    const dispatch = w.runner.history.find((j) => j.job === 'dispatch');
    const perJob = [...a.jobs.values()].map((j) => j.requests ?? 0);
    const run = perJob.reduce((s, n) => s + n, 0);
    console.info(`GitHub API requests, push → dossier of ${GOOD}: dispatch job ${String(dispatch?.requests)} (both ideas) + run workflow ${run} ` +
      `(${a.jobs.size} jobs: ${[...a.jobs.values()].map((j) => `${j.job.replace('phase-', '')} ${String(j.requests)}`).join(', ')}) = ${(dispatch?.requests ?? 0) + run}`);
    expect(run).toBeGreaterThan(0);
  });

  it('the resumed run: a phase job SIGKILLed mid-phase, "Re-run failed jobs" resumes from the state branch tip asking nothing twice; the dossier carries the waiver', async () => {
    const record = w.runner.queued().find((r) => r.inputs.slug === BLOCKING);
    if (!record) throw new Error('the re-dispatched run is not queued');
    const b3 = await w.runner.start(record, { job: 'phase-security', when: () => w.stateSubjects(BLOCKING).some((s) => s.endsWith('task.finished security')) });
    expectDagOrder(b3);
    expect(b3.jobs.get('phase-intake')?.outputs.status, log(b3.jobs.get('phase-intake'))).toBe('done');
    expect(w.ledger(BLOCKING, runId).filter((e) => e.phase === 'intake').map((e) => e.type)).toContain('phase.waived');
    expect(w.standIn.pull(pr).state).toBe('closed');
    const killed = b3.jobs.get('phase-security');
    expect([killed?.killed, killed?.signal], log(killed)).toEqual([true, 'SIGKILL']);
    const before = w.ledger(BLOCKING, runId);
    const security = (events: LedgerEvent[], type: string): string[] => events.filter((e) => e.phase === 'security' && e.type === type).map((e) => String(e.data['taskKey']));
    const done = security(before, 'task.finished');
    expect(done.length, 'killed before any security task was saved').toBeGreaterThan(0);
    expect(before.some((e) => e.phase === 'security' && e.type === 'phase.passed'), 'killed after the phase ended').toBe(false);
    const passedBefore = new Set(before.filter((e) => e.type === 'phase.passed' || e.type === 'phase.waived').map((e) => e.phase));
    for (const id of rerunSet(w.runWorkflow.jobs, ['phase-security'])) {
      if (id !== 'phase-security') expect([id, b3.jobs.get(id)?.code, b3.jobs.get(id)?.outputs.status]).toEqual([id, 0, 'nothing-due']);
    }

    // main moves on (a push outside ideas/**, no workflow); the re-run keeps the run's SHA and event payload.
    const docs = w.push({ 'README.md': '# widgets\n\nIdeas live under ideas/.\n' }, 'Docs', 'acme');
    expect((await w.runner.event(docs)).triggered).toBe(false);
    const again = await w.runner.rerunFailed(b3);
    expect(new Set(again.ran)).toEqual(rerunSet(w.runWorkflow.jobs, ['phase-security']));
    expect(again.ran).not.toContain('phase-story-loop');
    for (const id of again.ran) expect([id, again.jobs.get(id)?.head, again.jobs.get(id)?.attempt]).toEqual([id, b3.event.sha, 2]);
    expect(b3.event.sha).not.toBe(docs.sha);
    for (const id of again.ran) expect([id, again.jobs.get(id)?.code, again.jobs.get(id)?.outputs.status], log(again.jobs.get(id))).toEqual([id, 0, 'done']);

    const after = w.ledger(BLOCKING, runId).slice(before.length);
    const asked = after.filter((e) => e.type === 'model.call').map((e) => String(e.data['taskKey']));
    for (const key of done) expect(asked, `task ${key} was finished before the kill`).not.toContain(key);
    expect(after.filter((e) => e.phase !== null && passedBefore.has(e.phase))).toEqual([]);
    const total = new Set([...done, ...security(after, 'task.finished')]);
    expect(asked.filter((k) => total.has(k)).length).toBe(total.size - done.length);
    console.info(`re-run after SIGKILL mid-security: ${done.length} of ${total.size} security tasks finished before the kill, reused (not asked again); ` +
      `${total.size - done.length} asked; ${passedBefore.size} phases passed or waived before the kill got no new events`);

    const dossier = w.remoteGit('show', `main:dossiers/${BLOCKING}/RELEASE_DOSSIER.md`);
    expect(dossier).toContain('maintainer');
    expect(dossier).toContain(JUSTIFICATION);
    expect(w.remoteGit('show', `main:dossiers/${GOOD}/RELEASE_DOSSIER.md`)).toContain('Shared grocery list');
  });

  it('every request was one GitHub accepts, within each job\'s token permissions, and each job summary counted its own', () => {
    w.standIn.assertNoUnexpected();
    expect(w.standIn.scopeRefusals).toEqual([]);
    const reported = w.runner.history.reduce((s, j) => s + (j.requests ?? 0), 0);
    expect(reported).toBe(w.standIn.log.length);
  });
});
