// Who may take over a lease: a holder on this host is asked by pid; in GitHub Actions a holder from another
// workflow run or attempt is gone (one attempt at a time, one run per idea's concurrency group).
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { decideLease } from '../src/core/lease.js';
import { actionsJobOf, holderAlive, ownerId } from '../src/engine/owner.js';

const actions = (runId: string, attempt: string, job = 'phase-security'): NodeJS.ProcessEnv =>
  ({ GITHUB_ACTIONS: 'true', GITHUB_RUN_ID: runId, GITHUB_RUN_ATTEMPT: attempt, GITHUB_JOB: job });
const onRunner = (runner: string, runId: string, attempt: string, job = 'phase-security'): string =>
  `actions:${runId}:${attempt}:${job}@${runner}/4242/abcd1234`;
const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid ?? 999_999;

describe('owner ids', () => {
  it('name the workflow run, attempt and job inside Actions, and only the host elsewhere', () => {
    expect(ownerId(actions('9001', '2'))).toMatch(new RegExp(`^actions:9001:2:phase-security@${hostname()}/${process.pid}/[0-9a-f]+$`));
    expect(ownerId({})).toMatch(new RegExp(`^${hostname()}/${process.pid}/[0-9a-f]+$`));
    expect(actionsJobOf({ GITHUB_RUN_ID: '1' }), 'GITHUB_ACTIONS must say true').toBeNull();
  });
});

describe('holderAlive', () => {
  it('a job of an earlier attempt of the same run, on another runner, is gone ("Re-run failed jobs")', () => {
    expect(holderAlive(onRunner('runner-a', '9001', '1'), actions('9001', '2'))).toBe(false);
  });

  it('a job of another workflow run of the idea is gone (the concurrency group ended it)', () => {
    expect(holderAlive(onRunner('runner-a', '9000', '1'), actions('9001', '1'))).toBe(false);
  });

  it('a job of this very attempt on another runner cannot be judged: only its expiry frees it', () => {
    expect(holderAlive(onRunner('runner-a', '9001', '1', 'phase-qa'), actions('9001', '1'))).toBe('unknown');
  });

  it('outside Actions, a holder on another host is unknown; on this host its pid decides', () => {
    expect(holderAlive(onRunner('runner-a', '9000', '1'), {})).toBe('unknown');
    expect(holderAlive(`elsewhere/${process.pid}/abcd1234`, {})).toBe('unknown');
    expect(holderAlive(`${hostname()}/${deadPid()}/abcd1234`, {})).toBe(false);
    expect(holderAlive(`${hostname()}/${process.ppid}/abcd1234`, {})).toBe(true);
    expect(holderAlive(ownerId({}), {})).toBe(true);
  });

  it('lets the re-run take the killed job\'s phase at once, with a higher epoch', () => {
    const leases = { 'phase:security': { scope: 'phase:security', owner: onRunner('runner-a', '9001', '1'), epoch: 3, expiresAt: new Date(Date.now() + 600_000).toISOString() } };
    const env = actions('9001', '2');
    const decision = decideLease(leases, 'phase:security', ownerId(env), new Date(), (o) => holderAlive(o, env));
    expect(decision).toMatchObject({ action: 'acquire', epoch: 4 });
    expect(decision.action === 'acquire' ? decision.takeover : '').toContain('no longer running');
  });
});
