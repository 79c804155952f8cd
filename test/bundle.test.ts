// The phase bundle: parsing phase files, checking the DAG, ordering, loading and hashing (built-in or override).
import { cpSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IdeaMineError } from '../src/core/errors.js';
import { PHASE_IDS, type PhaseConfig } from '../src/core/phase-config.js';
import { checkBundle, parsePhaseFile, readyPhases, topoOrder } from '../src/core/phases.js';
import { findPackageRoot, loadBundle } from '../src/engine/bundle.js';

const root = join(import.meta.dirname, '..');
const phaseText = (id: string): string => readFileSync(join(root, 'phases', `${id}.yaml`), 'utf8');
const realPhases = (): PhaseConfig[] =>
  PHASE_IDS.map((id) => {
    const parsed = parsePhaseFile(`phases/${id}.yaml`, phaseText(id));
    if (!parsed.ok) throw new Error(parsed.issues.join('\n'));
    return parsed.value;
  });
const emptyRepo = (): string => mkdtempSync(join(tmpdir(), 'ideamine-bundle-'));

/** A repository whose .ideamine/phases/ is the built-in set with some files edited. */
function overrideRepo(edits: Record<string, (text: string) => string> = {}): string {
  const repo = emptyRepo();
  const dir = join(repo, '.ideamine', 'phases');
  mkdirSync(dir, { recursive: true });
  cpSync(join(root, 'phases'), dir, { recursive: true });
  for (const [file, edit] of Object.entries(edits)) {
    const before = readFileSync(join(dir, file), 'utf8');
    const after = edit(before);
    expect(after, `edit of ${file} changed nothing`).not.toBe(before);
    writeFileSync(join(dir, file), after);
  }
  return repo;
}

async function bundleIssues(repo: string): Promise<{ message: string; details: readonly string[] }> {
  const caught: unknown = await loadBundle({ packageRoot: root, repoRoot: repo }).then(() => undefined, (e: unknown) => e);
  expect(caught).toBeInstanceOf(IdeaMineError);
  const error = caught as IdeaMineError;
  expect(error.code).toBe('BAD_INPUT');
  return { message: error.message, details: error.details };
}

describe('parsePhaseFile', () => {
  it('parses every built-in phase file', () => {
    expect(realPhases().map((p) => p.id)).toEqual([...PHASE_IDS]);
  });

  it('locates unknown keys, wrong types and a file named differently from its id', () => {
    const text = phaseText('intake');
    const bad = parsePhaseFile('phases/intake.yaml', text.replace('parallelism: 1', 'parallelism: many\nparalelism: 2'));
    expect(bad.ok ? [] : bad.issues).toEqual([
      expect.stringMatching(/^phases\/intake\.yaml:\d+:14: parallelism: must be integer \(found string "many"\)/) as string,
      expect.stringMatching(/^phases\/intake\.yaml:\d+:1: paralelism: unknown key — remove it, or did you mean "parallelism"\?/) as string,
    ]);
    const renamed = parsePhaseFile('phases/start.yaml', text);
    expect(renamed.ok ? [] : renamed.issues).toEqual([expect.stringMatching(/^phases\/start\.yaml:2:5: id: is "intake" but the file is named start/) as string]);
    const syntax = parsePhaseFile('phases/intake.yaml', 'id: intake\nid: prd\n');
    expect(syntax.ok ? [] : syntax.issues).toEqual([expect.stringMatching(/^phases\/intake\.yaml:2:1: \(yaml\): Map keys must be unique/) as string]);
  });
});

describe('checkBundle, topoOrder and readyPhases', () => {
  const phases = realPhases();
  const outputs = new Set(phases.flatMap((p) => p.agents.map((a) => a.output)));
  const roles = new Set(phases.flatMap((p) => p.agents.map((a) => a.role)));
  const edit = (id: string, change: (p: PhaseConfig) => PhaseConfig): PhaseConfig[] =>
    phases.map((p) => (p.id === id ? change(p) : p));

  it('accepts the built-in bundle', () => {
    expect(checkBundle(phases, outputs, roles)).toEqual([]);
  });

  it('reports unknown needs, cycles, missing roles and schemas, and inputs not produced upstream', () => {
    expect(checkBundle(edit('build', (p) => ({ ...p, needs: [...p.needs, 'deploy' as never] })), outputs, roles))
      .toEqual([expect.stringMatching(/^phases\/build\.yaml: needs\[1\]: unknown phase "deploy" — use one of/) as string]);
    expect(checkBundle(edit('intake', (p) => ({ ...p, needs: ['beta'] })), outputs, roles))
      .toEqual([expect.stringMatching(/^phases\/intake\.yaml: needs: phases form a cycle: intake → beta → .* → intake — /) as string]);
    const intake = phases[0]?.agents[0];
    if (!intake) throw new Error('intake has no agent');
    const without = (set: Set<string>, item: string): Set<string> => new Set([...set].filter((x) => x !== item));
    expect(checkBundle(phases, outputs, without(roles, intake.role))).toEqual([
      `phases/intake.yaml: agents[0].role: no agent module for role "${intake.role}" — add it to src/agents/index.ts or fix the role name`,
    ]);
    expect(checkBundle(phases, without(outputs, intake.output), roles)[0]).toMatch(/agents\[0\]\.output: no schema for artifact/);
    expect(checkBundle(edit('intake', (p) => ({ ...p, agents: [{ ...intake, inputs: ['prd'] }] })), outputs, roles))
      .toEqual([expect.stringMatching(/^phases\/intake\.yaml: agents\[0\]\.inputs\[0\]: "prd" is not produced by any phase this one needs/) as string]);
  });

  it('orders phases deterministically whatever the input order, and lists ready phases', () => {
    const order = topoOrder(phases).map((p) => p.id);
    expect(topoOrder([...phases].reverse()).map((p) => p.id)).toEqual(order);
    for (const p of phases) for (const n of p.needs) expect(order.indexOf(n)).toBeLessThan(order.indexOf(p.id));
    expect(readyPhases(phases, new Set())).toEqual(['intake']);
    const done = new Set(order.slice(0, order.indexOf('build') + 1));
    expect(readyPhases(phases, done)).toEqual(phases.filter((p) => !done.has(p.id) && p.needs.every((n) => done.has(n))).map((p) => p.id));
    expect(readyPhases(phases, done).length).toBeGreaterThan(0);
    expect(() => topoOrder(edit('intake', (p) => ({ ...p, needs: ['beta'] })))).toThrow(/cycle/);
  });
});

