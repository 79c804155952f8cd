// Kill during a push: SIGKILL `ideamine run --push` (the CLI alone, or its whole process group with the `git push`)
// while a push is in flight or at a random moment, resume with --push from the same clone, and compare the remote
// with an uninterrupted run. IDEAMINE_KILLS (default 6) sets how many kills; IDEAMINE_KILL_SEED replays a schedule.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportFigures } from './support/chaos-report.js';
import { PACKAGE_ROOT } from './support/cli.js';
import { runGitSync } from './support/git-repo.js';
import { finalState, killDuringPush, prng, repoAt, repoHealth, spawnCli, watchPushes, type Exit, type FinalState, type PushWatch } from './support/kill-harness.js';
import { checkHistory, phaseOverride, pushFigures, startHttpRemote, type HttpRemote } from './support/push-remote.js';

const SLUG = 'freelance-invoice-tracker';
const IDEA = `ideas/${SLUG}.yaml`;
const ARGS = ['run', IDEA, '--push'];
// A short pipeline (~19 commits, each a push): many pushes per second of run, so kills often land inside one.
const FILES = { ...phaseOverride(['intake', 'ideation', 'critique', 'prd']), [IDEA]: readFileSync(join(PACKAGE_ROOT, IDEA), 'utf8') };
const KILLS = Math.max(1, Number(process.env['IDEAMINE_KILLS'] ?? 6));
const SEED = Number(process.env['IDEAMINE_KILL_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const KILLS_PER_ROUND = 3;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface KillRecord {
  readonly round: number;
  readonly how: string;
  readonly pushInFlight: boolean;
}

describe('kill -9 during pushes, then resume with --push', () => {
  const remotes: HttpRemote[] = [];
  let reference: { state: FinalState; commits: number; ms: number };
  const context = `seed ${SEED} (replay with IDEAMINE_KILL_SEED=${SEED} IDEAMINE_KILLS=${KILLS})`;

  const newRemote = async (): Promise<{ remote: HttpRemote; watch: PushWatch; dir: string }> => {
    const remote = await startHttpRemote(FILES);
    remotes.push(remote);
    return { remote, watch: watchPushes(remote.server), dir: remote.clone('work') };
  };

  beforeAll(async () => {
    console.log(`chaos-kill-push: ${context}`);
    const { remote, watch, dir } = await newRemote();
    const exit = await spawnCli(repoAt(dir), ARGS).exited;
    expect(exit.code, `reference run failed:\n${exit.stderr}`).toBe(0);
    const fresh = repoAt(remote.freshClone('fresh'));
    reference = { state: finalState(fresh, SLUG), commits: watch.started(), ms: exit.ms };
    expect(reference.state.dossier).not.toBeNull();
    expect(pushFigures(exit.stderr)?.commits).toBe(reference.commits);
    watch.stop();
  });

  afterAll(async () => {
    for (const remote of remotes) await remote.cleanup();
  });

  it(`resumes after ${KILLS} kills with the remote equal to an uninterrupted run's`, { timeout: 60_000 + KILLS * 8_000 }, async () => {
    const random = prng(SEED);
    const kills: KillRecord[] = [];
    let rounds = 0;
    let spawns = 0;
    // Resumes whose pull found commits the killed process had made but not delivered, and pushed them first.
    let catchUps = 0;
    const otherLocks: string[] = [];
    const started = performance.now();
    while (kills.length < KILLS) {
      rounds += 1;
      const { remote, watch, dir } = await newRemote();
      const repo = repoAt(dir);
      let last: Exit | null = null;
      for (let inRound = 0; last === null; ) {
        spawns += 1;
        expect(spawns, `${context}: too many spawns`).toBeLessThan(KILLS * 4 + 20);
        const child = spawnCli(repo, ARGS);
        const killNow = inRound < KILLS_PER_ROUND && kills.length < KILLS;
        if (killNow) {
          // Three in four kills follow a push (the first of a round the moment the server begins taking its pack in;
          // others at its ref advertisement, before the pack leaves, or a few ms later);
          // the rest land at a random moment of a run's length (startup, pull, a commit, between tasks).
          const byPush = random() < 0.75 || inRound === 0;
          const group = random() < 0.5;
          const nth = 1 + Math.floor(random() * Math.max(1, reference.commits / 2));
          const jitterMs = inRound === 0 ? 0 : Math.floor(random() * 20);
          const delay = Math.floor(random() * reference.ms);
          const stage = random() < 0.5 && inRound > 0 ? 'advertise' : 'upload';
          const how = `${group ? 'group' : 'cli'} ${byPush ? `at push ${nth} ${stage} + ${jitterMs} ms` : `after ${delay} ms`}`;
          let pushInFlight = false;
          if (byPush) pushInFlight = (await killDuringPush(child, watch, { nth, from: watch.started(stage), stage, jitterMs, group })).pushInFlight;
          else if (await Promise.race([sleep(delay).then(() => true), child.exited.then(() => false)])) {
            pushInFlight = watch.inFlight() > 0;
            child.kill('SIGKILL', group);
          }
          const exit = await child.exited;
          if (exit.stderr.includes(`commits origin did not have yet`)) catchUps += 1;
          if (exit.signal === 'SIGKILL') {
            kills.push({ round: rounds, how, pushInFlight });
            inRound += 1;
            continue;
          }
          last = exit;
        } else last = await child.exited;
      }
      if (last.stderr.includes(`commits origin did not have yet`)) catchUps += 1;
      const where = `${context}, round ${rounds}`;
      expect(last.code, `${where}: the final spawn failed:\n${last.stderr}`).toBe(0);
      watch.stop();

      // The remote holds the whole run: the local branch has nothing left unpushed, and a fresh clone of the remote
      // verifies, every commit extends the ledger before it, and the artifacts are those of the uninterrupted run.
      expect(runGitSync(remote.bare, ['rev-parse', `ideamine/${SLUG}`]), `${where}: local and remote tips`).toBe(runGitSync(dir, ['rev-parse', `ideamine/${SLUG}`]));
      const fresh = repoAt(remote.freshClone('fresh'));
      const state = finalState(fresh, SLUG);
      expect(state.runId).toBe(reference.state.runId);
      expect(Object.keys(state.artifacts).sort(), where).toEqual(Object.keys(reference.state.artifacts).sort());
      for (const [path, content] of Object.entries(reference.state.artifacts)) expect(state.artifacts[path], `${where}: ${path}`).toBe(content);
      expect(state.dossier, `${where}: dossier`).toEqual(reference.state.dossier);
      expect(checkHistory(fresh.dir, SLUG, state.runId).problems, `${where}: history on the remote`).toEqual([]);
      const verify = await spawnCli(fresh, ['verify', state.runId]).exited;
      expect(verify.code, `${where}: ideamine verify on a fresh clone:\n${verify.stdout}${verify.stderr}`).toBe(0);
      // Sound repositories: the remote took whole pushes or none, the clone kept no state-branch lock.
      const bareFsck = runGitSync(remote.bare, ['fsck', '--no-dangling', '--no-progress']);
      expect(bareFsck, `${where}: git fsck of the remote`).toBe('');
      const health = repoHealth(repo);
      expect(health.fsckCode, `${where}: git fsck of the clone:\n${health.fsck}`).toBe(0);
      expect(health.locks.filter((l) => l.includes('refs/heads/')), `${where}: stale ref locks`).toEqual([]);
      // A group kill can interrupt `git push` updating its remote-tracking ref; harmless (nothing reads it), reported.
      otherLocks.push(...health.locks);
    }

    const inFlight = kills.filter((k) => k.pushInFlight).length;
    console.log([
      `chaos-kill-push: ${context}: ${kills.length} kills over ${rounds} run(s) and ${spawns} spawns in ${((performance.now() - started) / 1000).toFixed(1)} s; `
        + `${inFlight} while the server was taking a push in; ${catchUps} resume(s) first pushed commits a killed push had not delivered; `
        + `reference ${reference.commits} pushes in ${Math.round(reference.ms)} ms; other lock files left: ${otherLocks.length === 0 ? 'none' : otherLocks.join(', ')}`,
      `  kills: ${kills.map((k) => `${k.how}${k.pushInFlight ? ' [push in flight]' : ''}`).join('; ')}`,
    ].join('\n'));
    reportFigures('kill-push', { kills: kills.length, survived: kills.length, faults: { 'kill during a push': inFlight } });
    expect(kills.length).toBeGreaterThanOrEqual(KILLS);
    // The first kill of every round is fired the moment the server begins a push: at least one lands inside one.
    expect(inFlight).toBeGreaterThanOrEqual(1);
  });
});
