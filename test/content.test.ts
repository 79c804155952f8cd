// Pipeline content: phase files, agent registry and artifact schemas agree with each other and with the contracts.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { createOfflineModel } from '../src/adapters/model/offline.js';
import { agentFor, agents } from '../src/agents/index.js';
import type { Json } from '../src/core/canonical.js';
import { IdeaMineError } from '../src/core/errors.js';
import { evaluateGate } from '../src/core/gate.js';
import { parseIdea } from '../src/core/idea-parse.js';
import { parsePath } from '../src/core/paths.js';
import { PHASE_IDS, type PhaseConfig } from '../src/core/phase-config.js';
import { checkBundle, parsePhaseFile, topoOrder } from '../src/core/phases.js';
import { assembleArtifacts, planTasks } from '../src/core/planner.js';
import { confineScaffold } from '../src/core/scaffold-paths.js';
import { UNTRUSTED_NOTICE } from '../src/core/prompt.js';
import { createAjv, validateAgainst } from '../src/core/validate.js';

type Schema = { [key: string]: Json };
const root = join(import.meta.dirname, '..');
const readJson = (file: string): Schema => JSON.parse(readFileSync(join(root, file), 'utf8')) as Schema;
const phaseSchema = readJson('schemas/phase.schema.json');
const phaseFiles = readdirSync(join(root, 'phases')).filter((f) => f.endsWith('.yaml')).sort();
const raw = new Map(phaseFiles.map((f) => [f, parse(readFileSync(join(root, 'phases', f), 'utf8')) as unknown]));
const phases = [...raw.values()] as PhaseConfig[];
const byId = new Map(phases.map((p) => [p.id, p]));
const artifactSchema = (name: string): Schema => readJson(`schemas/artifacts/${name}.schema.json`);

/** Every phase reachable backwards through needs (not including the phase itself). */
function upstream(id: string, seen = new Set<string>()): Set<string> {
  for (const need of byId.get(id as PhaseConfig['id'])?.needs ?? []) {
    if (!seen.has(need)) {
      seen.add(need);
      upstream(need, seen);
    }
  }
  return seen;
}
const outputsOf = (ids: Iterable<string>): Map<string, PhaseConfig['agents'][number]> =>
  new Map([...ids].flatMap((id) => byId.get(id as PhaseConfig['id'])?.agents.map((a) => [a.output, a] as const) ?? []));

// The shape of an idea (src/core/idea.ts) as a schema, so idea paths in hints and metrics can be resolved.
const strings: Schema = { type: 'array', items: { type: 'string' } };
const ideaShape: Schema = {
  type: 'object',
  properties: {
    name: { type: 'string' }, description: { type: 'string' }, complexity: { type: 'string' }, category: { type: 'string' },
    target_users: strings, core_features: strings, constraints: strings, integrations: strings, compliance: strings,
    technical_requirements: { type: 'object', properties: { platform: { type: 'string' }, expected_users: { type: 'number' }, budget: { type: 'string' }, timeline: { type: 'string' } } },
  },
};

/** The schema a path reaches, given the schemas of the context's roots; undefined when a segment does not exist. */
function schemaAt(roots: Record<string, Schema | undefined>, path: string): Schema | undefined {
  const [first, ...rest] = parsePath(path);
  let at = first === undefined ? undefined : roots[first];
  for (const segment of rest) {
    if (at === undefined) return undefined;
    if (segment === '*') at = at['type'] === 'array' ? (at['items'] as Schema) : undefined;
    else at = ((at['properties'] ?? {}) as Record<string, Schema>)[segment];
  }
  return at;
}

/** Roots for a phase: the idea and every artifact visible to it (fan-out outputs wrapped as the engine stores them). */
function contextRoots(visible: Map<string, PhaseConfig['agents'][number]>): Record<string, Schema> {
  const artifacts: Record<string, Schema> = {};
  for (const [name, agent] of visible) {
    const schema = artifactSchema(name);
    artifacts[name] = agent.fanOut ? { type: 'object', properties: { items: { type: 'array', items: schema } } } : schema;
  }
  return { idea: ideaShape, artifacts: { type: 'object', properties: artifacts } };
}

