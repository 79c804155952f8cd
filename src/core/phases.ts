// The phase graph: parsing one phases/<id>.yaml, checking the whole bundle, and ordering it (pure).
import phaseSchema from '../../schemas/phase.schema.json' with { type: 'json' };
import type { Json } from './canonical.js';
import { PHASE_IDS, type PhaseConfig, type PhaseId } from './phase-config.js';
import { parsePath } from './paths.js';
import { formatIssue, parseYaml, schemaIssues, type ParseResult } from './yaml-doc.js';

export const PHASE_SCHEMA = phaseSchema as Json;
/** The idea is given to every agent; it is not an artifact any phase produces. */
export const IDEA_INPUT = 'idea';

const HINTS: Record<string, string> = {
  id: `one of ${PHASE_IDS.join(', ')}, equal to the file name`,
  needs: 'a list of phase ids that must finish first, e.g. needs: [intake]',
  'agents[].role': 'a role registered in src/agents/index.ts',
  'agents[].output': 'an artifact name with a schema at schemas/artifacts/<output>.schema.json',
};

/** Parses and schema-validates one phase file; `file` (e.g. "phases/prd.yaml") names every issue. */
export function parsePhaseFile(file: string, text: string): ParseResult<PhaseConfig> {
  const parsed = parseYaml(file, text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n'));
  if (!parsed.ok) return parsed;
  const data = parsed.value;
  if (data.value === null || typeof data.value !== 'object' || Array.isArray(data.value)) {
    return { ok: false, issues: [formatIssue(file, data.locate([]) ?? { line: 1, col: 1 }, '(root)', 'a phase file must be a mapping of fields', 'see schemas/phase.schema.json')] };
  }
  const issues = schemaIssues(file, PHASE_SCHEMA, data.value, data, {
    hint: (field) => HINTS[field],
    fallbackFix: 'see schemas/phase.schema.json',
  });
  if (issues.length > 0) return { ok: false, issues };
  const phase = data.value as PhaseConfig;
  const expected = file.slice(file.lastIndexOf('/') + 1).replace(/\.ya?ml$/, '');
  if (phase.id !== expected) {
    return { ok: false, issues: [formatIssue(file, data.locate(['id']), 'id', `is "${phase.id}" but the file is named ${expected}`, `rename the file to ${phase.id}.yaml or set id: ${expected}`)] };
  }
  return { ok: true, value: phase };
}

/**
 * Checks the bundle as a whole: needs name known phases and form no cycle, every role has an agent module,
 * every output has a schema, and every input, fan-out and metric path refers to an artifact produced upstream.
 */
export function checkBundle(
  phases: readonly PhaseConfig[],
  outputs: ReadonlySet<string>,
  roles: ReadonlySet<string>,
  fileOf: (id: PhaseId) => string = (id) => `phases/${id}.yaml`,
): string[] {
  const issues: string[] = [];
  const at = (p: PhaseConfig, field: string, message: string, fix: string): void => {
    issues.push(formatIssue(fileOf(p.id), undefined, field, message, fix));
  };
  if (phases.length === 0) return ['(bundle): no phase files found — add at least one phases/<id>.yaml'];
  const byId = new Map<string, PhaseConfig>();
  const producer = new Map<string, PhaseId>();
  for (const p of phases) {
    if (byId.has(p.id)) at(p, 'id', `phase "${p.id}" is defined twice`, 'keep one file per phase');
    byId.set(p.id, p);
    p.agents.forEach((a, i) => {
      const other = producer.get(a.output);
      if (other !== undefined) at(p, `agents[${i}].output`, `artifact "${a.output}" is also produced by phase ${other}`, 'give each artifact one producer');
      else producer.set(a.output, p.id);
    });
  }
  for (const p of phases) {
    p.needs.forEach((n, i) => {
      if (!byId.has(n)) at(p, `needs[${i}]`, `unknown phase "${n}"`, `use one of ${[...byId.keys()].join(', ')}`);
    });
  }
  const cycle = findCycle(phases, byId);
  if (cycle) return [...issues, formatIssue(fileOf(cycle[0] as PhaseId), undefined, 'needs', `phases form a cycle: ${cycle.join(' → ')}`, 'remove one of these needs')];

  for (const p of phases) {
    const upstream = new Set<string>([IDEA_INPUT]);
    for (const id of ancestors(p, byId)) for (const a of byId.get(id)?.agents ?? []) upstream.add(a.output);
    const here = new Set([...upstream, ...p.agents.map((a) => a.output)]);
    p.agents.forEach((a, i) => {
      const field = `agents[${i}]`;
      if (!roles.has(a.role)) at(p, `${field}.role`, `no agent module for role "${a.role}"`, 'add it to src/agents/index.ts or fix the role name');
      if (!outputs.has(a.output)) at(p, `${field}.output`, `no schema for artifact "${a.output}"`, `add schemas/artifacts/${a.output}.schema.json or fix the name`);
      a.inputs.forEach((input, j) => {
        if (!upstream.has(input)) at(p, `${field}.inputs[${j}]`, `"${input}" is not produced by any phase this one needs`, 'add the producing phase to needs, or remove the input');
      });
      if (a.fanOut) checkPath(a.fanOut.over, upstream, (m) => at(p, `${field}.fanOut.over`, m, 'fan out over the idea or an upstream artifact'));
    });
    p.gate.metrics.forEach((m, i) => {
      const field = `gate.metrics[${i}]`;
      if (m.artifact !== undefined && !here.has(m.artifact)) at(p, `${field}.artifact`, `"${m.artifact}" is not produced by this phase or upstream`, 'name an artifact of this phase');
      for (const key of ['path', 'in'] as const) {
        const path = m[key];
        if (path !== undefined) checkPath(path, here, (msg) => at(p, `${field}.${key}`, msg, 'paths start with idea. or artifacts.<name>.'));
      }
    });
  }
  return issues;
}

/** Metric and fan-out paths resolve against { idea, artifacts: { <name>: ... } }. */
function checkPath(path: string, available: ReadonlySet<string>, report: (message: string) => void): void {
  let segments: string[];
  try {
    segments = parsePath(path);
  } catch (caught) {
    report(caught instanceof Error ? caught.message : String(caught));
    return;
  }
  const [root, name] = segments;
  if (root === IDEA_INPUT) return;
  if (root !== 'artifacts' || name === undefined) report(`path "${path}" must start with "idea." or "artifacts.<name>"`);
  else if (!available.has(name)) report(`path "${path}" reads artifact "${name}", which is not produced by this phase or upstream`);
}

function ancestors(p: PhaseConfig, byId: ReadonlyMap<string, PhaseConfig>): Set<PhaseId> {
  const seen = new Set<PhaseId>();
  const stack = [...p.needs];
  while (stack.length > 0) {
    const id = stack.pop() as PhaseId;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(byId.get(id)?.needs ?? []));
  }
  return seen;
}

