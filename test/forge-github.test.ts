// The GitHub forge (real Octokit with throttling and retry) against the stateful stand-in on 127.0.0.1.
import { afterEach, describe, expect, it } from 'vitest';
import { createGitHubForge } from '../src/adapters/forge/github.js';
import { IdeaMineError } from '../src/core/errors.js';
import { gateBranch, gateFileMarkdown, gateFilePath, gatePrBody, gateTitle, parseMarker, renderMarker, type GatePrContent } from '../src/core/gate-pr.js';
import type { Forge, GatePrRequest } from '../src/ports/forge.js';
import { startGitHubStandIn, type GitHubStandIn, type TokenPermissions } from './support/github-standin.js';
import { failingGate } from './support/github-standin/gate-fixture.js';

const BOT = 'github-actions[bot]';
const ALL: TokenPermissions = { contents: 'write', 'pull-requests': 'write', issues: 'write', actions: 'write' };
const FAST = { writeGapMs: 0, notifyGapMs: 0, retryUnitMs: 1, raceJitterMs: 0 };

let standIn: GitHubStandIn | undefined;

afterEach(async () => {
  const s = standIn;
  standIn = undefined;
  if (!s) return;
  await s.close();
  s.assertNoUnexpected();
});

async function setup(permissions: TokenPermissions = ALL, pacing: Record<string, number> = FAST): Promise<{ s: GitHubStandIn; forge: Forge }> {
  const s = await startGitHubStandIn({ tokens: { 'ghs-actions': { login: BOT, actions: true, permissions } }, workflows: ['ideamine-run.yml'] });
  standIn = s;
  return { s, forge: createGitHubForge({ token: 'ghs-actions', owner: 'acme', repo: 'widgets', baseUrl: s.url, identityLogin: BOT, pacing }) };
}

function gateRequest(attempt = 3, violations = 2): GatePrRequest {
  const content: GatePrContent = {
    marker: { slug: 'meal-planner', phase: 'prd', runId: 'meal-planner-1a2b3c4d', attempt }, ideaName: 'Meal Planner',
    gate: failingGate(violations), allowSelfWaiver: false, waiverExpiry: '30 days',
  };
  return {
    marker: content.marker, title: gateTitle('prd', 'Meal Planner'), body: gatePrBody(content),
    file: { path: gateFilePath('meal-planner', 'prd'), content: gateFileMarkdown(content) },
  };
}

const refusal = async (p: Promise<unknown>): Promise<IdeaMineError> => {
  const caught = await p.then(() => null, (e: unknown) => e);
  if (!(caught instanceof IdeaMineError)) throw new Error(`expected an IdeaMineError, got ${String(caught)}`);
  return caught;
};