/** Walks a schema and checks every x-draft hint resolves; returns "where: problem" lines. */
function checkHints(schema: Schema, roots: Record<string, Schema | undefined>, dollar: Schema | undefined, where: string): string[] {
  const problems: string[] = [];
  const resolve = (path: string): Schema | undefined =>
    path === '$index' ? (dollar ? { type: 'integer' } : undefined)
      : path.startsWith('$') ? schemaAt({ ...roots, $: dollar }, path) : schemaAt(roots, path);
  const hint = schema['x-draft'] as Record<string, string> | undefined;
  let itemDollar = dollar;
  if (hint) {
    const paths = [hint['each'], hint['from'], ...[...(hint['template'] ?? '').matchAll(/\{([^}]+)\}/g)].map((m) => m[1])];
    for (const path of paths.filter((p): p is string => p !== undefined)) {
      if (!resolve(path)) problems.push(`${where}: x-draft path "${path}" does not resolve`);
    }
    if (hint['each']) {
      if (schema['type'] !== 'array') problems.push(`${where}: x-draft each on a non-array`);
      itemDollar = resolve(hint['each']);
    }
  }
  for (const [key, child] of Object.entries((schema['properties'] ?? {}) as Record<string, Schema>)) {
    problems.push(...checkHints(child, roots, dollar, `${where}.${key}`));
  }
  if (schema['items']) problems.push(...checkHints(schema['items'] as Schema, roots, itemDollar, `${where}[]`));
  return problems;
}

/** Every object schema inside, with its location. */
function objectSchemas(schema: Schema, where = '(root)'): [string, Schema][] {
  const found: [string, Schema][] = schema['type'] === 'object' ? [[where, schema]] : [];
  for (const [key, child] of Object.entries((schema['properties'] ?? {}) as Record<string, Schema>)) found.push(...objectSchemas(child, `${where}.${key}`));
  if (schema['items']) found.push(...objectSchemas(schema['items'] as Schema, `${where}[]`));
  return found;
}

describe('phase files', () => {
  it.each(phaseFiles)('%s validates against schemas/phase.schema.json and is named by its id', (file) => {
    expect(validateAgainst(phaseSchema, raw.get(file))).toEqual([]);
    expect(file).toBe(`${(raw.get(file) as PhaseConfig).id}.yaml`);
  });

  it('rejects unknown keys at the top, in an agent and in a metric', () => {
    const intake = structuredClone(byId.get('intake')) as unknown as Record<string, Json>;
    expect(validateAgainst(phaseSchema, { ...intake, colour: 'red' })).toContain('(root): unknown key "colour" (remove it or check its spelling)');
    const agentTypo = structuredClone(intake) as { agents: Record<string, Json>[] };
    agentTypo.agents[0] = { ...agentTypo.agents[0], max_tokens: 10 };
    expect(validateAgainst(phaseSchema, agentTypo).join('\n')).toMatch(/agents\.0: unknown key "max_tokens"/);
    const metricTypo = structuredClone(intake) as { gate: { metrics: Record<string, Json>[] } };
    metricTypo.gate.metrics[0] = { ...metricTypo.gate.metrics[0], treshold: 1 };
    expect(validateAgainst(phaseSchema, metricTypo).join('\n')).toMatch(/gate\.metrics\.0: unknown key "treshold"/);
    const text = readFileSync(join(root, 'phases/intake.yaml'), 'utf8');
    expect(parsePhaseFile('phases/intake.yaml', text).ok).toBe(true);
    const parsed = parsePhaseFile('phases/intake.yaml', `${text}colour: red\n`);
    expect(parsed.ok ? [] : parsed.issues.join('\n')).toMatch(/phases\/intake\.yaml.*colour/);
  });

  it('form the 13-phase DAG: intake → … → build → {security, story-loop} → qa → … → beta', () => {
    expect([...byId.keys()].sort()).toEqual([...PHASE_IDS].sort());
    const expected: Record<string, string[]> = {
      intake: [], ideation: ['intake'], critique: ['ideation'], prd: ['critique'], bizdev: ['prd'],
      architecture: ['bizdev'], build: ['architecture'], security: ['build'], 'story-loop': ['build'],
      qa: ['security', 'story-loop'], aesthetic: ['qa'], release: ['aesthetic'], beta: ['release'],
    };
    for (const phase of phases) expect([...phase.needs].sort(), phase.id).toEqual(expected[phase.id]);
    // Kahn's algorithm: every phase must be placed, or there is a cycle.
    const placed: string[] = [];
    while (placed.length < phases.length) {
      const ready = phases.filter((p) => !placed.includes(p.id) && p.needs.every((n) => placed.includes(n)));
      expect(ready.length, `cycle among ${phases.filter((p) => !placed.includes(p.id)).map((p) => p.id).join(', ')}`).toBeGreaterThan(0);
      placed.push(...ready.map((p) => p.id));
    }
  });

  it('keep gates and budgets sane', () => {
    for (const phase of phases) {
      expect(phase.gate.maxAttempts, phase.id).toBeGreaterThanOrEqual(2);
      expect(phase.gate.maxAttempts, phase.id).toBeLessThanOrEqual(3);
      expect(phase.gate.passThreshold, phase.id).toBeGreaterThanOrEqual(0.7);
      expect(phase.gate.passThreshold, phase.id).toBeLessThanOrEqual(0.8);
      expect(phase.timeouts.taskSeconds, phase.id).toBeLessThan(phase.budget.wallClockSeconds);
      const judged = phase.gate.metrics.filter((m) => m.kind === 'judged');
      expect(judged.length, `${phase.id}: one or two judged metrics`).toBeGreaterThanOrEqual(1);
      expect(judged.length, `${phase.id}: one or two judged metrics`).toBeLessThanOrEqual(2);
      const ids = phase.gate.metrics.map((m) => m.id);
      expect(new Set(ids).size, `${phase.id}: duplicate metric ids`).toBe(ids.length);
      for (const agent of phase.agents) expect(agent.maxTokens, `${phase.id}/${agent.role}`).toBeLessThan(phase.budget.tokens);
      const validity = phase.gate.metrics.filter((m) => m.kind === 'schema_valid' && m.required).map((m) => m.artifact);
      expect(validity.sort(), `${phase.id}: a required schema_valid metric per output`).toEqual(phase.agents.map((a) => a.output).sort());
    }
    for (const id of ['build', 'security']) {
      expect(byId.get(id as PhaseConfig['id'])?.gate.metrics).toContainEqual(expect.objectContaining({ kind: 'secrets', operator: '<=', threshold: 0, required: true }));
    }
  });

  it('give every agent inputs produced upstream and every metric an artifact and paths visible to the phase', () => {
    const problems: string[] = [];
    for (const phase of phases) {
      const before = outputsOf(upstream(phase.id));
      const visible = new Map([...before, ...outputsOf([phase.id])]);
      const roots = contextRoots(visible);
      for (const agent of phase.agents) {
        for (const input of agent.inputs) if (!before.has(input)) problems.push(`${phase.id}/${agent.role}: input ${input} is not produced upstream`);
        if (agent.fanOut && schemaAt(roots, agent.fanOut.over)?.['type'] !== 'array') problems.push(`${phase.id}/${agent.role}: fanOut.over ${agent.fanOut.over} is not a list`);
        if (agent.fanOut && !before.has(parsePath(agent.fanOut.over)[1] ?? '')) problems.push(`${phase.id}/${agent.role}: fans out over an artifact not produced upstream`);
      }
      for (const metric of phase.gate.metrics) {
        if (metric.artifact !== undefined && !visible.has(metric.artifact)) problems.push(`${phase.id}/${metric.id}: artifact ${metric.artifact} is not visible`);
        for (const path of [metric.path, metric.in]) {
          if (path !== undefined && !schemaAt(roots, path)) problems.push(`${phase.id}/${metric.id}: path ${path} does not resolve`);
        }
      }
    }
    expect(problems).toEqual([]);
    const schemaNames = readdirSync(join(root, 'schemas/artifacts')).map((f) => f.replace(/\.schema\.json$/, ''));
    expect(checkBundle(phases, new Set(schemaNames), new Set(Object.keys(agents)))).toEqual([]);
  });
});

