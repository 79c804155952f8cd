// GitHub faults met by a phase job (the bundled Action against the stand-in): a secondary rate limit, a 5xx,
// a branch created under us, a PR that already exists, and a rate limit that outlasts the retries. The Octokit
// plugins absorb what they can; our compare-and-swap and find-or-create the rest; the state branch loses nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMarker } from '../src/core/gate-pr.js';
import { reportFigures } from './support/chaos-report.js';
import { startActionHarness, type ActionHarness } from './support/action-harness.js';

const SLUG = 'plant-watering-reminder';
const HEAD = `ideamine-gate/${SLUG}/intake`;
let h: ActionHarness;

beforeAll(async () => {
  h = await startActionHarness({ label: 'gh-faults', ideas: [SLUG] });
});
afterAll(() => h.close());

const statuses = (operationId: string): number[] => h.standIn.log.filter((r) => r.operationId === operationId).map((r) => r.status);
const ledgerTypes = (runId: string): string[] =>
  h.remoteGit('show', `ideamine/${SLUG}:.ideamine/runs/${runId}/ledger.jsonl`).split('\n').filter(Boolean)
    .map((line) => (JSON.parse(line) as { type: string }).type);
const faults: Record<string, number> = {};
const inject = (kind: string): void => void (faults[kind] = (faults[kind] ?? 0) + 1);

describe('GitHub faults during a phase job that opens a gate PR', () => {
  let runId = '';

  it('a 502, a secondary rate limit and a branch created under us: the job still ends with one PR holding our report', async () => {
    h.standIn.serverError('repos/get', 502, 1);
    inject('5xx');
    h.standIn.secondaryRateLimit('pulls/create', 1, 1);
    inject('secondary-rate-limit');
    h.standIn.fault({ route: 'git/create-ref', run: (s) => void s.pushCommit(HEAD, { 'someone-else.txt': 'created between our read and our create\n' }) });
    inject('ref-moved');
    const started = Date.now();
    const r = await h.runAction({ command: 'phase', phase: 'intake', slug: SLUG });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.outputs.status).toBe('blocked');
    runId = r.outputs['run-id'] ?? '';
    expect(statuses('repos/get').slice(0, 2)).toEqual([502, 200]);
    expect(statuses('pulls/create')).toEqual([403, 201]);
    expect(Date.now() - started, 'retry-after was honoured').toBeGreaterThanOrEqual(1000);
    expect(statuses('git/create-ref')[0]).toBe(422);
    const open = h.standIn.repo.pulls.filter((p) => p.state === 'open');
    expect(open).toHaveLength(1);
    expect(parseMarker(open[0]?.body)).toMatchObject({ slug: SLUG, phase: 'intake', runId });
    expect(h.standIn.readFile(HEAD, `.ideamine/waivers/${SLUG}/intake.md`)).toContain('intake');
    expect(h.standIn.readFile(HEAD, 'someone-else.txt'), 'the other writer\'s commit was built on, not overwritten').not.toBeNull();
    expect(ledgerTypes(runId)).toContain('phase.blocked');
    h.standIn.assertExpectationsMet();
  });

  it('"Re-run failed jobs": create answers 422 (the PR exists), ours is found and left as it is', async () => {
    const before = h.standIn.log.length;
    const ledgerBefore = ledgerTypes(runId).length;
    const r = await h.runAction({ command: 'phase', phase: 'intake', slug: SLUG });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    inject('422-pr-exists');
    const requests = h.standIn.log.slice(before);
    expect(requests.filter((q) => q.operationId === 'pulls/create').map((q) => q.status)).toEqual([422]);
    expect(requests.some((q) => q.operationId === 'pulls/update'), 'an unchanged body is not written again').toBe(false);
    expect(h.standIn.repo.pulls.filter((p) => p.state === 'open')).toHaveLength(1);
    const added = ledgerTypes(runId).slice(ledgerBefore);
    expect(added.filter((t) => !t.startsWith('lease.') && t !== 'run.resumed'), 'a re-run of a blocked phase only takes and frees its lease').toEqual([]);
  });

  it('a rate limit that outlasts the retries fails the job with the cause named; the gate result stays on the state branch', async () => {
    h.standIn.repo.pulls.forEach((p) => { p.state = 'closed'; });
    h.standIn.secondaryRateLimit('pulls/create', 1, 3);
    inject('secondary-rate-limit');
    const r = await h.runAction({ command: 'phase', phase: 'intake', slug: SLUG });
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/secondary rate limit/i);
    expect(ledgerTypes(runId)).toContain('gate.evaluated');
    // The next job (a re-run, or tick) opens the PR once GitHub lets it.
    const again = await h.runAction({ command: 'phase', phase: 'intake', slug: SLUG });
    expect(again.code, again.stdout + again.stderr).toBe(1);
    expect(again.outputs.status).toBe('blocked');
    expect(h.standIn.repo.pulls.filter((p) => p.state === 'open')).toHaveLength(1);
    reportFigures('github-faults', { faults, requests: h.standIn.log.length });
  });
});