describe('findOrCreateGatePr', () => {
  it('opens a PR from ideamine-gate/<slug>/<phase> adding the report file, based on the default branch', async () => {
    const { s, forge } = await setup();
    const request = gateRequest();
    const { pr, action } = await forge.findOrCreateGatePr(request);
    expect(action).toBe('created');
    expect(pr).toMatchObject({ number: 1, headRef: 'ideamine-gate/meal-planner/prd', baseRef: 'main', author: BOT, ours: true, fromFork: false, state: 'open' });
    expect(pr.marker).toEqual(request.marker);
    expect(s.readFile(pr.headRef, '.ideamine/waivers/meal-planner/prd.md')).toBe(request.file.content);
    expect(s.readFile(pr.headRef, 'README.md')).toBe('# widgets\n');
    expect(s.readFile('main', '.ideamine/waivers/meal-planner/prd.md')).toBeNull();
    expect(s.pull(1).body).toBe(request.body);
  });

  it('is race-safe: two concurrent callers end with one PR', async () => {
    const { s, forge } = await setup();
    const other = createGitHubForge({ token: 'ghs-actions', owner: 'acme', repo: 'widgets', baseUrl: s.url, identityLogin: BOT, pacing: FAST });
    const results = await Promise.all([forge.findOrCreateGatePr(gateRequest()), other.findOrCreateGatePr(gateRequest())]);
    expect(s.repo.pulls).toHaveLength(1);
    expect(results.map((r) => r.action).sort()).toEqual(['created', 'unchanged']);
    expect(results[0]?.pr.number).toBe(results[1]?.pr.number);
    expect(s.count('pulls/create')).toBe(2);
    expect(s.log.filter((r) => r.operationId === 'pulls/create').map((r) => r.status).sort()).toEqual([201, 422]);
  });

  it('updates only when the body changed, and the request counts prove it', async () => {
    const { s, forge } = await setup();
    await forge.findOrCreateGatePr(gateRequest(3));
    const before = forge.stats.requests;
    expect((await forge.findOrCreateGatePr(gateRequest(3))).action).toBe('unchanged');
    expect(s.count('pulls/update')).toBe(0);
    expect(s.count('git/create-commit')).toBe(1);
    // Unchanged: read repo info (cached), ref, commit, tree (same), create PR (422), list PRs.
    expect(forge.stats.requests - before).toBe(5);
    const changed = await forge.findOrCreateGatePr(gateRequest(4, 5));
    expect(changed.action).toBe('updated');
    expect(s.count('pulls/update')).toBe(1);
    expect(parseMarker(s.pull(1).body)?.attempt).toBe(4);
    expect(s.readFile(changed.pr.headRef, '.ideamine/waivers/meal-planner/prd.md')).toContain('feature 4');
    expect(forge.stats.requests).toBe(s.count());
    expect(forge.stats.byRoute['PATCH /repos/{owner}/{repo}/pulls/{pull_number}']).toBe(1);
  });

  it('never takes a PR by another author for ours, even with our marker and head ref', async () => {
    const { s, forge } = await setup();
    const request = gateRequest();
    const n = s.openPull({ login: 'mallory', headRef: gateBranch('meal-planner', 'prd'), title: 'Gate failed: prd', body: `fake\n${renderMarker(request.marker)}` });
    const error = await refusal(forge.findOrCreateGatePr(request));
    expect(error.code).toBe('REFUSED');
    expect(error.message).toContain(`not opened by ${BOT}`);
    expect(s.pull(n).body).toContain('fake');
    expect(s.count('pulls/update')).toBe(0);
    expect(await forge.listGatePrs()).toEqual([]);
  });

  it('explains the repository setting when Actions may not create PRs', async () => {
    const { s, forge } = await setup();
    s.repo.allowActionsToCreatePrs = false;
    const error = await refusal(forge.findOrCreateGatePr(gateRequest()));
    expect(error.code).toBe('REFUSED');
    expect(error.details.join(' ')).toContain('Allow GitHub Actions to create and approve pull requests');
  });

  it('a token without pull-requests: write is refused by GitHub and said so', async () => {
    const { s, forge } = await setup({ contents: 'write' });
    const error = await refusal(forge.findOrCreateGatePr(gateRequest()));
    expect(error.code).toBe('REFUSED');
    expect(error.message).toContain('Resource not accessible by integration');
    expect(s.scopeRefusals).toEqual([`POST /repos/{owner}/{repo}/pulls: token of ${BOT} lacks pull-requests: write`]);
  });

  it('keeps an oversized body under 65,536 characters with the marker at its end', async () => {
    const { s, forge } = await setup();
    const request = { ...gateRequest(3, 4000) };
    const { pr } = await forge.findOrCreateGatePr({ ...request, body: `${request.body}\n${'z'.repeat(70_000)}` });
    const body = s.pull(pr.number).body ?? '';
    expect(body.length).toBeLessThan(65_536);
    expect(body.endsWith(renderMarker(request.marker))).toBe(true);
    expect(body).toContain('`.ideamine/waivers/meal-planner/prd.md` in this pull request');
  });
});

describe('rate limits and server errors', () => {
  it('the throttling plugin retries a secondary rate limit after retry-after', async () => {
    const { s, forge } = await setup(ALL, { ...FAST, retryUnitMs: 100 });
    s.secondaryRateLimit('POST /repos/{owner}/{repo}/pulls', 2);
    const started = Date.now();
    expect((await forge.findOrCreateGatePr(gateRequest())).action).toBe('created');
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(s.log.filter((r) => r.operationId === 'pulls/create').map((r) => r.status)).toEqual([403, 201]);
    expect(forge.stats.byRoute['POST /repos/{owner}/{repo}/pulls']).toBe(2);
    s.assertExpectationsMet();
  });

  it('gives up after the bounded number of rate-limit retries', async () => {
    const { s, forge } = await setup(ALL, { ...FAST, rateLimitRetries: 1 });
    s.secondaryRateLimit('pulls/list', 1, 5);
    const error = await refusal(forge.listGatePrs());
    expect(error.message).toContain('secondary rate limit');
    expect(error.retryable).toBe(true);
    expect(s.count('pulls/list')).toBe(2);
  });

  it('the retry plugin retries a 5xx', async () => {
    const { s, forge } = await setup();
    s.serverError('repos/get', 502, 2);
    expect((await forge.repoInfo()).defaultBranch).toBe('main');
    expect(s.log.map((r) => r.status)).toEqual([502, 502, 200]);
    expect(forge.stats.requests).toBe(3);
  });
});

