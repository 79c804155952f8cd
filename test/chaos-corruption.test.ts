// Corruption of the state branch: a truncated ledger line or an entry edited by hand stops `run` and `verify` with
// the file and line named; a run.json that disagrees with the ledger is a cache, rebuilt from the ledger.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunState } from '../src/core/run-state.js';
import { exampleIdea, jsonOf, makeIdeaRepo, type IdeaRepo, type RunJson } from './support/cli.js';

const SLUG = 'shared-grocery-list';
const BRANCH = `ideamine/${SLUG}`;
let repo: IdeaRepo;
let run: RunJson;
let tip: string;

const ledgerPath = (): string => `.ideamine/runs/${run.runId}/ledger.jsonl`;
const runJsonPath = (): string => `.ideamine/runs/${run.runId}/run.json`;

beforeAll(async () => {
  repo = makeIdeaRepo({ [`ideas/${SLUG}.yaml`]: exampleIdea(`${SLUG}.yaml`) });
  const first = await repo.cli(['run', `ideas/${SLUG}.yaml`, '--json']);
  run = jsonOf<RunJson>(first);
  expect(run.status).toBe('completed');
  tip = repo.git('rev-parse', BRANCH);
});
afterAll(() => repo.cleanup());

/** Puts the state branch back where the uninterrupted run left it. */
const restore = (): void => void repo.git('update-ref', `refs/heads/${BRANCH}`, tip);

describe('a corrupted ledger stops run and verify, naming the file and line', () => {
  it('a truncated last line (a write cut short)', async () => {
    const text = repo.show(BRANCH, ledgerPath()) ?? '';
    const lines = text.split('\n').filter(Boolean);
    const last = lines.at(-1) ?? '';
    const truncated = [...lines.slice(0, -1), last.slice(0, Math.floor(last.length / 2))].join('\n') + '\n';
    repo.commitOnBranch(BRANCH, ledgerPath(), truncated, 'truncate the ledger');
    for (const args of [['run', `ideas/${SLUG}.yaml`], ['verify', run.runId]]) {
      const r = await repo.cli(args);
      expect(r.code, `${args[0]} must stop`).toBe(1);
      expect(`${r.stdout}${r.stderr}`).toContain(`${ledgerPath()} line ${lines.length}`);
    }
    expect(repo.show(BRANCH, ledgerPath()), 'nothing was written over the evidence').toBe(truncated);
    restore();
  });

  it('an entry edited by hand (its data changed, the hash left as it was)', async () => {
    const lines = (repo.show(BRANCH, ledgerPath()) ?? '').split('\n');
    const index = lines.findIndex((l) => l.includes('"type":"gate.evaluated"'));
    expect(index).toBeGreaterThan(0);
    lines[index] = (lines[index] ?? '').replace(/"score":(\d)/, (_m, d: string) => `"score":${d === '9' ? '8' : '9'}`);
    expect(lines.join('\n')).not.toBe(repo.show(BRANCH, ledgerPath()));
    repo.commitOnBranch(BRANCH, ledgerPath(), lines.join('\n'), 'edit a gate score');
    for (const args of [['run', `ideas/${SLUG}.yaml`], ['verify', run.runId]]) {
      const r = await repo.cli(args);
      expect(r.code, `${args[0]} must stop`).toBe(1);
      expect(`${r.stdout}${r.stderr}`).toContain(`${ledgerPath()} line ${index + 1}`);
    }
    restore();
    expect((await repo.cli(['verify', run.runId])).code).toBe(0);
  });
});

describe('run.json is a cache', () => {
  it('a run.json that disagrees with the ledger is rebuilt from it', async () => {
    const original = repo.show(BRANCH, runJsonPath()) ?? '';
    const stale = JSON.parse(original) as RunState;
    stale.status = 'running';
    for (const phase of Object.values(stale.phases)) phase.status = 'pending';
    stale.budget.spentUsd = 123.45;
    repo.commitOnBranch(BRANCH, runJsonPath(), `${JSON.stringify(stale, null, 2)}\n`, 'a stale run.json');

    const status = jsonOf<{ runId: string; status: string }[]>(await repo.cli(['status', '--json']));
    expect(status.find((r) => r.runId === run.runId)?.status, 'status reads the ledger, not the cache').toBe('completed');
    const again = await repo.cli(['run', `ideas/${SLUG}.yaml`]);
    expect(again.code).toBe(0);
    expect(again.stderr + again.stdout).toMatch(/run\.json .*disagreed with its ledger; rebuilt it/);
    const rebuilt = repo.show(BRANCH, runJsonPath()) ?? '';
    expect(rebuilt).not.toContain('123.45');
    expect(JSON.parse(rebuilt)).toEqual(JSON.parse(original));
    expect((await repo.cli(['verify', run.runId])).code).toBe(0);
    restore();
  });
});
