// The bundled Action run as the runner runs it: review turns gate PR reviews into ledger decisions; release commits the dossier.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMarker } from '../src/core/gate-pr.js';
import type { GitHubStandIn } from './support/github-standin.js';
import { startActionHarness, type ActionHarness, type ActionRun } from './support/action-harness.js';

const BLOCKING = 'plant-watering-reminder';

let h: ActionHarness;
let dir = '';
let standIn: GitHubStandIn;

beforeAll(async () => {
  h = await startActionHarness({ label: 'action-review', ideas: [BLOCKING] });
  ({ dir, standIn } = h);
});

afterAll(() => h.close());

const runAction = (inputs: Record<string, string>, extra: Record<string, string> = {}): Promise<ActionRun> => h.runAction(inputs, extra);
const remoteGit = (...args: string[]): string => h.remoteGit(...args);
const ledger = (slug: string, runId: string): { type: string; phase: string | null; data: Record<string, unknown> }[] =>
  remoteGit('show', `ideamine/${slug}:.ideamine/runs/${runId}/ledger.jsonl`).split('\n').filter(Boolean)
    .map((line) => JSON.parse(line) as { type: string; phase: string | null; data: Record<string, unknown> });

function reviewEvent(prNumber: number): Record<string, string> {
  const event = join(dir, `review-${prNumber}-${h.runs()}.json`);
  writeFileSync(event, JSON.stringify({ action: 'submitted', pull_request: { number: prNumber } }));
  return { GITHUB_EVENT_NAME: 'pull_request_review', GITHUB_EVENT_PATH: event };
}

describe('action: command review', () => {
  let runId = '';
  let prNumber = 0;

  it('blocks intake and opens a gate PR (setup)', async () => {
    const r = await runAction({ command: 'phase', phase: 'intake', slug: BLOCKING });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.outputs.status).toBe('blocked');
    runId = r.outputs['run-id'] ?? '';
    const pull = standIn.repo.pulls.find((p) => p.state === 'open');
    expect(parseMarker(pull?.body)).toMatchObject({ slug: BLOCKING, phase: 'intake', runId });
    prNumber = pull?.number ?? 0;
  });

  it('a read-only reviewer\'s approval is refused with one comment and records nothing', async () => {
    standIn.addCollaborator('reader', 'read');
    const id = standIn.submitReview(prNumber, 'reader', 'APPROVED', 'Looks fine to me, ship it.');
    const before = remoteGit('rev-parse', `ideamine/${BLOCKING}`);
    const runsBefore = standIn.repo.runs.length;
    const r = await runAction({ command: 'review' }, reviewEvent(prNumber));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.outputs.status).toBe('nothing-due');
    const comments = (standIn.repo.comments.get(prNumber) ?? []).filter((c) => c.body.includes(`ideamine:refused ${id}`));
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain('no write, maintain or admin permission');
    expect(remoteGit('rev-parse', `ideamine/${BLOCKING}`)).toBe(before);
    expect(standIn.repo.runs.length).toBe(runsBefore);
    // The same event again does not comment twice.
    await runAction({ command: 'review' }, reviewEvent(prNumber));
    expect((standIn.repo.comments.get(prNumber) ?? []).filter((c) => c.body.includes(`ideamine:refused ${id}`))).toHaveLength(1);
  });

  it('a writer\'s approval on the head SHA records a waiver with the review id and dispatches the run', async () => {
    standIn.addCollaborator('maintainer', 'write');
    const id = standIn.submitReview(prNumber, 'maintainer', 'APPROVED', 'Two core features are enough for a first release.');
    const runsBefore = standIn.repo.runs.length;
    const r = await runAction({ command: 'review' }, reviewEvent(prNumber));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.outputs.status).toBe('done');
    expect(r.outputs['run-id']).toBe(runId);
    const waivers = ledger(BLOCKING, runId).filter((e) => e.type === 'waiver.granted');
    expect(waivers).toHaveLength(1);
    expect(waivers[0]?.data).toMatchObject({ phase: 'intake', by: 'maintainer', source: 'review', reviewId: id, login: 'maintainer', sha: standIn.repo.headSha(standIn.pull(prNumber)) });
    expect(Date.parse(String(waivers[0]?.data['expiresAt']))).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    const started = standIn.repo.runs.slice(runsBefore);
    expect(started.map((run) => [run.inputs.slug, run.headBranch])).toEqual([[BLOCKING, 'main']]);
    // A repeated event (or tick) does not record the waiver twice.
    const again = await runAction({ command: 'tick' });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(ledger(BLOCKING, runId).filter((e) => e.type === 'waiver.granted')).toHaveLength(1);
  });

  it('the resumed phase command waives intake and closes the gate PR', async () => {
    const r = await runAction({ command: 'phase', phase: 'intake', slug: BLOCKING });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.outputs['run-id']).toBe(runId);
    expect(ledger(BLOCKING, runId).filter((e) => e.phase === 'intake').map((e) => e.type)).toContain('phase.waived');
    expect(standIn.pull(prNumber).state).toBe('closed');
  });

  it('release before every phase passed is nothing-due and commits nothing', async () => {
    const before = standIn.readFile('main', `dossiers/${BLOCKING}/RELEASE_DOSSIER.md`);
    const r = await runAction({ command: 'release', slug: BLOCKING });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.outputs.status).toBe('nothing-due');
    expect(before).toBeNull();
    expect(standIn.readFile('main', `dossiers/${BLOCKING}/RELEASE_DOSSIER.md`)).toBeNull();
  });
});

