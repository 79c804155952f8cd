// Push refusals: a pre-receive hook standing in for a protected branch stops `ideamine run --push` at once with the
// cause named and nothing lost locally; a passing HTTP 500 on receive-pack is retried and the run completes.
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { reportFigures } from './support/chaos-report.js';
import { classifyPushError } from '../src/adapters/store/remote.js';
import { ExitCode } from '../src/core/errors.js';
import { jsonOf, PACKAGE_ROOT, runCli, type RunJson } from './support/cli.js';
import { runGitSync } from './support/git-repo.js';
import { checkHistory, phaseOverride, pushFigures, runIdOn, startHttpRemote, type HttpRemote } from './support/push-remote.js';

const SLUG = 'freelance-invoice-tracker';
const IDEA = `ideas/${SLUG}.yaml`;
// A short pipeline (~19 commits): what is tested is the push, not the phases.
const FILES = { ...phaseOverride(['intake', 'ideation', 'critique', 'prd']), [IDEA]: readFileSync(join(PACKAGE_ROOT, IDEA), 'utf8') };

/** A pre-receive hook declining refs/heads/ideamine/* once `allowed` pushes have gone through (0: from the start). */
function declineStateBranches(bare: string, allowed: number): void {
  const hook = join(bare, 'hooks', 'pre-receive');
  writeFileSync(hook, [
    '#!/bin/sh',
    'count=$(cat test-pushes-accepted 2>/dev/null || echo 0)',
    'while read old new ref; do',
    '  case "$ref" in refs/heads/ideamine/*)',
    `    if [ "$count" -ge ${allowed} ]; then echo "$ref is read-only (test policy standing in for branch protection)" >&2; exit 1; fi ;;`,
    '  esac',
    'done',
    'echo $((count + 1)) > test-pushes-accepted',
    '',
  ].join('\n'));
  chmodSync(hook, 0o755);
}

const receivePacks = async (remote: HttpRemote): Promise<{ get: number; post: number }> => {
  const r = await remote.server.requests();
  return { get: r['GET git-receive-pack'] ?? 0, post: r['POST git-receive-pack'] ?? 0 };
};

