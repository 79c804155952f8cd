// End to end, offline: every example idea through the bundled CLI in its own temp repo, what lands where, and tampering.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DossierJson } from '../src/core/dossier.js';
import type { RunState } from '../src/core/run-state.js';
import { exampleIdea, exampleIdeas, jsonOf, makeIdeaRepo, PHASES, slugOf, type CliResult, type IdeaRepo, type RepoSnapshot, type RunJson } from './support/cli.js';

const BLOCKING = 'plant-watering-reminder';

interface Case {
  readonly file: string;
  readonly slug: string;
  readonly repo: IdeaRepo;
  readonly before: RepoSnapshot;
  readonly headBefore: string;
  readonly result: CliResult;
  readonly run: RunJson;
}

const cases: Case[] = [];
const grocery = (): Case => {
  const c = cases.find((x) => x.slug === 'shared-grocery-list');
  if (!c) throw new Error('shared-grocery-list example missing');
  return c;
};

beforeAll(async () => {
  const ideas = exampleIdeas();
  await Promise.all(ideas.map(async (file) => {
    const repo = makeIdeaRepo({ [`ideas/${file}`]: exampleIdea(file), 'notes.txt': 'first line\n', 'src/app.txt': 'app v1\n' });
    // The user's work in progress: one staged change, one unstaged change and an untracked file.
    repo.write('README.md', '# test repository\n\nstaged edit\n');
    repo.git('add', 'README.md');
    repo.write('notes.txt', 'first line\nunstaged edit\n');
    repo.write('scratch.txt', 'untracked\n');
    const before = repo.snapshot();
    const headBefore = repo.git('rev-parse', 'HEAD');
    const result = await repo.cli(['run', `ideas/${file}`, '--json']);
    cases.push({ file, slug: slugOf(file), repo, before, headBefore, result, run: jsonOf<RunJson>(result) });
  }));
});
afterAll(() => {
  for (const c of cases) c.repo.cleanup();
});

