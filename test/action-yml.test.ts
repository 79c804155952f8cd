// action.yml: valid for GitHub's parser, node24 on the bundled file, and the inputs the workflows pass.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { NoOperationTraceWriter } from '@actions/workflow-parser';
import { parseAction } from '@actions/workflow-parser/actions/action-parser';
import { generateWorkflows } from '../src/core/workflow-gen.js';

const ROOT = join(import.meta.dirname, '..');
const TEXT = readFileSync(join(ROOT, 'action.yml'), 'utf8');

interface Input { description: string; required?: boolean; default?: string }
interface ActionYml {
  name: string; description: string;
  inputs: Record<string, Input>; outputs: Record<string, { description: string }>;
  runs: { using: string; main: string };
}
const action = parse(TEXT) as ActionYml;

const parseErrors = (content: string): string[] =>
  parseAction({ name: 'action.yml', content }, new NoOperationTraceWriter()).context.errors.getErrors().map((e) => e.message);

describe('action.yml', () => {
  it('passes GitHub\'s action parser with no errors', () => {
    expect(parseErrors(TEXT)).toEqual([]);
  });

  it('the parser does reject a broken action file (the check can fail)', () => {
    expect(parseErrors(TEXT.replace('using: node24', 'using: node99')).join('\n')).toMatch(/node99/);
    expect(parseErrors(`${TEXT}surprise: 1\n`).join('\n')).toMatch(/surprise/);
  });

  it('runs the single bundled file on node24', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'action/dist/index.js' });
  });

  it('declares the inputs, with the documented defaults', () => {
    expect(Object.keys(action.inputs).sort()).toEqual([
      'allow-self-waiver', 'anthropic-api-key', 'budget-usd', 'command', 'github-token',
      'max-runs-in-progress', 'model', 'monthly-budget-usd', 'phase', 'pr-token', 'pr-token-login', 'slug',
    ]);
    expect(action.inputs['max-runs-in-progress']?.default).toBe('5');
    expect(action.inputs['monthly-budget-usd']?.default).toBe('');
    expect(action.inputs['pr-token-login']?.default).toBe('');
    expect(action.inputs.command?.required).toBe(true);
    for (const command of ['dispatch', 'phase', 'review', 'tick', 'release']) {
      expect(action.inputs.command?.description).toContain(`${command} (`);
    }
    expect(action.inputs['github-token']?.default).toBe('${{ github.token }}');
    expect(action.inputs['allow-self-waiver']?.default).toBe('false');
    expect(action.inputs.model?.default).toBe('auto');
    expect(action.inputs.model?.description).toMatch(/anthropic-api-key is set, otherwise offline/);
    for (const secret of ['anthropic-api-key', 'pr-token']) expect(action.inputs[secret]?.default).toBe('');
  });

  it('declares the status and run-id outputs', () => {
    expect(Object.keys(action.outputs).sort()).toEqual(['run-id', 'status']);
  });
});

describe('the generated workflows call the action correctly', () => {
  const phases = [
    { id: 'intake', needs: [], budget: { wallClockSeconds: 60 } },
    { id: 'prd', needs: ['intake'], budget: { wallClockSeconds: 60 } },
  ];
  const generated = generateWorkflows({ phases, bundleHash: 'ab'.repeat(32), actionRef: './' });
  const steps = [generated.dispatcher, generated.run].flatMap((text) =>
    Object.values((parse(text) as { jobs: Record<string, { steps: { uses?: string; with?: Record<string, unknown> }[] }> }).jobs)
      .flatMap((job) => job.steps.filter((s) => s.uses === './')));

  it('every job calls it once, with known inputs only and a known command', () => {
    expect(steps).toHaveLength(3 + phases.length + 1);
    const commands = new Set<unknown>();
    for (const step of steps) {
      for (const key of Object.keys(step.with ?? {})) expect(Object.keys(action.inputs)).toContain(key);
      commands.add(step.with?.command);
    }
    expect([...commands].sort()).toEqual(['dispatch', 'phase', 'release', 'review', 'tick']);
  });

  it('phase and release steps name their slug, and phase steps their phase', () => {
    for (const step of steps.filter((s) => s.with?.command === 'phase' || s.with?.command === 'release')) {
      expect(step.with?.slug).toBe('${{ inputs.slug }}');
      if (step.with?.command === 'phase') expect(phases.map((p) => p.id)).toContain(step.with.phase);
    }
  });
});

describe('scripts/build.mjs', () => {
  interface BuildModule {
    buildEntry: (entry: { name: string; source: string; outfile: string }, outfile?: string) => Promise<string>;
    ENTRIES: { name: string; source: string; outfile: string; committed: boolean }[];
  }
  const load = async (): Promise<BuildModule> => (await import(pathToFileURL(join(ROOT, 'scripts', 'build.mjs')).href)) as BuildModule;

  it('bundles to runnable ESM (CommonJS dependencies included), byte-identical on rebuild', async () => {
    const { buildEntry, ENTRIES } = await load();
    expect(ENTRIES.map((e) => [e.source, e.outfile, e.committed])).toEqual([
      ['src/cli/main.ts', 'dist/cli.js', false], ['action/src/main.ts', 'action/dist/index.js', true],
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'ideamine-build-'));
    try {
      const source = join(dir, 'entry.ts');
      // A CommonJS module requiring a built-in: esbuild's ESM output needs the createRequire banner for it.
      writeFileSync(join(dir, 'legacy.cjs'), "module.exports = { sep: require('node:path').sep };\n");
      writeFileSync(source, [
        "import legacy from './legacy.cjs';",
        `import { validateAgainst } from ${JSON.stringify(join(ROOT, 'src/core/validate.ts'))};`,
        `console.log(JSON.stringify([legacy.sep, ...validateAgainst({ type: 'string', format: 'date' }, 'not a date')]));`,
      ].join('\n'));
      const first = await buildEntry({ name: 't', source, outfile: join(dir, 'a.mjs') });
      const second = await buildEntry({ name: 't', source, outfile: join(dir, 'b.mjs') });
      expect(readFileSync(first).equals(readFileSync(second))).toBe(true);
      const out = execFileSync(process.execPath, [first], { encoding: 'utf8' });
      expect(JSON.parse(out)).toEqual(['/', '(root): must match format "date"']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
