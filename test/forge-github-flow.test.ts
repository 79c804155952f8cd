// The GitHub forge's read side and workflow runs: human input into evaluateReviews, closing, dispatching.
import { afterEach, describe, expect, it } from 'vitest';
import { createGitHubForge } from '../src/adapters/forge/github.js';
import { IdeaMineError } from '../src/core/errors.js';
import { gateFileMarkdown, gateFilePath, gatePrBody, gateTitle, renderMarker, type GatePrContent } from '../src/core/gate-pr.js';
import { evaluateReviews } from '../src/core/human-input.js';
import type { Forge, GatePrRequest } from '../src/ports/forge.js';
import { startGitHubStandIn, type GitHubStandIn, type TokenPermissions } from './support/github-standin.js';
import { failingGate } from './support/github-standin/gate-fixture.js';

const BOT = 'github-actions[bot]';
const FAST = { writeGapMs: 0, notifyGapMs: 0, retryUnitMs: 1, raceJitterMs: 0 };
let standIn: GitHubStandIn | undefined;

afterEach(async () => {
  const s = standIn;
  standIn = undefined;
  if (!s) return;
  await s.close();
  s.assertNoUnexpected();
});

async function setup(permissions: TokenPermissions = { contents: 'write', 'pull-requests': 'write', issues: 'write', actions: 'write' }): Promise<{ s: GitHubStandIn; forge: Forge }> {
  const s = await startGitHubStandIn({ tokens: { t: { login: BOT, actions: true, permissions } }, workflows: ['ideamine-run.yml', 'ideamine.yml'] });
  standIn = s;
  return { s, forge: createGitHubForge({ token: 't', owner: 'acme', repo: 'widgets', baseUrl: s.url, identityLogin: BOT, pacing: FAST }) };
}

function gateRequest(phase = 'prd'): GatePrRequest {
  const content: GatePrContent = { marker: { slug: 'meal-planner', phase, runId: 'meal-planner-1a2b3c4d', attempt: 3 }, ideaName: 'Meal Planner', gate: failingGate(), allowSelfWaiver: false, waiverExpiry: null };
  return { marker: content.marker, title: gateTitle(phase, 'Meal Planner'), body: gatePrBody(content), file: { path: gateFilePath('meal-planner', phase), content: gateFileMarkdown(content) } };
}

describe('readHumanInput', () => {
  it('gives evaluateReviews what it needs, reading roles only for people who decided something', async () => {
    const { s, forge } = await setup();
    const { pr } = await forge.findOrCreateGatePr(gateRequest());
    s.addCollaborator('alice', 'maintain');
    s.addCollaborator('bob', 'read');
    s.addCollaborator('carol', 'write');
    const stale = s.submitReview(pr.number, 'carol', 'APPROVED', 'old approval');
    await forge.findOrCreateGatePr({ ...gateRequest(), file: { path: gateFilePath('meal-planner', 'prd'), content: 'report v2\n' } });
    s.submitReview(pr.number, 'carol', 'COMMENTED', 'looking');
    s.submitReview(pr.number, 'bob', 'APPROVED', 'lgtm');
    s.submitReview(pr.number, 'renovate[bot]', 'APPROVED', 'auto');
    s.submitReview(pr.number, 'dave', 'COMMENTED', 'drive-by');
    const approval = s.submitReview(pr.number, 'alice', 'APPROVED', 'The PRD gap is known; waive for the beta.');
    const snapshot = await forge.readHumanInput(pr.number);
    expect(snapshot.pr.ours).toBe(true);
    expect(snapshot.reviews).toHaveLength(6);
    expect(snapshot.permissions).toEqual({ alice: 'maintain', bob: 'read', carol: 'write' });
    expect(s.count('repos/get-collaborator-permission-level')).toBe(3);
    expect(snapshot.headCommittedAt).toBeNull();
    const decision = evaluateReviews({ ...snapshot, headSha: snapshot.pr.headSha, prFromFork: snapshot.pr.fromFork, ideaAuthor: 'ada', allowSelfWaiver: false });
    expect(decision).toMatchObject({ decision: 'waiver', source: { id: approval, login: 'alice', sha: snapshot.pr.headSha } });
    expect(decision.refused).toEqual([{ login: 'bob', id: expect.any(Number) as number, reason: 'permission' }, { login: 'carol', id: stale, reason: 'stale-sha' }, { login: 'renovate[bot]', id: expect.any(Number) as number, reason: 'bot' }]);
  });

  it('reads comment commands with the head commit time, and marks fork PRs', async () => {
    const { s, forge } = await setup();
    const { pr } = await forge.findOrCreateGatePr(gateRequest());
    s.addCollaborator('alice', 'write');
    s.addComment(pr.number, 'alice', '/ideamine guide Focus the PRD on the planner, not payments.');
    const snapshot = await forge.readHumanInput(pr.number);
    expect(snapshot.headCommittedAt).not.toBeNull();
    expect(evaluateReviews({ ...snapshot, headSha: snapshot.pr.headSha, prFromFork: false, ideaAuthor: null, allowSelfWaiver: false }).decision).toBe('guidance');
    const fork = s.openPull({ login: 'mallory', headRef: 'ideamine-gate/meal-planner/prd', title: 't', body: renderMarker(gateRequest().marker), fromFork: true });
    const forked = await forge.readHumanInput(fork);
    expect(forked.pr).toMatchObject({ fromFork: true, ours: false });
  });
});