/** A cycle as ids (first repeated at the end), or undefined; visits in a fixed order so reports are stable. */
function findCycle(phases: readonly PhaseConfig[], byId: ReadonlyMap<string, PhaseConfig>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const trail: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done' || !byId.has(id)) return undefined;
    if (state.get(id) === 'open') return [...trail.slice(trail.indexOf(id)), id];
    state.set(id, 'open');
    trail.push(id);
    for (const n of byId.get(id)?.needs ?? []) {
      const found = visit(n);
      if (found) return found;
    }
    trail.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const p of sortByRank(phases)) {
    const found = visit(p.id);
    if (found) return found;
  }
  return undefined;
}

const rank = (id: string): number => {
  const i = (PHASE_IDS as readonly string[]).indexOf(id);
  return i < 0 ? PHASE_IDS.length : i;
};
const sortByRank = (phases: readonly PhaseConfig[]): PhaseConfig[] =>
  [...phases].sort((a, b) => rank(a.id) - rank(b.id) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

/** Topological order; ties broken by the canonical pipeline order, so the result never depends on file order. */
export function topoOrder(phases: readonly PhaseConfig[]): PhaseConfig[] {
  const pending = sortByRank(phases);
  const ids = new Set(pending.map((p) => p.id));
  const placed = new Set<string>();
  const out: PhaseConfig[] = [];
  while (pending.length > 0) {
    const i = pending.findIndex((p) => p.needs.every((n) => placed.has(n) || !ids.has(n)));
    if (i < 0) throw new Error(`phases form a cycle among: ${pending.map((p) => p.id).join(', ')}`);
    const [next] = pending.splice(i, 1);
    if (next) {
      out.push(next);
      placed.add(next.id);
    }
  }
  return out;
}

/** Phases not done whose needs are all done, in topological order. */
export function readyPhases(phases: readonly PhaseConfig[], done: ReadonlySet<string>): PhaseId[] {
  return topoOrder(phases)
    .filter((p) => !done.has(p.id) && p.needs.every((n) => done.has(n)))
    .map((p) => p.id);
}
