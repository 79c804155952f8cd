// End to end, gc: an edited idea supersedes its blocked run; gc prunes that run and the task outputs only it used.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GcReport } from '../src/engine/gc.js';
import type { RunState } from '../src/core/run-state.js';
import { exampleIdea, jsonOf, makeIdeaRepo, type IdeaRepo, type RunJson } from './support/cli.js';

const SLUG = 'plant-watering-reminder';
const IDEA = `ideas/${SLUG}.yaml`;
const BRANCH = `ideamine/${SLUG}`;

let repo: IdeaRepo;
let oldRun = '';
let newRun = '';
let beforeGc = '';

const lsState = (dir: string): string[] => repo.git('ls-tree', '--name-only', `${BRANCH}:${dir}`).split('\n').filter(Boolean).sort();
const casKeysOf = (runId: string): Set<string> =>
  new Set(repo.ledger(SLUG, runId).filter((e) => e.type === 'task.finished').map((e) => String(e.data.casKey)));

beforeAll(async () => {
  repo = makeIdeaRepo({ [IDEA]: exampleIdea(`${SLUG}.yaml`) });
  const blocked = await repo.cli(['run', IDEA, '--json']);
  expect(blocked.code, blocked.stderr).toBe(3);
  oldRun = jsonOf<RunJson>(blocked).runId;
  // The edit that unblocks intake: a third core feature.
  repo.write(IDEA, repo.read(IDEA).replace('  - push reminders on the day a plant is due\n', '  - push reminders on the day a plant is due\n  - a vacation mode that hands plants over to a neighbour\n'));
  repo.git('commit', '-q', '-am', 'a third core feature');
  const done = await repo.cli(['run', IDEA, '--json']);
  expect(done.code, done.stderr).toBe(0);
  newRun = jsonOf<RunJson>(done).runId;
});
afterAll(() => repo.cleanup());

describe('ideamine gc', () => {
  it('the edited idea starts a new run that supersedes the blocked one', async () => {
    expect(newRun).not.toBe(oldRun);
    const runs = jsonOf<RunState[]>(await repo.cli(['status', '--json']));
    expect(Object.fromEntries(runs.map((r) => [r.runId, r.status]))).toEqual({ [oldRun]: 'superseded', [newRun]: 'completed' });
    expect(lsState('.ideamine/runs')).toEqual([oldRun, newRun].sort());
    // The old run's intake output is stored but used by no remaining run.
    const only = [...casKeysOf(oldRun)].filter((k) => !casKeysOf(newRun).has(k));
    expect(only.length).toBeGreaterThan(0);
    expect(lsState('.ideamine/cas')).toEqual(expect.arrayContaining(only.map((k) => `${k}.json`)));
  });

  it('prunes the superseded run and unreferenced task outputs in one commit, and the current run still verifies', async () => {
    beforeGc = repo.git('rev-parse', BRANCH);
    const head = repo.git('rev-parse', 'HEAD');
    const casBefore = lsState('.ideamine/cas');
    const keep = casKeysOf(newRun);
    const r = await repo.cli(['gc', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = jsonOf<GcReport>(r);
    expect(report.runsPruned).toEqual([oldRun]);
    expect(report.runsMarkedDeleted).toEqual([]);
    expect(report.casKept).toBe(keep.size);
    expect(report.casPruned).toBe(casBefore.length - keep.size);
    expect(lsState('.ideamine/runs')).toEqual([newRun]);
    expect(lsState('.ideamine/cas')).toEqual([...keep].map((k) => `${k}.json`).sort());
    expect(repo.git('rev-parse', `${BRANCH}~1`)).toBe(beforeGc);
    expect(repo.git('log', '-1', '--format=%(trailers:key=IdeaMine-Event,valueonly)', BRANCH).trim()).toBe('gc');
    expect(repo.git('rev-parse', 'HEAD'), 'gc never touches the current branch').toBe(head);
    // Git history still has what was pruned.
    expect(repo.show(beforeGc, `.ideamine/runs/${oldRun}/ledger.jsonl`)).toContain('"run.superseded"');

    const verified = await repo.cli(['verify', newRun]);
    expect(verified.code, verified.stdout).toBe(0);
    const gone = await repo.cli(['verify', oldRun]);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain(`run "${oldRun}" does not exist`);
  });

  it('a second gc finds nothing to prune and commits nothing', async () => {
    const tip = repo.git('rev-parse', BRANCH);
    const r = await repo.cli(['gc']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Pruned 0 run\(s\) and 0 task output\(s\); kept \d+\. Marked deleted: 0\./);
    expect(repo.git('rev-parse', BRANCH)).toBe(tip);
  });

  it('marks a run whose idea file was deleted as deleted and prunes it with its outputs', async () => {
    repo.git('rm', '-q', IDEA);
    repo.git('commit', '-q', '-m', 'drop the idea');
    const report = jsonOf<GcReport>(await repo.cli(['gc', '--json']));
    expect(report.runsMarkedDeleted).toEqual([newRun]);
    expect(report.runsPruned).toEqual([newRun]);
    expect(report.casKept).toBe(0);
    expect(repo.git('ls-tree', '--name-only', '-r', BRANCH)).toBe('');
    expect(jsonOf<RunState[]>(await repo.cli(['status', '--json']))).toEqual([]);
  });
});