describe('a remote that refuses the push', () => {
  let remote: HttpRemote | null = null;
  afterEach(async () => {
    await remote?.cleanup();
    remote = null;
  });

  it('stops at the first push with the cause named, asks the remote once, and keeps the state locally', async () => {
    remote = await startHttpRemote(FILES);
    declineStateBranches(remote.bare, 0);
    const dir = remote.clone('work');
    const started = performance.now();
    const result = await runCli(['run', IDEA, '--push'], { cwd: dir });
    const ms = performance.now() - started;
    expect(result.code, result.stderr).toBe(ExitCode.failed);
    expect(result.stderr).toContain(`ideamine run: push of refs/heads/ideamine/${SLUG} to origin refused: a pre-receive hook on the remote declined the push`);
    expect(result.stderr).toContain('read-only (test policy standing in for branch protection)');
    expect(result.stderr).toContain('nothing was retried');
    expect(pushFigures(result.stderr)).toEqual({ ok: 0, commits: 0, lostRaces: 0, retries: 0, refused: 1 });
    // No retry storm: one ref advertisement and one pack upload, and nothing reached the remote.
    const packs = await receivePacks(remote);
    expect(packs.post).toBe(1);
    expect(packs.get + packs.post).toBeLessThanOrEqual(2);
    expect(runGitSync(remote.bare, ['for-each-ref', 'refs/heads/ideamine/'])).toBe('');
    // Nothing lost: the refused commit stays on the local state branch, which verifies.
    const runId = runIdOn(dir, SLUG);
    const verify = await runCli(['verify', runId], { cwd: dir });
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    reportFigures('push-refusal', { faults: { 'pre-receive refusal': 1 } });
    console.log(`chaos-push-refusal: refused at the first push in ${Math.round(ms)} ms (whole CLI process), receive-pack requests: ${packs.get} GET + ${packs.post} POST`);
  });

  it('stops mid-run when the remote starts refusing; the local branch carries on and pushes once allowed', async () => {
    remote = await startHttpRemote(FILES);
    const allowed = 5;
    declineStateBranches(remote.bare, allowed);
    const dir = remote.clone('work');
    const refused = await runCli(['run', IDEA, '--push'], { cwd: dir });
    expect(refused.code, refused.stderr).toBe(ExitCode.failed);
    expect(refused.stderr).toContain('refused: a pre-receive hook on the remote declined the push');
    expect(pushFigures(refused.stderr)).toEqual({ ok: allowed, commits: allowed, lostRaces: 0, retries: 0, refused: 1 });
    expect((await receivePacks(remote)).post).toBe(allowed + 1);
    const runId = runIdOn(dir, SLUG);
    expect(Number(runGitSync(remote.bare, ['rev-list', '--count', `ideamine/${SLUG}`]))).toBe(allowed);
    expect(Number(runGitSync(dir, ['rev-list', '--count', `ideamine/${SLUG}`]))).toBe(allowed + 1);
    expect((await runCli(['verify', runId], { cwd: dir })).code).toBe(0);

    // Without --push the run resumes from the local branch and completes; nothing was lost.
    const local = await runCli(['run', IDEA, '--json'], { cwd: dir });
    expect(local.code, local.stderr).toBe(ExitCode.ok);
    expect(jsonOf<RunJson>(local).status).toBe('completed');

    // Once the remote accepts again, --push sends what it lacks first (the pull), then has nothing else to do.
    rmSync(join(remote.bare, 'hooks', 'pre-receive'));
    const pushed = await runCli(['run', IDEA, '--push'], { cwd: dir });
    expect(pushed.code, pushed.stderr).toBe(ExitCode.ok);
    expect(pushed.stderr).toContain(`Pushed ideamine/${SLUG} commits origin did not have yet`);
    expect(runGitSync(remote.bare, ['rev-parse', `ideamine/${SLUG}`])).toBe(runGitSync(dir, ['rev-parse', `ideamine/${SLUG}`]));
    const fresh = remote.freshClone('fresh');
    expect(checkHistory(fresh, SLUG, runId).problems).toEqual([]);
    const verify = await runCli(['verify', runId], { cwd: fresh });
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  });

  it('names a --remote that does not exist (exit 2) and writes nothing', async () => {
    remote = await startHttpRemote(FILES);
    const dir = remote.clone('work');
    const result = await runCli(['run', IDEA, '--push', '--remote', 'upstream'], { cwd: dir });
    expect(result.code).toBe(ExitCode.badInput);
    expect(result.stderr).toContain('ideamine run: --remote: this repository has no remote named "upstream"');
    expect(result.stderr).toContain('Remotes here: origin');
    expect(runGitSync(dir, ['for-each-ref', 'refs/heads/ideamine/'])).toBe('');
    expect(await remote.server.requests()).toEqual({});
  });

  it('retries a passing HTTP 500 on receive-pack and completes', async () => {
    remote = await startHttpRemote(FILES);
    const dir = remote.clone('work');
    remote.server.refuse('git-receive-pack', 500, 1);
    const result = await runCli(['run', IDEA, '--push', '--json'], { cwd: dir });
    expect(result.code, result.stderr).toBe(ExitCode.ok);
    const json = jsonOf<RunJson & { push: { retries: number; commits: number; refused: number } }>(result);
    expect(json.status).toBe('completed');
    expect(json.push).toMatchObject({ retries: 1, refused: 0 });
    // The refused request was the first push's ref advertisement; its retry and every later push went through.
    const packs = await receivePacks(remote);
    expect(packs.get).toBe(packs.post + 1);
    expect(packs.post).toBe(json.push.commits);
    const fresh = remote.freshClone('fresh');
    const runId = runIdOn(fresh, SLUG);
    expect(checkHistory(fresh, SLUG, runId)).toMatchObject({ commits: json.push.commits, problems: [] });
    const verify = await runCli(['verify', runId], { cwd: fresh });
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    reportFigures('push-refusal', { faults: { 'HTTP 500 on push': 1 } });
  });
});

describe('what a failed push means', () => {
  // git's and GitHub's own words (the latter as documented for protected branches, rulesets, push protection, size).
  it.each([
    [' ! [rejected]        x -> ideamine/a (fetch first)', 'lost-race'],
    [' ! [rejected]        x -> ideamine/a (non-fast-forward)', 'lost-race'],
    [' ! [remote rejected] x -> ideamine/a (cannot lock ref \'refs/heads/ideamine/a\': is at 1 but expected 2)', 'lost-race'],
    [' ! [remote rejected] x -> ideamine/a (failed to update ref)', 'lost-race'],
    ['remote: error: GH006: Protected branch update failed for refs/heads/ideamine/a.', 'refused'],
    ['remote: error: GH013: Repository rule violations found for refs/heads/ideamine/a.', 'refused'],
    ['remote: error: GH009: Secrets detected! This push failed.', 'refused'],
    ['remote: error: GH001: Large files detected.', 'refused'],
    [' ! [remote rejected] x -> ideamine/a (pre-receive hook declined)', 'refused'],
    ['remote: Permission to o/r.git denied to github-actions[bot].\nfatal: unable to access: The requested URL returned error: 403', 'refused'],
    ['error: RPC failed; HTTP 413 curl 22 The requested URL returned error: 413', 'refused'],
    ["fatal: unable to access 'http://127.0.0.1/r.git/': The requested URL returned error: 500", 'transient'],
    ['error: RPC failed; curl 56 Recv failure: Connection reset by peer\nfatal: the remote end hung up unexpectedly', 'transient'],
    ["fatal: unable to access 'https://github.com/o/r.git/': Could not resolve host: github.com", 'transient'],
    ["fatal: 'nope' does not appear to be a git repository", 'other'],
  ])('%s → %s', (text, kind) => {
    expect(classifyPushError(text).kind).toBe(kind);
  });
});