describe('agent registry', () => {
  const roles = new Set(phases.flatMap((p) => p.agents.map((a) => a.role)));

  it('has every role named in the phases, plus gate-judge, and nothing unused', () => {
    expect(Object.keys(agents).sort()).toEqual([...roles, 'gate-judge'].sort());
    for (const role of roles) expect(agentFor(role).role).toBe(role);
  });

  it('gives each role standing instructions with the untrusted-data notice and a task', () => {
    for (const [role, definition] of Object.entries(agents)) {
      expect(definition.role).toBe(role);
      expect(definition.system, role).toContain(UNTRUSTED_NOTICE);
      expect(definition.system, role).toMatch(/output tool/);
      expect(definition.system, role).toMatch(/open_questions/);
      expect(definition.task.length, role).toBeGreaterThan(40);
      expect(definition.summary.length, role).toBeGreaterThan(20);
    }
  });

  it('refuses an unknown role with a bad-input error that names it and the fix', () => {
    const caught = (() => { try { agentFor('copywriter'); } catch (e) { return e; } return undefined; })();
    expect(caught).toBeInstanceOf(IdeaMineError);
    const error = caught as IdeaMineError;
    expect(error.code).toBe('BAD_INPUT');
    expect(error.message).toContain('"copywriter"');
    expect(error.message).toContain('phases/');
    expect(error.details.join('\n')).toContain('scaffolder');
    expect(() => agentFor('toString')).toThrow(IdeaMineError);
  });
});

