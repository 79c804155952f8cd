// The bundled Action run as the runner runs it (INPUT_*, GITHUB_* files, loopback GitHub): phase and dispatch.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMarker } from '../src/core/gate-pr.js';
import type { TempRepo } from './support/git-repo.js';
import type { GitHubStandIn } from './support/github-standin.js';
import { startActionHarness, TOKEN, type ActionHarness, type ActionRun } from './support/action-harness.js';

const GOOD = 'shared-grocery-list';
const BLOCKING = 'plant-watering-reminder';

let h: ActionHarness;
let dir = '';
let repo: TempRepo;
let standIn: GitHubStandIn;

beforeAll(async () => {
  h = await startActionHarness({ label: 'action', ideas: [GOOD, BLOCKING] });
  ({ dir, repo, standIn } = h);
});

afterAll(() => h.close());

const runAction = (inputs: Record<string, string>, extra: Record<string, string> = {}): Promise<ActionRun> => h.runAction(inputs, extra);
const remoteGit = (...args: string[]): string => h.remoteGit(...args);
const ledgerTypes = (slug: string, runId: string, phase: string): string[] =>
  remoteGit('show', `ideamine/${slug}:.ideamine/runs/${runId}/ledger.jsonl`).split('\n').filter(Boolean)
    .map((line) => JSON.parse(line) as { type: string; phase: string | null }).filter((e) => e.phase === phase).map((e) => e.type);

describe('action: command phase', () => {
  let runId = '';

  it('runs intake, pushes the state branch to the remote and reports done', async () => {
    const r = await runAction({ command: 'phase', phase: 'intake', slug: GOOD });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.outputs.status).toBe('done');
    runId = r.outputs['run-id'] ?? '';
    expect(runId).toMatch(new RegExp(`^${GOOD}-[0-9a-f]{8}$`));
    expect(ledgerTypes(GOOD, runId, 'intake')).toContain('phase.passed');
    // Masked first; nothing else prints it.
    expect(r.stdout).toContain(`::add-mask::${TOKEN}`);
    expect(r.stdout.replace(`::add-mask::${TOKEN}`, '')).not.toContain(TOKEN);
    expect(r.summary).toContain('<th>metric</th>');
    expect(r.summary).toContain('phase status');
    expect(r.summary).toContain('passed');
    expect(r.summary).toContain('not measured');
    expect(r.summary).toMatch(/GitHub API requests/);
  });

  it('a phase whose needs have not passed is nothing-due and changes nothing', async () => {
    const before = remoteGit('rev-parse', `ideamine/${GOOD}`);
    const r = await runAction({ command: 'phase', phase: 'prd', slug: GOOD });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.outputs.status).toBe('nothing-due');
    expect(r.outputs['run-id']).toBe(runId);
    expect(remoteGit('rev-parse', `ideamine/${GOOD}`)).toBe(before);
  });

  it('a missing idea is nothing-due', async () => {
    const r = await runAction({ command: 'phase', phase: 'intake', slug: 'no-such-idea' });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.outputs.status).toBe('nothing-due');
  });

  it('a failing gate opens a gate PR with the marker and fails the job; passing later closes it', async () => {
    const r = await runAction({ command: 'phase', phase: 'intake', slug: BLOCKING });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.outputs.status).toBe('blocked');
    const pulls = standIn.repo.pulls.filter((p) => p.state === 'open');
    expect(pulls).toHaveLength(1);
    const marker = parseMarker(pulls[0]?.body);
    expect(marker).toMatchObject({ slug: BLOCKING, phase: 'intake', runId: r.outputs['run-id'] });
    expect(r.stdout).toMatch(new RegExp(`::error::Gate failed for intake.*pull/${pulls[0]?.number ?? 0}`));
    expect(ledgerTypes(BLOCKING, r.outputs['run-id'] ?? '', 'intake')).toContain('phase.blocked');

    // The edit that unblocks intake (a third core feature): a new run passes and closes the old gate PR.
    const file = `ideas/${BLOCKING}.yaml`;
    repo.write(file, repo.read(file).replace('  - push reminders on the day a plant is due\n', '  - push reminders on the day a plant is due\n  - a vacation mode that hands plants over to a neighbour\n'));
    const again = await runAction({ command: 'phase', phase: 'intake', slug: BLOCKING });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.outputs.status).toBe('done');
    expect(standIn.repo.pulls.filter((p) => p.state === 'open')).toHaveLength(0);
    expect(again.summary).toContain('Closed the earlier gate pull request');
  });

  it('runs the rest of the DAG one job per phase, in order, then the release commits the dossier', async () => {
    const rest = ['ideation', 'critique', 'prd', 'bizdev', 'architecture', 'build', 'security', 'story-loop', 'qa', 'aesthetic', 'release', 'beta'];
    for (const phase of rest) {
      const r = await runAction({ command: 'phase', phase, slug: GOOD });
      expect(r.code, `${phase}: ${r.stdout}${r.stderr}`).toBe(0);
      expect(r.outputs.status, phase).toBe('done');
      expect(ledgerTypes(GOOD, runId, phase), phase).toContain('phase.passed');
    }
    const release = await runAction({ command: 'release', slug: GOOD });
    expect(release.code, release.stdout + release.stderr).toBe(0);
    expect(release.outputs.status).toBe('done');
    expect(release.summary).toContain(`dossiers/${GOOD}/`);
  });
});

describe('action: command dispatch', () => {
  it('dispatches one run per valid changed idea and annotates a broken one', async () => {
    repo.write('ideas/broken-idea.yaml', 'name: Broken\ncomplexity: enormous\n');
    const event = join(dir, 'push.json');
    writeFileSync(event, JSON.stringify({
      ref: 'refs/heads/main',
      commits: [
        { added: [`ideas/${GOOD}.yaml`, 'README.md'], modified: [], removed: [] },
        { added: ['ideas/broken-idea.yaml'], modified: [`ideas/${BLOCKING}.yaml`], removed: ['ideas/gone.yaml'] },
      ],
    }));
    const before = standIn.repo.runs.length;
    const r = await runAction({ command: 'dispatch' }, { GITHUB_EVENT_NAME: 'push', GITHUB_EVENT_PATH: event, GITHUB_REF: 'refs/heads/main' });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.outputs.status).toBe('dispatched');
    const started = standIn.repo.runs.slice(before);
    expect(started.map((run) => run.inputs.slug).sort()).toEqual([BLOCKING, GOOD]);
    expect(started.every((run) => run.headBranch === 'main')).toBe(true);
    expect(r.stdout).toMatch(/^::error file=ideas\/broken-idea\.yaml.*::ideas\/broken-idea\.yaml/m);
    expect(r.summary).toContain('broken-idea.yaml');
  });
});
