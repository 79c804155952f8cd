// "Request changes" on a gate PR is guidance: the review text goes back to the phase's agents, the phase is tried
// again with it (new task keys, so new work), and the gate PR follows the new report. The same through a
// `/ideamine guide` comment by a writer; a reader's guidance is refused.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startActionHarness, type ActionHarness } from './support/action-harness.js';

const SLUG = 'plant-watering-reminder';
let h: ActionHarness;

interface Entry { type: string; phase: string | null; data: Record<string, unknown> }
const ledger = (runId: string): Entry[] =>
  h.remoteGit('show', `ideamine/${SLUG}:.ideamine/runs/${runId}/ledger.jsonl`).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Entry);

function event(name: string, payload: Record<string, unknown>): Record<string, string> {
  const file = join(h.dir, `${name}-${h.runs()}.json`);
  writeFileSync(file, JSON.stringify(payload));
  return { GITHUB_EVENT_NAME: name, GITHUB_EVENT_PATH: file };
}

beforeAll(async () => {
  h = await startActionHarness({ label: 'action-guidance', ideas: [SLUG] });
});
afterAll(() => h.close());

describe('action: guidance from a gate PR', () => {
  let runId = '';
  let pr = 0;

  it('a writer\'s "request changes" is recorded as guidance and the run is started again', async () => {
    const blocked = await h.runAction({ command: 'phase', phase: 'intake', slug: SLUG });
    expect(blocked.outputs.status).toBe('blocked');
    runId = blocked.outputs['run-id'] ?? '';
    pr = h.standIn.repo.pulls.find((p) => p.state === 'open')?.number ?? 0;
    h.standIn.addCollaborator('maintainer', 'maintain');
    const text = 'Treat the reminder schedule and the plant list as separate core features.';
    const id = h.standIn.submitReview(pr, 'maintainer', 'CHANGES_REQUESTED', text);
    const runsBefore = h.standIn.repo.runs.length;
    const r = await h.runAction({ command: 'review' }, event('pull_request_review', { action: 'submitted', pull_request: { number: pr } }));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.outputs.status).toBe('done');
    const resumed = ledger(runId).filter((e) => e.type === 'run.resumed');
    expect(resumed.map((e) => e.data)).toEqual([{ phase: 'intake', guidance: text, reviewId: id, login: 'maintainer' }]);
    expect(ledger(runId).some((e) => e.type === 'waiver.granted'), 'guidance is not a waiver').toBe(false);
    expect(h.standIn.repo.runs.slice(runsBefore).map((run) => run.inputs.slug)).toEqual([SLUG]);
  });

  it('the next phase job tries intake again with the guidance in its prompts: new tasks, a new attempt, the PR updated', async () => {
    const before = ledger(runId).length;
    const bodyBefore = h.standIn.pull(pr).body;
    const r = await h.runAction({ command: 'phase', phase: 'intake', slug: SLUG });
    // Offline, the idea still has two core features: the gate blocks again, on a new attempt.
    expect(r.outputs.status, r.stdout + r.stderr).toBe('blocked');
    const after = ledger(runId).slice(before);
    const fresh = after.filter((e) => e.type === 'task.finished' && e.data['reused'] === false);
    expect(fresh.length, 'the guidance changed the task keys, so the agents worked again').toBeGreaterThan(0);
    expect(after.filter((e) => e.type === 'gate.evaluated')).not.toHaveLength(0);
    expect(h.standIn.repo.pulls.filter((p) => p.state === 'open').map((p) => p.number)).toEqual([pr]);
    expect(h.standIn.pull(pr).body).not.toBe(bodyBefore);
  });

  it('a `/ideamine guide` comment by a writer counts; by a reader it is refused with a comment', async () => {
    h.standIn.addCollaborator('reader', 'read');
    const refusedId = h.standIn.addComment(pr, 'reader', '/ideamine guide Drop the reminders entirely.');
    const refused = await h.runAction({ command: 'review' }, event('issue_comment', { action: 'created', issue: { number: pr, pull_request: {} }, comment: { id: refusedId } }));
    expect(refused.code, refused.stdout + refused.stderr).toBe(0);
    expect((h.standIn.repo.comments.get(pr) ?? []).some((c) => c.body.includes(`ideamine:refused ${refusedId}`))).toBe(true);
    const count = ledger(runId).filter((e) => e.type === 'run.resumed').length;
    const text = 'Count watering history as the third core feature.';
    h.standIn.addComment(pr, 'maintainer', `/ideamine guide ${text}`);
    const r = await h.runAction({ command: 'review' }, event('issue_comment', { action: 'created', issue: { number: pr, pull_request: {} } }));
    expect(r.outputs.status, r.stdout + r.stderr).toBe('done');
    const resumed = ledger(runId).filter((e) => e.type === 'run.resumed');
    expect(resumed).toHaveLength(count + 1);
    expect(resumed.at(-1)?.data).toMatchObject({ guidance: text, login: 'maintainer' });
  });
});