describe('artifact schemas', () => {
  const outputs = phases.flatMap((p) => p.agents.map((a) => ({ phase: p.id, agent: a })));
  const ajv = createAjv();

  it.each(outputs.map((o) => [o.agent.output, o] as const))('%s compiles, is closed and carries assumptions and open questions', (name) => {
    const schema = artifactSchema(name);
    expect(() => ajv.compile(schema)).not.toThrow();
    expect(schema['$schema']).toBe('http://json-schema.org/draft-07/schema#');
    for (const [where, object] of objectSchemas(schema)) expect(object['additionalProperties'], `${name} ${where}`).toBe(false);
    const properties = schema['properties'] as Record<string, Schema>;
    for (const key of ['assumptions', 'open_questions']) {
      expect(properties[key]?.['type']).toBe('array');
      expect(schema['required']).not.toContain(key);
    }
  });

  it.each(outputs.map((o) => [o.agent.output, o] as const))('%s has offline drafting hints that resolve', (name, { phase, agent }) => {
    // The offline drafter sees what the agent sees: the idea, its inputs (data block "artifacts") and the item.
    const producers = outputsOf(upstream(phase));
    const roots: Record<string, Schema | undefined> = contextRoots(new Map(agent.inputs.flatMap((i) => {
      const producer = producers.get(i);
      return producer ? [[i, producer] as const] : [];
    })));
    if (agent.fanOut) roots['item'] = schemaAt(contextRoots(outputsOf(upstream(phase))), `${agent.fanOut.over}[*]`);
    expect(checkHints(artifactSchema(name), roots, undefined, name)).toEqual([]);
  });

  it('judgement takes a score in 0..1 and a rationale', () => {
    const judgement = artifactSchema('judgement');
    expect(validateAgainst(judgement, { score: 0.75, rationale: 'criteria 2 and 5 are not measurable' })).toEqual([]);
    expect(validateAgainst(judgement, { score: 1.5, rationale: 'x' })).not.toEqual([]);
    expect(validateAgainst(judgement, { score: 0.5 })).not.toEqual([]);
    expect(validateAgainst(judgement, { score: 0.5, rationale: 'x', verdict: 'pass' })).not.toEqual([]);
  });
});

// The offline drafter follows the schemas' x-draft hints; its drafts must pass every code-computed gate.
describe('offline pipeline over the example ideas', () => {
  const model = createOfflineModel();
  const schemas = Object.fromEntries([...outputsOf(PHASE_IDS)].map(([name]) => [name, artifactSchema(name) as Json]));
  const ideaFiles = readdirSync(join(root, 'ideas')).filter((f) => /\.(ya?ml|md)$/.test(f)).sort();

  it.each(ideaFiles)('%s passes every gate at the first attempt, or stops at intake for too few features', async (file) => {
    const loaded = parseIdea({ file: `ideas/${file}`, bytes: readFileSync(join(root, 'ideas', file)) });
    if (!loaded.ok) throw new Error(loaded.issues.join('\n'));
    const idea = loaded.value.idea as unknown as Json;
    const artifacts: Record<string, Json> = {};
    for (const phase of topoOrder(phases)) {
      const tasks = planTasks({ phase, agents, schemas, idea, artifacts, modelId: model.id, feedback: [], guidance: [] });
      const outputs = new Map<string, Json>();
      for (const t of tasks) {
        const request = { taskKey: t.key, system: t.system, messages: [{ role: 'user' as const, content: t.user }], outputName: t.output, outputSchema: t.schema, maxTokens: t.maxTokens, temperature: t.temperature, timeoutSeconds: 60, retries: 0 };
        outputs.set(t.key, (await model.generate(request)).output);
      }
      const produced = assembleArtifacts(phase, tasks, outputs);
      const schemaErrors: Record<string, string[]> = {};
      for (const agent of phase.agents) {
        const artifact = produced[agent.output];
        const parts = agent.fanOut ? (artifact as { items: Json[] }).items : [artifact];
        schemaErrors[agent.output] = parts.flatMap((part) => validateAgainst(schemas[agent.output] ?? null, part));
      }
      const files = Object.values(produced).flatMap((a) => ((a as { files?: { path: string; content: string }[] }).files ?? []));
      const { accepted, rejected } = confineScaffold(files.map((f) => ({ path: f.path, content: f.content })));
      expect(rejected, `${phase.id}: refused scaffold paths`).toEqual([]);
      const result = evaluateGate({ phase, attempt: 1, context: { idea, artifacts: { ...artifacts, ...produced } }, schemaErrors, scaffold: accepted, judgements: {} });
      const failures = result.metrics.filter((m) => m.passed === false).map((m) => `${phase.id}/${m.id}: ${m.detail} ${m.violations.join('; ')}`);
      if ((loaded.value.idea.core_features.length) < 3) {
        expect(result.failedRequired, failures.join('\n')).toEqual(['enough-core-features']);
        return;
      }
      expect(failures).toEqual([]);
      expect(result.passed).toBe(true);
      Object.assign(artifacts, produced);
    }
    expect(Object.keys(artifacts).sort()).toEqual(Object.keys(schemas).sort());
  });
});
