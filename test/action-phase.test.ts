// The bundled Action run as the runner runs it (INPUT_*, GITHUB_* files, loopback GitHub): phase and dispatch.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMarker } from '../src/core/gate-pr.js';
import { makeRepo, runGitSync, testGitEnv, type TempRepo } from './support/git-repo.js';
import { startGitHubStandIn, type GitHubStandIn } from './support/github-standin.js';

const ROOT = join(import.meta.dirname, '..');
const TOKEN = 'ghs-actions-token-1234';
const GOOD = 'shared-grocery-list';
const BLOCKING = 'plant-watering-reminder';
const example = (file: string): string => readFileSync(join(ROOT, 'ideas', file), 'utf8');

interface BuildModule { buildEntry: (entry: { name: string; source: string; outfile: string }, outfile?: string) => Promise<string> }
interface ActionRun { code: number | null; stdout: string; stderr: string; outputs: Record<string, string>; summary: string }

let dir = '';
let bundle = '';
let repo: TempRepo;
let standIn: GitHubStandIn;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ideamine-action-'));
  // The bundle finds its package root (phases/, schemas/) upwards from itself, as in a checked-out action.
  const pkg = join(dir, 'pkg');
  mkdirSync(join(pkg, 'action', 'dist'), { recursive: true });
  writeFileSync(join(pkg, 'package.json'), readFileSync(join(ROOT, 'package.json')));
  symlinkSync(join(ROOT, 'phases'), join(pkg, 'phases'));
  symlinkSync(join(ROOT, 'schemas'), join(pkg, 'schemas'));
  const build = (await import(pathToFileURL(join(ROOT, 'scripts', 'build.mjs')).href)) as BuildModule;
  bundle = await build.buildEntry({ name: 'action', source: 'action/src/main.ts', outfile: '' }, join(pkg, 'action', 'dist', 'index.mjs'));
  repo = makeRepo({ remote: true });
  repo.write(`ideas/${GOOD}.yaml`, example(`${GOOD}.yaml`));
  repo.write(`ideas/${BLOCKING}.yaml`, example(`${BLOCKING}.yaml`));
  repo.git('add', 'ideas');
  repo.git('commit', '-q', '-m', 'two ideas');
  repo.git('push', '-q', 'origin', 'main');
  standIn = await startGitHubStandIn({
    tokens: { [TOKEN]: { login: 'github-actions[bot]', actions: true, permissions: { contents: 'write', 'pull-requests': 'write', issues: 'write', actions: 'write' } } },
    workflows: ['ideamine-run.yml'],
  });
});

afterAll(async () => {
  await standIn.close();
  standIn.assertNoUnexpected();
  repo.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

/** GITHUB_OUTPUT lines: `name<<DELIMITER`, the value, `DELIMITER`. */
function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const match = /^([^<]+)<<(.+)$/.exec(lines[i] ?? '');
    if (!match?.[1] || !match[2]) continue;
    const end = lines.indexOf(match[2], i + 1);
    outputs[match[1]] = lines.slice(i + 1, end).join('\n');
    i = end;
  }
  return outputs;
}

let runs = 0;
/** Asynchronous on purpose: the stand-in answers from this process's event loop. */
async function runAction(inputs: Record<string, string>, extra: Record<string, string> = {}): Promise<ActionRun> {
  runs += 1;
  const output = join(dir, `output-${runs}`);
  const summary = join(dir, `summary-${runs}`);
  writeFileSync(output, '');
  writeFileSync(summary, '');
  const base = Object.fromEntries(Object.entries(testGitEnv()).filter(([k]) => !k.startsWith('INPUT_') && !k.startsWith('GITHUB_')));
  const env: NodeJS.ProcessEnv = {
    ...base, ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
    'INPUT_GITHUB-TOKEN': TOKEN, INPUT_MODEL: 'offline', GITHUB_WORKSPACE: repo.dir, GITHUB_REPOSITORY: 'acme/widgets',
    GITHUB_API_URL: standIn.url, GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary, GITHUB_RUN_ID: '77', ...extra,
  };
  const child = spawn(process.execPath, [bundle], { env, cwd: repo.dir });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString('utf8'); });
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout, stderr, outputs: parseOutputs(readFileSync(output, 'utf8')), summary: readFileSync(summary, 'utf8') };
}

const remoteGit = (...args: string[]): string => runGitSync(repo.remote?.dir ?? '', args);
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
