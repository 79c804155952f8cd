// The bundled Action run as the runner runs it: review turns gate PR reviews into ledger decisions; release commits the dossier.
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
const BLOCKING = 'plant-watering-reminder';
const example = (file: string): string => readFileSync(join(ROOT, 'ideas', file), 'utf8');

interface BuildModule { buildEntry: (entry: { name: string; source: string; outfile: string }, outfile?: string) => Promise<string> }
interface ActionRun { code: number | null; stdout: string; stderr: string; outputs: Record<string, string>; summary: string }

let dir = '';
let bundle = '';
let repo: TempRepo;
let standIn: GitHubStandIn;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ideamine-action-review-'));
  // The bundle finds its package root (phases/, schemas/) upwards from itself, as in a checked-out action.
  const pkg = join(dir, 'pkg');
  mkdirSync(join(pkg, 'action', 'dist'), { recursive: true });
  writeFileSync(join(pkg, 'package.json'), readFileSync(join(ROOT, 'package.json')));
  symlinkSync(join(ROOT, 'phases'), join(pkg, 'phases'));
  symlinkSync(join(ROOT, 'schemas'), join(pkg, 'schemas'));
  const build = (await import(pathToFileURL(join(ROOT, 'scripts', 'build.mjs')).href)) as BuildModule;
  bundle = await build.buildEntry({ name: 'action', source: 'action/src/main.ts', outfile: '' }, join(pkg, 'action', 'dist', 'index.mjs'));
  repo = makeRepo({ remote: true });
  repo.write(`ideas/${BLOCKING}.yaml`, example(`${BLOCKING}.yaml`));
  repo.git('add', 'ideas');
  repo.git('commit', '-q', '-m', 'one idea');
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
const ledger = (slug: string, runId: string): { type: string; phase: string | null; data: Record<string, unknown> }[] =>
  remoteGit('show', `ideamine/${slug}:.ideamine/runs/${runId}/ledger.jsonl`).split('\n').filter(Boolean)
    .map((line) => JSON.parse(line) as { type: string; phase: string | null; data: Record<string, unknown> });

function reviewEvent(prNumber: number): Record<string, string> {
  const event = join(dir, `review-${prNumber}-${runs}.json`);
  writeFileSync(event, JSON.stringify({ action: 'submitted', pull_request: { number: prNumber } }));
  return { GITHUB_EVENT_NAME: 'pull_request_review', GITHUB_EVENT_PATH: event };
}

describe('action: command review', () => {
  let runId = '';
  let prNumber = 0;

  it('blocks intake and opens a gate PR (setup)', async () => {
    const r = await runAction({ command: 'phase', phase: 'intake', slug: BLOCKING });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.outputs.status).toBe('blocked');
    runId = r.outputs['run-id'] ?? '';
    const pull = standIn.repo.pulls.find((p) => p.state === 'open');
    expect(parseMarker(pull?.body)).toMatchObject({ slug: BLOCKING, phase: 'intake', runId });
    prNumber = pull?.number ?? 0;
  });

  it('a read-only reviewer\'s approval is refused with one comment and records nothing', async () => {
    standIn.addCollaborator('reader', 'read');
    const id = standIn.submitReview(prNumber, 'reader', 'APPROVED', 'Looks fine to me, ship it.');
    const before = remoteGit('rev-parse', `ideamine/${BLOCKING}`);
    const runsBefore = standIn.repo.runs.length;
    const r = await runAction({ command: 'review' }, reviewEvent(prNumber));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.outputs.status).toBe('nothing-due');
    const comments = (standIn.repo.comments.get(prNumber) ?? []).filter((c) => c.body.includes(`ideamine:refused ${id}`));
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain('no write, maintain or admin permission');
    expect(remoteGit('rev-parse', `ideamine/${BLOCKING}`)).toBe(before);
    expect(standIn.repo.runs.length).toBe(runsBefore);
    // The same event again does not comment twice.
    await runAction({ command: 'review' }, reviewEvent(prNumber));
    expect((standIn.repo.comments.get(prNumber) ?? []).filter((c) => c.body.includes(`ideamine:refused ${id}`))).toHaveLength(1);
  });

  it('a writer\'s approval on the head SHA records a waiver with the review id and dispatches the run', async () => {
    standIn.addCollaborator('maintainer', 'write');
    const id = standIn.submitReview(prNumber, 'maintainer', 'APPROVED', 'Two core features are enough for a first release.');
    const runsBefore = standIn.repo.runs.length;
    const r = await runAction({ command: 'review' }, reviewEvent(prNumber));
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.outputs.status).toBe('done');
    expect(r.outputs['run-id']).toBe(runId);
    const waivers = ledger(BLOCKING, runId).filter((e) => e.type === 'waiver.granted');
    expect(waivers).toHaveLength(1);
    expect(waivers[0]?.data).toMatchObject({ phase: 'intake', by: 'maintainer', source: 'review', reviewId: id, login: 'maintainer', sha: standIn.repo.headSha(standIn.pull(prNumber)) });
    expect(Date.parse(String(waivers[0]?.data['expiresAt']))).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    const started = standIn.repo.runs.slice(runsBefore);
    expect(started.map((run) => [run.inputs.slug, run.headBranch])).toEqual([[BLOCKING, 'main']]);
    // A repeated event (or tick) does not record the waiver twice.
    const again = await runAction({ command: 'tick' });
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(ledger(BLOCKING, runId).filter((e) => e.type === 'waiver.granted')).toHaveLength(1);
  });

  it('the resumed phase command waives intake and closes the gate PR', async () => {
    const r = await runAction({ command: 'phase', phase: 'intake', slug: BLOCKING });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.outputs['run-id']).toBe(runId);
    expect(ledger(BLOCKING, runId).filter((e) => e.phase === 'intake').map((e) => e.type)).toContain('phase.waived');
    expect(standIn.pull(prNumber).state).toBe('closed');
  });

  it('release before every phase passed is nothing-due and commits nothing', async () => {
    const before = standIn.readFile('main', `dossiers/${BLOCKING}/RELEASE_DOSSIER.md`);
    const r = await runAction({ command: 'release', slug: BLOCKING });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.outputs.status).toBe('nothing-due');
    expect(before).toBeNull();
    expect(standIn.readFile('main', `dossiers/${BLOCKING}/RELEASE_DOSSIER.md`)).toBeNull();
  });
});