describe('loadBundle', () => {
  it('loads the built-in bundle in topological order with schemas and agents, and hashes it stably', async () => {
    const bundle = await loadBundle({ packageRoot: root, repoRoot: emptyRepo() });
    expect(bundle.source).toBe('built-in');
    expect(bundle.phases.map((p) => p.id)).toEqual(topoOrder(realPhases()).map((p) => p.id));
    for (const p of bundle.phases) {
      for (const a of p.agents) {
        expect(bundle.schemas[a.output]).toBeDefined();
        expect(bundle.agents[a.role]).toBeDefined();
      }
    }
    expect(Object.keys(bundle.schemas).sort()).toEqual(readdirSync(join(root, 'schemas/artifacts')).map((f) => f.replace('.schema.json', '')).sort());
    expect(bundle.hash).toMatch(/^[0-9a-f]{64}$/);
    expect((await loadBundle({ packageRoot: root, repoRoot: emptyRepo() })).hash).toBe(bundle.hash);
  });

  it('prefers .ideamine/phases/ and pins what it contains', async () => {
    const builtIn = await loadBundle({ packageRoot: root, repoRoot: emptyRepo() });
    const same = await loadBundle({ packageRoot: root, repoRoot: overrideRepo() });
    expect(same.source).toBe('.ideamine/phases');
    expect(same.hash).toBe(builtIn.hash);
    const tuned = await loadBundle({ packageRoot: root, repoRoot: overrideRepo({ 'intake.yaml': (t) => t.replace('maxAttempts: 3', 'maxAttempts: 4') }) });
    expect(tuned.hash).not.toBe(builtIn.hash);
  });

  it('refuses an override with an unknown key, naming file, line and key', async () => {
    const { message, details } = await bundleIssues(overrideRepo({ 'prd.yaml': (t) => t.replace(/^parallelism: (\d+)$/m, 'parallelism: $1\nparalellism: 2') }));
    expect(message).toMatch(/^the phase bundle in \.ideamine\/phases\/ \(this repository's override\) has 1 problem$/);
    expect(details).toEqual([expect.stringMatching(/^\.ideamine\/phases\/prd\.yaml:\d+:1: paralellism: unknown key — remove it, or did you mean "parallelism"\?$/) as string]);
  });

  it('refuses a cycle and an unknown role', async () => {
    const cycle = await bundleIssues(overrideRepo({ 'intake.yaml': (t) => t.replace('needs: []', 'needs: [beta]') }));
    expect(cycle.details).toEqual([expect.stringMatching(/^\.ideamine\/phases\/intake\.yaml: needs: phases form a cycle: intake → beta → .* → intake/) as string]);
    const role = await bundleIssues(overrideRepo({ 'build.yaml': (t) => t.replace(/role: [a-z-]+/, 'role: ghost-writer') }));
    expect(role.details).toEqual([expect.stringMatching(/^\.ideamine\/phases\/build\.yaml: agents\[0\]\.role: no agent module for role "ghost-writer"/) as string]);
  });

  it('refuses an empty override directory', async () => {
    const repo = emptyRepo();
    mkdirSync(join(repo, '.ideamine', 'phases'), { recursive: true });
    expect((await bundleIssues(repo)).details).toEqual([
      '.ideamine/phases/: (bundle): no phase files (*.yaml) found — add phase files, or delete the directory to use the built-in phases',
    ]);
  });
});

describe('findPackageRoot', () => {
  it('finds the package from src/ and from a bundled file one directory below the root', () => {
    expect(findPackageRoot()).toBe(root);
    expect(findPackageRoot(join(root, 'dist', 'ideamine.js'))).toBe(root);
  });

  it('skips package.json files of other packages and fails clearly when none is ours', () => {
    const elsewhere = emptyRepo();
    writeFileSync(join(elsewhere, 'package.json'), '{"name":"other"}');
    expect(() => findPackageRoot(join(elsewhere, 'x.js'))).toThrow(/cannot find the ideamine package root/);
  });
});