describe('commitFiles', () => {
  it('commits on the tip and reports an identical tree as unchanged', async () => {
    const { s, forge } = await setup();
    const first = await forge.commitFiles({ branch: 'main', files: [{ path: 'dossiers/x/RELEASE_DOSSIER.md', content: '# x\n' }], message: 'dossier' });
    expect(first).toMatchObject({ kind: 'committed', created: false });
    expect(s.readFile('main', 'dossiers/x/RELEASE_DOSSIER.md')).toBe('# x\n');
    const again = await forge.commitFiles({ branch: 'main', files: [{ path: 'dossiers/x/RELEASE_DOSSIER.md', content: '# x\n' }], message: 'dossier' });
    expect(again).toEqual({ kind: 'unchanged', commit: first.kind === 'committed' ? first.commit : '' });
    expect(s.count('git/create-commit')).toBe(1);
  });

  it('rebuilds on a ref that moved between reading and updating it', async () => {
    const { s, forge } = await setup();
    let theirs = '';
    s.fault({ route: 'git/update-ref', run: (st) => { theirs = st.pushCommit('main', { 'other.txt': 'someone else\n' }); } });
    const result = await forge.commitFiles({ branch: 'main', files: [{ path: 'dossiers/x/a.md', content: 'ours\n' }], message: 'ours' });
    expect(result.kind).toBe('committed');
    expect(s.readFile('main', 'other.txt')).toBe('someone else\n');
    expect(s.readFile('main', 'dossiers/x/a.md')).toBe('ours\n');
    const tip = s.repo.refs.get('heads/main') ?? '';
    expect(s.repo.git.commits.get(tip)?.parents).toEqual([theirs]);
    expect(s.log.filter((r) => r.operationId === 'git/update-ref').map((r) => r.status)).toEqual([422, 200]);
  });

  it('builds on a branch another writer created between reading and creating it', async () => {
    const { s, forge } = await setup();
    s.fault({ route: 'git/create-ref', run: (st) => { st.pushCommit('ideamine-gate/x/prd', { 'theirs.md': 'theirs\n' }); } });
    const result = await forge.commitFiles({ branch: 'ideamine-gate/x/prd', files: [{ path: 'ours.md', content: 'ours\n' }], message: 'ours' });
    expect(result).toMatchObject({ kind: 'committed', created: false });
    expect(s.readFile('ideamine-gate/x/prd', 'theirs.md')).toBe('theirs\n');
    expect(s.readFile('ideamine-gate/x/prd', 'ours.md')).toBe('ours\n');
    expect(s.log.filter((r) => r.operationId === 'git/create-ref').map((r) => r.status)).toEqual([422]);
    s.assertExpectationsMet();
  });

  it('reports a protected branch as a permanent refusal and leaves it as it was', async () => {
    const { s, forge } = await setup();
    s.protect('main');
    const tip = s.repo.refs.get('heads/main');
    const result = await forge.commitFiles({ branch: 'main', files: [{ path: 'dossiers/x/a.md', content: 'ours\n' }], message: 'ours' });
    expect(result).toMatchObject({ kind: 'refused', reason: 'protected' });
    expect(result.kind === 'refused' ? result.message : '').toContain('Protected branch update failed');
    expect(s.repo.refs.get('heads/main')).toBe(tip);
    expect(s.count('git/update-ref')).toBe(1);
  });

  it('reports a missing contents: write as forbidden', async () => {
    const { s, forge } = await setup({ 'pull-requests': 'write' });
    const result = await forge.commitFiles({ branch: 'main', files: [{ path: 'a.md', content: 'x' }], message: 'x' });
    expect(result).toMatchObject({ kind: 'refused', reason: 'forbidden' });
    expect(s.scopeRefusals[0]).toContain('contents: read');
  });

  it('refuses unsafe paths before any request', async () => {
    const { s, forge } = await setup();
    await expect(forge.commitFiles({ branch: 'main', files: [{ path: '../x', content: 'x' }], message: 'x' })).rejects.toThrow(/must be relative/);
    expect(s.count()).toBe(0);
  });
});
