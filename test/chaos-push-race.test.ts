// Push races: ten `ideamine run --push` processes (eight ideas, and two on one idea) against one bare remote over
// git http-backend; then two sessions in-process that lose races on purpose (replay) and one fenced by a takeover.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportFigures } from './support/chaos-report.js';
import { createGitStore, type GitStore } from '../src/adapters/store/git.js';
import { withRemote, type RemoteStore } from '../src/adapters/store/remote.js';
import { ExitCode } from '../src/core/errors.js';
import { decideLease, LEASE_TTL_MS } from '../src/core/lease.js';
import { checkLedger } from '../src/core/ledger.js';
import { RunSession, type SessionDeps } from '../src/engine/session.js';
import type { Clock } from '../src/ports/clock.js';
import { jsonOf, PACKAGE_ROOT, runCli, type CliResult, type RunJson } from './support/cli.js';
import { runGitSync } from './support/git-repo.js';
import { checkHistory, phaseOverride, pushFigures, runIdOn, startHttpRemote, type HttpRemote, type PushFigures } from './support/push-remote.js';

const OWN = Array.from({ length: 8 }, (_, i) => `push-race-${i + 1}`);
const SHARED = 'push-race-shared';
const base = readFileSync(join(PACKAGE_ROOT, 'ideas', 'freelance-invoice-tracker.yaml'), 'utf8');
// Small valid ideas that pass every gate offline, each its own run (the name differs, so does the idea hash).
const ideaFor = (slug: string): string => base.replace(/^name: .*$/m, `name: Invoice tracker ${slug.replace('push-race-', '')}`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
// The first four phases (~19 commits a run instead of ~70): the races are about pushes, not about the pipeline's
// length, and ten full runs would not fit a CI minute on two cores.
const PHASES = ['intake', 'ideation', 'critique', 'prd'];

describe('ten runs pushing to one remote at once', () => {
  let remote: HttpRemote;
  beforeAll(async () => {
    remote = await startHttpRemote({ ...phaseOverride(PHASES), ...Object.fromEntries([...OWN, SHARED].map((slug) => [`ideas/${slug}.yaml`, ideaFor(slug)])) });
  });
  afterAll(async () => {
    await remote.cleanup();
  });

  it('loses no commit, settles the shared idea by its lease, and leaves ledgers that verify on a fresh clone', { timeout: 240_000 }, async () => {
    const jobs = [...OWN, SHARED, SHARED].map((slug, i) => ({ slug, dir: remote.clone(`clone-${i}`) }));
    const pullsBefore = (await remote.server.requests())['GET git-upload-pack'] ?? 0;
    // Start barrier: no push is served until every process has pulled, so both runs of the shared idea begin
    // from an empty remote and must race for its first commit (otherwise the second would merely see the first).
    remote.server.hold('git-receive-pack');
    const started = performance.now();
    let settled = 0;
    const runs = jobs.map(({ slug, dir }) =>
      runCli(['run', `ideas/${slug}.yaml`, '--push', '--json'], { cwd: dir, timeoutMs: 200_000 }).finally(() => (settled += 1)));
    let barrierMet = false;
    for (const deadline = Date.now() + 90_000; Date.now() < deadline && settled < runs.length;) {
      if (((await remote.server.requests())['GET git-upload-pack'] ?? 0) - pullsBefore >= jobs.length) {
        barrierMet = true;
        break;
      }
      await sleep(50);
    }
    remote.server.release('git-receive-pack');
    const results = await Promise.all(runs);
    const seconds = (performance.now() - started) / 1000;
    const show = (r: CliResult): string => `exit ${r.code}\n${r.stderr.slice(-2000)}`;
    expect(barrierMet, `not every process pulled before pushing:\n${results.map(show).join('\n')}`).toBe(true);

    const figures = results.map((r) => pushFigures(r.stderr));
    results.forEach((r, i) => expect(figures[i], `no push figures from ${jobs[i]?.slug}: ${show(r)}`).not.toBeNull());
    const fig = (i: number): PushFigures => figures[i] as PushFigures;

    // Every run of its own idea completes, and says so with the same push figures in its JSON.
    for (const [i, slug] of OWN.entries()) {
      const result = results[i] as CliResult;
      expect(result.code, `${slug}: ${show(result)}`).toBe(ExitCode.ok);
      const json = jsonOf<RunJson & { push: PushFigures }>(result);
      expect(json.status).toBe('completed');
      expect(json.push).toMatchObject(fig(i));
    }

    // The shared idea: exactly one goes on, the other stops naming the holder (LEASE_HELD → exit 1).
    const pair = [8, 9].map((i) => results[i] as CliResult);
    const winner = pair.find((r) => r.code === ExitCode.ok);
    const loser = pair.find((r) => r.code !== ExitCode.ok);
    expect(pair.map((r) => r.code).sort(), pair.map(show).join('\n---\n')).toEqual([ExitCode.ok, ExitCode.failed]);
    expect(jsonOf<RunJson>(winner as CliResult).status).toBe('completed');
    expect(loser?.stderr).toMatch(/ideamine run: push-race-shared-[0-9a-f]{8}: (?:the run )?is held by "?[^ ]+\/\d+\/[0-9a-z]+"? \(epoch \d+\)/);
    expect(loser?.stdout).toBe('');

    // The remote: per branch, as many commits as the processes on it reported landing; every commit's events in
    // the final ledger in order (nothing lost, nothing rewritten); and `ideamine verify` passes on a fresh clone.
    const fresh = remote.freshClone('fresh');
    const slugs = runGitSync(fresh, ['for-each-ref', '--format=%(refname:lstrip=3)', 'refs/heads/ideamine/']).split('\n').sort();
    expect(slugs).toEqual([...OWN, SHARED].sort());
    let totalCommits = 0;
    let totalEntries = 0;
    for (const slug of slugs) {
      const landed = jobs.map((j, i) => (j.slug === slug ? fig(i).commits : 0)).reduce((a, b) => a + b, 0);
      const runId = runIdOn(fresh, slug);
      const history = checkHistory(fresh, slug, runId);
      expect(history.problems, `${slug}: history`).toEqual([]);
      expect(history.commits, `${slug}: commits on the remote vs commits its processes pushed`).toBe(landed);
      const verify = await runCli(['verify', runId], { cwd: fresh });
      expect(verify.code, `${slug}: ideamine verify on a fresh clone:\n${verify.stdout}${verify.stderr}`).toBe(0);
      totalCommits += history.commits;
      totalEntries += history.entries;
    }

    const lostRaces = figures.reduce((n, f) => n + (f?.lostRaces ?? 0), 0);
    const retries = figures.reduce((n, f) => n + (f?.retries ?? 0), 0);
    const receivePacks = (await remote.server.requests())['POST git-receive-pack'] ?? 0;
    console.log(`chaos-push-race: 10 processes in ${seconds.toFixed(1)} s; ${totalCommits} commits (${totalEntries} ledger entries) on ${slugs.length} branches; `
      + `${lostRaces} lost race(s), ${retries} transient retries, ${receivePacks} receive-pack POSTs; shared idea: winner landed ${fig(pair.indexOf(winner as CliResult) + 8).commits}, `
      + `loser ${fig(pair.indexOf(loser as CliResult) + 8).commits} commit(s) then stopped: ${loser?.stderr.split('\n').find((l) => l.includes('held by'))?.slice(0, 160) ?? ''}`);
    reportFigures('push-race', { races: 10, lostRaces, faults: { 'same-idea lease contest': 1 } });
    // Both runs of the shared idea built their first commit on an empty remote: one of them lost that race.
    expect(lostRaces).toBeGreaterThanOrEqual(1);
  });
});

describe('sessions in two clones racing through the remote', () => {
  let remote: HttpRemote;
  const opened: GitStore[] = [];
  beforeAll(async () => {
    remote = await startHttpRemote({});
  });
  afterAll(async () => {
    for (const store of opened) await store.close();
    await remote.cleanup();
  });

  const t0 = Date.parse('2026-11-24T12:00:00Z');
  const clockAt = (ms: number): Clock => ({ now: () => new Date(ms), sleep: () => Promise.resolve() });
  const storeIn = async (name: string): Promise<RemoteStore> => {
    const dir = remote.clone(name);
    const local = await createGitStore({ repoDir: dir });
    opened.push(local);
    return withRemote(local, { repoDir: dir });
  };
  const deps = (store: RemoteStore, at = t0): SessionDeps => ({ store, clock: clockAt(at), scrub: (t) => t });
  const started = (slug: string, runId: string) => ({ type: 'run.started' as const, phase: null, data: { runId, slug, phases: ['security', 'story-loop'], budget: { usd: 1 } } });
  const remoteLedger = (slug: string, runId: string): string => runGitSync(remote.bare, ['show', `ideamine/${slug}:.ideamine/runs/${runId}/ledger.jsonl`]);

  it('replays the loser\'s events onto the new tip each time, so both writers\' events all land', async () => {
    const [slug, runId] = ['replay-demo', 'replay-demo-00000001'];
    const a = await storeIn('replay-a');
    const b = await storeIn('replay-b');
    const first = await RunSession.create(deps(a), slug, runId, started(slug, runId));
    await b.pull(slug);
    const other = await RunSession.open(deps(b), slug, runId);
    if (!other) throw new Error('the run did not reach the second clone');
    first.claim = { scope: 'phase:security', epoch: 1 };
    other.claim = { scope: 'phase:story-loop', epoch: 1 };
    // Alternating writers: each one's tip is stale when it writes, so every write after the first loses a race.
    for (let i = 0; i < 6; i += 1) {
      await first.record([{ type: 'task.finished', phase: 'security', data: { taskKey: `s${i}`, role: 'security-reviewer', output: 'x', item: null, reused: false, casKey: `s${i}` } }]);
      await other.record([{ type: 'task.finished', phase: 'story-loop', data: { taskKey: `t${i}`, role: 'qa-engineer', output: 'y', item: null, reused: false, casKey: `t${i}` } }]);
    }
    // And a burst at once.
    await Promise.all([0, 1, 2].flatMap((i) => [
      first.record([{ type: 'task.finished', phase: 'security', data: { taskKey: `sb${i}`, role: 'security-reviewer', output: 'x', item: null, reused: false, casKey: `sb${i}` } }]),
      other.record([{ type: 'task.finished', phase: 'story-loop', data: { taskKey: `tb${i}`, role: 'qa-engineer', output: 'y', item: null, reused: false, casKey: `tb${i}` } }]),
    ]));
    const text = remoteLedger(slug, runId);
    expect(checkLedger(text).problem).toBeNull();
    const keys = text.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { data: { taskKey?: string } }).data.taskKey).filter(Boolean);
    expect([...keys].sort()).toEqual([...['s', 't'].flatMap((p) => [0, 1, 2, 3, 4, 5].map((i) => `${p}${i}`)), ...['sb', 'tb'].flatMap((p) => [0, 1, 2].map((i) => `${p}${i}`))].sort());
    const lost = a.pushes.lostRaces + b.pushes.lostRaces;
    console.log(`chaos-push-race (in-process replay): ${a.pushes.commits + b.pushes.commits} commits, ${lost} lost races replayed, ${keys.length} task events, all on the remote`);
    reportFigures('push-race-in-process', { races: 2, lostRaces: lost });
    expect(b.pushes.lostRaces).toBeGreaterThanOrEqual(6);
    expect(a.pushes.lostRaces).toBeGreaterThanOrEqual(5);
    expect(checkHistory(remote.bare, slug, runId).problems).toEqual([]);
  });

  it('two starts of one run from an empty remote: the second adopts the first\'s ledger, and the later lease is refused', async () => {
    const [slug, runId] = ['start-demo', 'start-demo-00000001'];
    const a = await storeIn('start-a');
    const b = await storeIn('start-b');
    expect((await a.pull(slug)).action).toBe('absent');
    expect((await b.pull(slug)).action).toBe('absent');
    const first = await RunSession.create(deps(a), slug, runId, started(slug, runId));
    // b saw no run when it pulled: its run.started loses the push race, and it opens a's run instead of replacing it.
    // (A second later: the same time would make the same commit, which git rightly takes as already there.)
    const second = await RunSession.create(deps(b, t0 + 1_000), slug, runId, started(slug, runId));
    expect(b.pushes).toMatchObject({ ok: 0, lostRaces: 1 });
    expect(second.ledger.map((e) => e.hash)).toEqual(first.ledger.map((e) => e.hash));
    // Both decide from a ledger without a lease, so both pick epoch 1; the one whose lease lands second stops.
    const owners = ['host-a/1/aaaa', 'host-b/2/bbbb'] as const;
    for (const [session, owner] of [[first, owners[0]], [second, owners[1]]] as const) {
      const decision = decideLease(session.state.leases, 'run', owner, new Date(t0), () => true);
      expect(decision).toMatchObject({ action: 'acquire', epoch: 1 });
      session.claim = { scope: 'run', epoch: 1 };
    }
    const lease = (owner: string) => [{ type: 'lease.acquired' as const, phase: null, data: { scope: 'run', owner, epoch: 1, expiresAt: new Date(t0 + LEASE_TTL_MS).toISOString() } }];
    await first.record(lease(owners[0]));
    const refused = second.record(lease(owners[1]));
    await expect(refused).rejects.toMatchObject({ code: 'LEASE_HELD' });
    await expect(refused).rejects.toThrow(/the run is held by "host-a\/1\/aaaa" \(epoch 1\), which took it first/);
    const text = remoteLedger(slug, runId);
    expect(text.split('\n').filter((l) => l.includes('"run.started"'))).toHaveLength(1);
    expect(text.split('\n').filter((l) => l.includes('"lease.acquired"'))).toHaveLength(1);
    expect(text).not.toContain(owners[1]);
    expect(checkLedger(text).problem).toBeNull();
  });

  it('rejects a write from a stale epoch after an expired lease was taken over (fencing)', async () => {
    const [slug, runId] = ['fencing-demo', 'fencing-demo-00000001'];
    const a = await storeIn('fence-a');
    const b = await storeIn('fence-b');
    const holder = await RunSession.create(deps(a), slug, runId, started(slug, runId));
    const first = decideLease(holder.state.leases, 'run', 'host-a/1/aaaa', new Date(t0), () => true);
    if (first.action !== 'acquire') throw new Error('the first lease was refused');
    holder.claim = { scope: 'run', epoch: first.epoch };
    await holder.record([{ type: 'lease.acquired', phase: null, data: { scope: 'run', owner: 'host-a/1/aaaa', epoch: first.epoch, expiresAt: new Date(t0 + LEASE_TTL_MS).toISOString() } }]);

    // Eleven minutes on, in another clone: the lease has expired, so it is taken over with a higher epoch.
    const later = t0 + LEASE_TTL_MS + 60_000;
    await b.pull(slug);
    const taker = await RunSession.open(deps(b, later), slug, runId);
    if (!taker) throw new Error('the run did not reach the second clone');
    const second = decideLease(taker.state.leases, 'run', 'host-b/2/bbbb', new Date(later), () => 'unknown');
    expect(second).toMatchObject({ action: 'acquire', epoch: first.epoch + 1 });
    if (second.action !== 'acquire') return;
    taker.claim = { scope: 'run', epoch: second.epoch };
    await taker.record([{ type: 'lease.acquired', phase: null, data: { scope: 'run', owner: 'host-b/2/bbbb', epoch: second.epoch, expiresAt: new Date(later + LEASE_TTL_MS).toISOString(), takeover: second.takeover } }]);
    const tipAfterTakeover = runGitSync(remote.bare, ['rev-parse', `ideamine/${slug}`]);

    // The old holder writes on: its push loses the race, the rebase sees the higher epoch, and nothing lands.
    await expect(holder.record([{ type: 'phase.started', phase: 'security', data: { attempt: 1 } }])).rejects.toMatchObject({ code: 'LEASE_LOST' });
    expect(runGitSync(remote.bare, ['rev-parse', `ideamine/${slug}`])).toBe(tipAfterTakeover);
    const text = remoteLedger(slug, runId);
    expect(text).not.toContain('phase.started');
    expect(checkLedger(text).problem).toBeNull();
    expect(a.pushes.lostRaces).toBe(1);
    // The fenced process's `finally` (lease.released at its old epoch) is refused the same way, without a push.
    const posts = (await remote.server.requests())['POST git-receive-pack'] ?? 0;
    await expect(holder.record([{ type: 'lease.released', phase: null, data: { scope: 'run', owner: 'host-a/1/aaaa', epoch: first.epoch } }])).rejects.toMatchObject({ code: 'LEASE_LOST' });
    expect((await remote.server.requests())['POST git-receive-pack'] ?? 0).toBe(posts);
    // The taker goes on.
    await taker.record([{ type: 'phase.started', phase: 'security', data: { attempt: 1 } }]);
    expect(remoteLedger(slug, runId)).toContain('phase.started');
  });
});
