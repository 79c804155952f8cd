// Hard-kill durability: SIGKILL the real CLI at seeded points, resume until done, and compare with an uninterrupted run.
// IDEAMINE_KILLS (default 20) sets how many kills; IDEAMINE_KILL_SEED replays a schedule printed by a failing run.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportFigures } from './support/chaos-report.js';
import type { TempRepo } from './support/git-repo.js';
import {
  anthropicEnv, finalState, ideaRepo, multiset, prng, repoHealth, savedOutputs, spawnCli, startStandIn, until,
  outputId, stateFiles, stateRef, tipSubject, type Exit, type FinalState, type StandIn,
} from './support/kill-harness.js';

const SLUG = 'shared-grocery-list';
const ARGS = ['run', `ideas/${SLUG}.yaml`, '--model', 'anthropic', '--concurrency', '2'];
const LATENCY_MS = 25;
const KILLS = Math.max(1, Number(process.env['IDEAMINE_KILLS'] ?? 20));
const SEED = Number(process.env['IDEAMINE_KILL_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
// Default: kill -9 of the CLI alone (its git children finish). IDEAMINE_KILL_GROUP=1 kills the process group too,
// which can leave a ref lock behind: the stale-lock test below covers that case.
const GROUP = process.env['IDEAMINE_KILL_GROUP'] === '1';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Reference {
  readonly fingerprints: string[];
  readonly state: FinalState;
  readonly ms: number;
}

interface KillRecord {
  readonly round: number;
  readonly how: string;
  /** Requests the killed process had sent. */
  readonly sent: number;
  /** Of those, the ones whose answer was not durably saved when the process died (in flight for the task). */
  readonly unsaved: string[];
  /** Of those, the ones whose answer was not even written by the server before the kill. */
  readonly undelivered: number;
}

describe('kill -9 at random points, then resume', () => {
  let server: StandIn;
  let reference: Reference;
  const repos: TempRepo[] = [];
  const context = `seed ${SEED} (replay with IDEAMINE_KILL_SEED=${SEED} IDEAMINE_KILLS=${KILLS}${GROUP ? ' IDEAMINE_KILL_GROUP=1' : ''})`;

  beforeAll(async () => {
    console.log(`resume-kill: ${context}`);
    server = await startStandIn(LATENCY_MS);
    const repo = ideaRepo();
    repos.push(repo);
    const exit = await spawnCli(repo, ARGS, anthropicEnv(server.url)).exited;
    expect(exit.code, `reference run failed:\n${exit.stderr}`).toBe(0);
    const fingerprints = server.fingerprints();
    reference = { fingerprints, state: finalState(repo, SLUG), ms: exit.ms };
    // Preconditions of the accounting below: each request is asked once, and each answer names its request.
    expect(new Set(fingerprints).size, 'the reference run asked some request twice').toBe(fingerprints.length);
    const outputs = server.requests.map((r) => outputId(r.output ?? null));
    expect(new Set(outputs).size, 'two reference requests got the same answer').toBe(outputs.length);
    expect(reference.state.dossier).not.toBeNull();
  });

  afterAll(async () => {
    await server.close();
    for (const repo of repos) repo.cleanup();
  });

  it(`resumes after ${KILLS} kills with the same artifacts, no new requests and repeats only of unsaved ones`, { timeout: 60_000 + KILLS * 3_000 }, async () => {
    const random = prng(SEED);
    const refCounts = multiset(reference.fingerprints);
    // About a dozen kills per run: each spawn gets a few requests in before it dies.
    const maxK = Math.max(2, Math.round(reference.fingerprints.length / 8));
    const kills: KillRecord[] = [];
    const failures: string[] = [];
    let rounds = 0;
    let totalRequests = 0;
    // Recovery: from the restart after a kill until the resumed run's next commit lands on its state branch.
    const recoveries: number[] = [];
    while (kills.length < KILLS) {
      rounds += 1;
      const repo = ideaRepo();
      repos.push(repo);
      const roundStart = server.requests.length;
      let last: Exit;
      for (let spawnNo = 0; ; spawnNo += 1) {
        expect(spawnNo, `${context}: round ${rounds} never finished`).toBeLessThan(KILLS * 4 + 20);
        const from = server.requests.length;
        const refFile = join(repo.gitDir, stateRef(SLUG));
        const tipNow = (): string => (existsSync(refFile) ? readFileSync(refFile, 'utf8') : '');
        const tipBefore = tipNow();
        const restartedAt = performance.now();
        const child = spawnCli(repo, ARGS, anthropicEnv(server.url));
        const recovered = spawnNo === 0 ? Promise.resolve(null)
          : until(() => tipNow() !== tipBefore, child.exited, 2).then((moved) => (moved ? performance.now() - restartedAt : null));
        // Most kills land k requests into the spawn plus up to two latencies (mid-request, or between answer
        // and commit); the rest at a plain delay anywhere in a run's length (startup, gates, completion).
        const byRequest = random() < 0.75 || kills.length >= KILLS;
        const k = 1 + Math.floor(random() * maxK);
        const jitter = Math.floor(random() * 2 * LATENCY_MS);
        const delay = Math.floor(random() * reference.ms);
        const how = byRequest ? `after request ${k} + ${jitter} ms` : `after ${delay} ms`;
        const due = kills.length >= KILLS
          ? new Promise<boolean>(() => undefined)
          : byRequest
            ? until(() => server.requests.length >= from + k, child.exited).then(async (ok) => (ok ? sleep(jitter).then(() => true) : false))
            : sleep(delay).then(() => true);
        let killedAt = Infinity;
        const fire = await Promise.race([due, child.exited.then(() => false)]);
        if (fire) {
          killedAt = performance.now();
          child.kill('SIGKILL', GROUP);
        }
        const exit = await child.exited;
        const recovery = await recovered;
        if (recovery !== null) recoveries.push(recovery);
        const to = server.requests.length;
        if (exit.signal !== 'SIGKILL') {
          last = exit;
          break;
        }
        const saved = savedOutputs(repo, SLUG);
        const unsaved: string[] = [];
        let undelivered = 0;
        for (let i = from; i < to; i += 1) {
          const request = server.requests[i];
          const answeredAt = server.answeredAt(i);
          if (answeredAt === undefined || answeredAt > killedAt) undelivered += 1;
          if (request?.output === undefined || !saved.has(outputId(request.output))) unsaved.push(server.fingerprints(i, i + 1)[0] ?? '');
        }
        kills.push({ round: rounds, how, sent: to - from, unsaved, undelivered });
      }
      const where = `${context}, round ${rounds}`;
      if (last.code !== 0) failures.push(`${where}: the final spawn exited ${last.code}:\n${last.stderr}`);
      expect(last.code, `${where}: final spawn failed:\n${last.stderr}`).toBe(0);

      // Requests: nothing new, everything of the reference, repeats only where an answer was unsaved at a kill.
      const round = server.fingerprints(roundStart);
      totalRequests += round.length;
      const counts = multiset(round);
      const allowed = multiset(kills.filter((kr) => kr.round === rounds).flatMap((kr) => kr.unsaved));
      const novel = [...counts.keys()].filter((fp) => !refCounts.has(fp));
      expect(novel, `${where}: a resume asked for something the reference never asked`).toEqual([]);
      const missing = [...refCounts.keys()].filter((fp) => !counts.has(fp));
      expect(missing, `${where}: requests of the reference never made`).toEqual([]);
      const overRepeated = [...counts].filter(([fp, n]) => n - (refCounts.get(fp) ?? 0) > (allowed.get(fp) ?? 0));
      expect(overRepeated.map(([fp, n]) => `${fp.slice(0, 12)} asked ${n}×, ${allowed.get(fp) ?? 0} unsaved at kills`), `${where}: finished work was requested again`).toEqual([]);
      const extra = round.length - reference.fingerprints.length;
      expect(extra, `${where}: repeated requests beyond those in flight`).toBeLessThanOrEqual([...allowed.values()].reduce((a, b) => a + b, 0));

      // State: same artifacts and dossier, a verified ledger, a sound repository without stale locks.
      const state = finalState(repo, SLUG);
      expect(state.runId).toBe(reference.state.runId);
      expect(Object.keys(state.artifacts).sort(), where).toEqual(Object.keys(reference.state.artifacts).sort());
      for (const [path, content] of Object.entries(reference.state.artifacts)) expect(state.artifacts[path], `${where}: ${path}`).toBe(content);
      expect(state.dossier, `${where}: dossier on the state branch`).toEqual(reference.state.dossier);
      const verify = await spawnCli(repo, ['verify', state.runId]).exited;
      expect(verify.code, `${where}: ideamine verify:\n${verify.stdout}${verify.stderr}`).toBe(0);
      const health = repoHealth(repo);
      expect(health.fsckCode, `${where}: git fsck:\n${health.fsck}`).toBe(0);
      expect(health.fsck, `${where}: git fsck`).toBe('');
      expect(health.locks, `${where}: stale lock files`).toEqual([]);
    }

    const inFlight = kills.reduce((n, kr) => n + kr.unsaved.length, 0);
    const undelivered = kills.reduce((n, kr) => n + kr.undelivered, 0);
    const repeated = totalRequests - rounds * reference.fingerprints.length;
    console.log([
      `resume-kill: ${context}: ${kills.length} kills over ${rounds} run(s); reference ${reference.fingerprints.length} requests in ${Math.round(reference.ms)} ms`,
      `  requests ${totalRequests}, repeated ${repeated}, unsaved at kills ${inFlight} (answers not yet written ${undelivered}), bound kills×concurrency×2 = ${kills.length * 4}`,
      `  kills: ${kills.map((kr) => `${kr.how} [${kr.sent} sent, ${kr.unsaved.length} unsaved]`).join('; ')}`,
    ].join('\n'));
    const sorted = [...recoveries].sort((a, b) => a - b);
    console.log(`  recovery (restart → next commit) over ${sorted.length}: median ${Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0)} ms, max ${Math.round(sorted.at(-1) ?? 0)} ms`);
    reportFigures('resume-kill', {
      kills: kills.length, survived: failures.length === 0 ? kills.length : 0, repeatedRequests: repeated, inFlightAtKill: inFlight,
      referenceRequests: rounds * reference.fingerprints.length, recoveryMs: recoveries,
    });
    expect(failures).toEqual([]);
    expect(repeated).toBeLessThanOrEqual(inFlight);
    expect(kills.length).toBeGreaterThanOrEqual(KILLS);
  });
});

describe('kill between the completed run and its dossier publish', () => {
  const repos: TempRepo[] = [];
  afterAll(() => {
    for (const repo of repos) repo.cleanup();
  });

  // A kill after the run.completed commit and before the publish: the resume finds the run completed and must
  // still publish the dossier on the user's branch (it once returned early and left it off for good).
  it('publishes the dossier on main when the resume finds the run already completed', async () => {
    const dossierFile = join('dossiers', SLUG, 'release-dossier.json');
    let repo: TempRepo | null = null;
    // The window is one publish (a few git calls); a watcher reading the ref file every millisecond lands in it.
    for (let attempt = 0; attempt < 5 && repo === null; attempt += 1) {
      const candidate = ideaRepo();
      repos.push(candidate);
      const child = spawnCli(candidate, ['run', `ideas/${SLUG}.yaml`]);
      if (await until(() => tipSubject(candidate, SLUG)?.includes('run.completed') ?? false, child.exited)) child.kill('SIGKILL');
      const exit = await child.exited;
      if (exit.signal === 'SIGKILL' && !existsSync(join(candidate.dir, dossierFile))) repo = candidate;
    }
    if (repo === null) throw new Error('could not kill a run between run.completed and its publish in 5 tries');
    const resumed = await spawnCli(repo, ['run', `ideas/${SLUG}.yaml`]).exited;
    expect(resumed.code, resumed.stderr).toBe(0);
    const { runId } = finalState(repo, SLUG);
    const onState = stateFiles(repo, SLUG, `.ideamine/runs/${runId}/dossier/release-dossier.json`);
    expect(existsSync(join(repo.dir, dossierFile)), 'dossier missing from the user branch after the resume').toBe(true);
    expect(readFileSync(join(repo.dir, dossierFile), 'utf8')).toBe([...onState.values()][0]);
  });
});

describe('kill -9 of the process group while git holds the state ref lock', () => {
  const repos: TempRepo[] = [];
  afterAll(() => {
    for (const repo of repos) repo.cleanup();
  });

  // A `git update-ref` killed with its parent leaves refs/heads/ideamine/<slug>.lock. The resume must clean it at
  // once (no live IdeaMine owner holds it) rather than wait for it to age (first seen with IDEAMINE_KILL_GROUP=1
  // IDEAMINE_KILL_SEED=1251130670, when locks were only removed after 60 s).
  it('resumes at once and leaves no lock behind', async () => {
    const repo = ideaRepo();
    repos.push(repo);
    const child = spawnCli(repo, ['run', `ideas/${SLUG}.yaml`]);
    const progressed = await until(() => tipSubject(repo, SLUG)?.includes('phase.passed prd') ?? false, child.exited);
    child.kill('SIGKILL', true);
    const killed = await child.exited;
    expect(progressed && killed.signal === 'SIGKILL', 'the run finished before the kill').toBe(true);
    // What update-ref leaves when killed between taking the lock and renaming it: the lock holding the new id.
    const ref = join(repo.gitDir, stateRef(SLUG));
    writeFileSync(`${ref}.lock`, readFileSync(ref, 'utf8'));
    const resumed = await spawnCli(repo, ['run', `ideas/${SLUG}.yaml`]).exited;
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(repoHealth(repo).locks).toEqual([]);
  });
});