describe('offline run of every example idea', () => {
  it('completes with 13 passed phases, or blocks at intake (plant-watering-reminder) with exit 3', () => {
    expect(cases.map((c) => c.slug)).toContain(BLOCKING);
    expect(cases.length).toBeGreaterThanOrEqual(5);
    for (const c of cases) {
      const statuses = Object.fromEntries(c.run.phases.map((p) => [p.phase, p.status]));
      expect(c.run.phases.map((p) => p.phase), c.file).toEqual([...PHASES]);
      if (c.slug === BLOCKING) {
        expect(c.result.code, c.result.stderr).toBe(3);
        expect(c.run.status).toBe('blocked');
        expect(statuses.intake).toBe('blocked');
        expect(c.run.phases.slice(1).every((p) => p.status === 'pending')).toBe(true);
        expect(c.run.blocked.map((b) => b.phase)).toEqual(['intake']);
        expect(c.run.blocked[0]?.waiveCommand).toContain(`ideamine waive ${c.run.runId} intake --justification`);
      } else {
        expect(c.result.code, `${c.file}: ${c.result.stderr}`).toBe(0);
        expect(c.run.status).toBe('completed');
        expect(Object.values(statuses).every((s) => s === 'passed'), JSON.stringify(statuses)).toBe(true);
      }
      expect(c.run.runId).toMatch(new RegExp(`^${c.slug}-[0-9a-f]{8}$`));
    }
  });

  it('verify exits 0 on each run', async () => {
    const results = await Promise.all(cases.map((c) => c.repo.cli(['verify', c.run.runId])));
    for (const [i, r] of results.entries()) {
      expect(r.code, `${cases[i]?.file}: ${r.stdout}${r.stderr}`).toBe(0);
      expect(r.stdout).toContain(`✓ ${cases[i]?.run.runId}: ledger chain intact`);
    }
  });

  it('commits the dossier on the current branch touching only dossiers/<slug>/, leaving staged, unstaged and untracked work as it was', () => {
    for (const c of cases) {
      const { repo } = c;
      const after = repo.snapshot();
      expect(after.status, c.file).toBe(c.before.status);
      expect(after.staged, c.file).toBe(c.before.staged);
      expect(after.unstaged, c.file).toBe(c.before.unstaged);
      expect(repo.read('notes.txt')).toBe('first line\nunstaged edit\n');
      expect(repo.git('show', ':README.md')).toBe('# test repository\n\nstaged edit');
      if (c.slug === BLOCKING) {
        expect(repo.git('rev-parse', 'HEAD'), 'a blocked run publishes nothing').toBe(c.headBefore);
        continue;
      }
      expect(repo.git('rev-parse', 'HEAD~1')).toBe(c.headBefore);
      expect(repo.git('symbolic-ref', 'HEAD')).toBe('refs/heads/main');
      const touched = repo.git('show', '--stat=200', '--format=', '--name-only', 'HEAD').split('\n').filter(Boolean).sort();
      expect(touched).toEqual([`dossiers/${c.slug}/RELEASE_DOSSIER.md`, `dossiers/${c.slug}/release-dossier.json`]);
      expect(repo.git('show', '-s', '--format=%B', 'HEAD')).toContain(`IdeaMine-Run: ${c.run.runId}`);
      // Every other file of HEAD is byte-for-byte what it was.
      const others = (rev: string): string => repo.git('ls-tree', '-r', rev).split('\n').filter((l) => !l.includes('\tdossiers/')).join('\n');
      expect(others('HEAD')).toBe(others(c.headBefore));
      expect(c.run.dossier?.published).toMatchObject({ committed: true, where: 'main' });
      const json = JSON.parse(repo.show('HEAD', `dossiers/${c.slug}/release-dossier.json`) ?? '{}') as DossierJson;
      expect(json.digest.value).toBe(c.run.dossier?.digest);
    }
  });

  it('keeps state on ideamine/<slug> in commits carrying IdeaMine trailers that match the ledger', () => {
    for (const c of cases) {
      const branch = `ideamine/${c.slug}`;
      expect(c.repo.git('branch', '--list', 'ideamine/*').trim().replace(/^[* ]+/, '')).toBe(branch);
      const runs = c.repo.git('log', '--format=%(trailers:key=IdeaMine-Run,valueonly)', branch).split('\n').filter(Boolean);
      expect(runs.length).toBe(Number(c.repo.git('rev-list', '--count', branch)));
      expect(runs.length).toBeGreaterThan(c.slug === BLOCKING ? 3 : 13);
      expect(new Set(runs)).toEqual(new Set([c.run.runId]));
      const seqs = c.repo.git('log', '--reverse', '--format=%(trailers:key=IdeaMine-Seq,valueonly)', branch).split('\n').filter(Boolean).map(Number);
      expect(seqs.every((s, i) => Number.isInteger(s) && (i === 0 || s > (seqs[i - 1] ?? Infinity))), seqs.join(',')).toBe(true);
      const ledger = c.repo.ledger(c.slug, c.run.runId);
      const last = ledger.at(-1);
      expect(seqs.at(-1)).toBe(last?.seq);
      expect(c.repo.git('log', '-1', '--format=%(trailers:key=IdeaMine-Head,valueonly)', branch).trim()).toBe(last?.hash);
      expect(ledger[0]?.type).toBe('run.started');
      // The user's branch and index never saw a state file.
      expect(c.repo.git('ls-files')).not.toContain('.ideamine/');
    }
  });

  it('running a completed run again exits 0 and commits nothing', async () => {
    const c = grocery();
    const tip = c.repo.git('rev-parse', `ideamine/${c.slug}`);
    const head = c.repo.git('rev-parse', 'HEAD');
    const again = await c.repo.cli(['run', `ideas/${c.file}`]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('already complete');
    expect(c.repo.git('rev-parse', `ideamine/${c.slug}`)).toBe(tip);
    expect(c.repo.git('rev-parse', 'HEAD')).toBe(head);
  });

  it('status --json lists every run with per-phase status', async () => {
    const c = grocery();
    const r = await c.repo.cli(['status', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const runs = jsonOf<(RunState & { runJsonStale: boolean })[]>(r);
    expect(runs.map((s) => s.runId)).toEqual([c.run.runId]);
    const [state] = runs;
    expect(state?.status).toBe('completed');
    expect(state?.runJsonStale).toBe(false);
    expect(Object.keys(state?.phases ?? {})).toEqual([...PHASES]);
    expect(Object.values(state?.phases ?? {}).map((p) => [p.status, p.attempts])).toEqual(PHASES.map(() => ['passed', 1]));
    const blocked = cases.find((x) => x.slug === BLOCKING);
    const b = jsonOf<RunState[]>(await blocked!.repo.cli(['status', blocked!.run.runId, '--json']));
    expect(b[0]?.status).toBe('blocked');
    expect(b[0]?.phases.intake?.status).toBe('blocked');
    expect(b[0]?.phases.ideation?.status).toBe('pending');
  });

  it('the offline dossier shows the offline banner and tokens/cost as not measured', () => {
    const c = grocery();
    const md = c.repo.show('HEAD', `dossiers/${c.slug}/RELEASE_DOSSIER.md`) ?? '';
    expect(md).toContain('Drafted offline by the built-in drafter (no model was called)');
    expect(md).toMatch(/\*\*Tokens:\*\* not measured \(offline\)/);
    expect(md).toMatch(/\*\*Cost:\*\* not measured \(offline\)/);
    const json = JSON.parse(c.repo.show('HEAD', `dossiers/${c.slug}/release-dossier.json`) ?? '{}') as DossierJson;
    expect(json.model.provenance).toBe('offline');
    expect(json.model.note).toMatch(/tokens and cost were not measured/);
    expect(json.totals.tokens).toBeNull();
    expect(json.totals.costUsd).toBeNull();
    expect(json.phases.every((p) => p.tokens === null && p.costUsd === null)).toBe(true);
    expect(c.run.phases.every((p) => p.tokens === null && p.costUsd === null)).toBe(true);
  });
});

describe('verify finds tampering (state branch edited with git plumbing)', () => {
  it('one character of the ledger: exit 1 naming ledger.jsonl and the line', async () => {
    const c = grocery();
    const branch = `ideamine/${c.slug}`;
    const path = `.ideamine/runs/${c.run.runId}/ledger.jsonl`;
    const tip = c.repo.git('rev-parse', branch);
    const lines = (c.repo.show(branch, path) ?? '').split('\n');
    // Line 4 (seq 3): flip one character inside its "time" value.
    const line = lines[3] ?? '';
    const at = line.indexOf('"time":"') + '"time":"'.length + 3;
    lines[3] = line.slice(0, at) + (line[at] === '5' ? '6' : '5') + line.slice(at + 1);
    expect(lines.join('\n').length).toBe((c.repo.show(branch, path) ?? '').length);
    c.repo.commitOnBranch(branch, path, lines.join('\n'), 'tamper with the ledger');
    const r = await c.repo.cli(['verify', c.run.runId]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${path} line 4`);
    expect(r.stdout).toMatch(/hash does not match/);
    c.repo.git('update-ref', `refs/heads/${branch}`, tip);
    expect((await c.repo.cli(['verify', c.run.runId])).code).toBe(0);
  });

  it('one character of an artifact: exit 1 naming that file', async () => {
    const c = grocery();
    const branch = `ideamine/${c.slug}`;
    const path = `.ideamine/runs/${c.run.runId}/artifacts/prd/prd.json`;
    const tip = c.repo.git('rev-parse', branch);
    const text = c.repo.show(branch, path);
    expect(text).not.toBeNull();
    const at = (text ?? '').indexOf('"', 10) + 1;
    const edited = (text ?? '').slice(0, at) + ((text ?? '')[at] === 'x' ? 'y' : 'x') + (text ?? '').slice(at + 1);
    c.repo.commitOnBranch(branch, path, edited, 'tamper with an artifact');
    const r = await c.repo.cli(['verify', c.run.runId]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${path}: content does not match its ledger hash`);
    c.repo.git('update-ref', `refs/heads/${branch}`, tip);
    expect((await c.repo.cli(['verify', c.run.runId])).code).toBe(0);
  });

  it('an edit to the published dossier JSON on the current branch: exit 1 naming it', async () => {
    const c = grocery();
    const path = `dossiers/${c.slug}/release-dossier.json`;
    const text = c.repo.read(path);
    c.repo.write(path, text.replace('"name": "Shared grocery list"', '"name": "Shared grocery lisT"'));
    expect(c.repo.read(path)).not.toBe(text);
    c.repo.git('commit', '-q', '-m', 'edit the dossier', '--', path);
    const r = await c.repo.cli(['verify', c.run.runId]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${path} (current branch): digest does not match its content`);
  });
});