describe('listGatePrs and closeGatePr', () => {
  it('lists only our open gate PRs and closes one with a comment, deleting its branch', async () => {
    const { s, forge } = await setup();
    const prd = await forge.findOrCreateGatePr(gateRequest('prd'));
    await forge.findOrCreateGatePr(gateRequest('qa'));
    s.openPull({ login: 'alice', headRef: 'feature/x', title: 'unrelated', body: 'hi' });
    expect((await forge.listGatePrs()).map((p) => p.headRef).sort()).toEqual(['ideamine-gate/meal-planner/prd', 'ideamine-gate/meal-planner/qa']);
    await forge.closeGatePr(prd.pr.number, 'The idea file was deleted; closing.');
    expect(s.pull(prd.pr.number).state).toBe('closed');
    expect(s.repo.comments.get(prd.pr.number)?.[0]?.body).toBe('The idea file was deleted; closing.');
    expect(s.repo.refs.has('heads/ideamine-gate/meal-planner/prd')).toBe(false);
    expect((await forge.listGatePrs()).map((p) => p.headRef)).toEqual(['ideamine-gate/meal-planner/qa']);
  });

  it('refuses to close a PR that is not ours', async () => {
    const { s, forge } = await setup();
    const n = s.openPull({ login: 'alice', headRef: 'feature/x', title: 'unrelated', body: 'hi' });
    await expect(forge.closeGatePr(n, 'bye')).rejects.toThrow(IdeaMineError);
    expect(s.pull(n).state).toBe('open');
    expect(s.count('issues/create-comment')).toBe(0);
  });

  it('caps a long comment with a pointer to the full text', async () => {
    const { s, forge } = await setup();
    const { pr } = await forge.findOrCreateGatePr(gateRequest());
    await forge.comment(pr.number, 'x\n'.repeat(40_000), '`.ideamine/waivers/meal-planner/prd.md`');
    const body = s.repo.comments.get(pr.number)?.[0]?.body ?? '';
    expect(body.length).toBeLessThan(65_536);
    expect(body).toContain('The full text is in `.ideamine/waivers/meal-planner/prd.md`.');
  });
});

describe('workflow runs', () => {
  it('dispatches a run with only the slug and lists runs by status', async () => {
    const { s, forge } = await setup();
    await forge.dispatchRun('ideamine-run.yml', 'main', { slug: 'meal-planner' });
    const queued = await forge.listWorkflowRuns('ideamine-run.yml', 'queued');
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({ status: 'queued', event: 'workflow_dispatch', headBranch: 'main', conclusion: null });
    expect(s.repo.runs[0]?.inputs).toEqual({ slug: 'meal-planner' });
    s.setRunStatus(queued[0]?.id ?? 0, 'completed', 'success');
    expect(await forge.listWorkflowRuns('ideamine-run.yml', 'in_progress')).toEqual([]);
    expect(await forge.listWorkflowRuns('ideamine.yml')).toEqual([]);
  });

  it('explains a dispatch refused for lack of actions: write', async () => {
    const { s, forge } = await setup({ contents: 'write' });
    const caught = await forge.dispatchRun('ideamine-run.yml', 'main', { slug: 'x' }).then(() => null, (e: unknown) => e);
    expect(caught).toBeInstanceOf(IdeaMineError);
    expect((caught as IdeaMineError).details.join(' ')).toContain('actions: write');
    expect(s.scopeRefusals).toHaveLength(1);
    expect(s.repo.runs).toEqual([]);
  });
});
