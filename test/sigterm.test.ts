// Graceful stop: SIGTERM mid-run exits soon with a non-zero code saying work is saved; the next run repeats nothing saved.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TempRepo } from './support/git-repo.js';
import {
  anthropicEnv, finalState, ideaRepo, multiset, outputId, repoHealth, savedOutputs, spawnCli, startStandIn, until, type StandIn,
} from './support/kill-harness.js';

const SLUG = 'shared-grocery-list';
const ARGS = ['run', `ideas/${SLUG}.yaml`, '--model', 'anthropic', '--concurrency', '2'];
// A full run asks about 40 requests; stopping after 12 lands mid-pipeline with requests in flight.
const STOP_AFTER_REQUESTS = 12;

describe('SIGTERM during a run', () => {
  let server: StandIn;
  let repo: TempRepo;

  beforeAll(async () => {
    server = await startStandIn(30);
    repo = ideaRepo();
  });

  afterAll(async () => {
    await server.close();
    repo.cleanup();
  });

  it('stops within 5 s with a non-zero exit saying work is saved, and the next run repeats only unsaved requests', async () => {
    const child = spawnCli(repo, ARGS, anthropicEnv(server.url));
    expect(await until(() => server.requests.length >= STOP_AFTER_REQUESTS, child.exited), 'the run ended before it could be stopped').toBe(true);
    const signalledAt = performance.now();
    // Only the CLI is signalled, as a runner or `kill <pid>` does; its git children must be left to finish.
    process.kill(child.pid, 'SIGTERM');
    const stopped = await child.exited;
    const stopMs = performance.now() - signalledAt;

    expect(stopMs, `stopped after ${Math.round(stopMs)} ms`).toBeLessThan(5_000);
    expect(stopped.signal, 'the process should exit by itself, not die of the signal').toBeNull();
    expect(stopped.code, stopped.stderr).not.toBe(0);
    expect(stopped.stderr).toMatch(/SIGTERM received/);
    // The last word the user sees says the work is kept and how to continue.
    const lastLine = stopped.stderr.trim().split('\n').filter((l) => !l.startsWith('  ')).at(-1) ?? '';
    expect(lastLine, stopped.stderr).toMatch(/saved/i);
    expect(lastLine, stopped.stderr).toMatch(/run (it )?again|resume/i);

    const firstRun = server.requests.length;
    const saved = savedOutputs(repo, SLUG);
    const unsaved = server.requests.slice(0, firstRun).filter((r) => r.output === undefined || !saved.has(outputId(r.output)));
    const firstFingerprints = new Set(server.fingerprints(0, firstRun));
    expect(saved.size, 'nothing was saved before the stop').toBeGreaterThan(0);

    const resumed = await spawnCli(repo, ARGS, anthropicEnv(server.url)).exited;
    expect(resumed.code, resumed.stderr).toBe(0);
    const second = server.fingerprints(firstRun);
    const repeated = second.filter((fp) => firstFingerprints.has(fp));
    const allowed = multiset(server.fingerprints(0, firstRun).filter((_, i) => unsaved.includes(server.requests[i] as (typeof unsaved)[number])));
    console.log(`sigterm: stopped in ${Math.round(stopMs)} ms after ${firstRun} requests; ${unsaved.length} unsaved at the stop; resume asked ${second.length}, repeated ${repeated.length}`);
    expect(repeated.filter((fp) => !allowed.has(fp)), 'a saved answer was asked for again').toEqual([]);
    expect(repeated.length).toBeLessThanOrEqual(unsaved.length);

    const { runId } = finalState(repo, SLUG);
    const verify = await spawnCli(repo, ['verify', runId]).exited;
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    const health = repoHealth(repo);
    expect(health.fsckCode, health.fsck).toBe(0);
    expect(health.locks).toEqual([]);
  });
});
