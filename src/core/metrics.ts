// Gate metrics: one pure transform per metric kind named in phases/*.yaml, keyed by kind.
import type { Json } from './canonical.js';
import { badInput } from './errors.js';
import type { GateInput, MetricMethod, MetricResult } from './gate-types.js';
import { normaliseLabel, parsePath } from './paths.js';
import type { MetricConfig, MetricKind, Operator } from './phase-config.js';
import { findSecrets } from './secrets.js';

/** What a metric kind computes; gate.ts adds pass/fail and credit. */
export interface MetricOutcome {
  /** Null only for a judged metric that was not judged. */
  readonly value: number | null;
  readonly method: MetricMethod;
  readonly detail: string;
  readonly violations: readonly string[];
}

export type MetricFn = (metric: MetricConfig, input: GateInput) => MetricOutcome;

/** Violations kept per metric; the rest are counted in one closing line. */
export const VIOLATION_CAP = 10;
const EPSILON = 1e-9;

export function compare(value: number, operator: Operator, threshold: number): boolean {
  switch (operator) {
    case '>=': return value >= threshold - EPSILON;
    case '>': return value > threshold + EPSILON;
    case '<=': return value <= threshold + EPSILON;
    case '<': return value < threshold - EPSILON;
    case '==': return Math.abs(value - threshold) <= EPSILON;
  }
}

/** Up to four decimals, trailing zeros dropped: 0.875 → "0.875", 2/3 → "0.6667". */
export const formatNumber = (n: number): string => String(Number(n.toFixed(4)));

export function capped(items: readonly string[], cap = VIOLATION_CAP): string[] {
  if (items.length <= cap) return [...items];
  return [...items.slice(0, cap), `… and ${items.length - cap} more`];
}

/** Like paths.select, but each value carries its concrete location ("features[2].name"). */
export function locate(root: unknown, path: string): { at: string; value: unknown }[] {
  let current: { at: string; value: unknown }[] = [{ at: '', value: root }];
  for (const segment of parsePath(path)) {
    const next: { at: string; value: unknown }[] = [];
    for (const { at, value } of current) {
      if (segment === '*') {
        if (Array.isArray(value)) (value as unknown[]).forEach((v, i) => next.push({ at: `${at}[${i}]`, value: v }));
      } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        const child = (value as Record<string, unknown>)[segment];
        if (child !== undefined) next.push({ at: at === '' ? segment : `${at}.${segment}`, value: child });
      }
    }
    current = next;
  }
  return current;
}

/** The path a kind needs, resolved; a missing or malformed path is a phase-file error, not a metric failure. */
function resolve(metric: MetricConfig, input: GateInput, field: 'path' | 'in'): { at: string; value: unknown }[] {
  const where = `phases/${input.phase.id}.yaml: gate metric "${metric.id}" (${metric.kind})`;
  const path = metric[field];
  if (path === undefined || path === '') throw badInput(`${where}: "${field}" is missing`, [`add ${field}: e.g. "artifacts.<name>.<list>[*].<field>"`]);
  try {
    return locate(input.context, path);
  } catch (caught) {
    throw badInput(`${where}: "${field}" is not a valid path: ${(caught as Error).message}`, ['use dotted keys with [*] for lists, e.g. "artifacts.prd.features[*].name"']);
  }
}

const missingArtifact = (metric: MetricConfig, input: GateInput): string[] =>
  metric.artifact !== undefined && input.context.artifacts[metric.artifact] === undefined ? [`artifact "${metric.artifact}" missing`] : [];

const isNonEmpty = (v: unknown): boolean => {
  if (v === null || v === undefined) return false;
  if (typeof v === 'string') return v.trim() !== '';
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
};

/** A value at a path as a list of labels: a list selected whole contributes its elements. */
const labels = (found: readonly { value: unknown }[]): string[] =>
  found.flatMap(({ value }) => (Array.isArray(value) ? (value as unknown[]) : [value])).map(normaliseLabel).filter((l) => l !== '');

const oneLine = (text: string, max = 300): string => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

const schemaValid: MetricFn = (metric, input) => {
  const name = metric.artifact ?? '';
  if (input.context.artifacts[name] === undefined) {
    return { value: 0, method: 'computed', detail: `artifact ${name} missing`, violations: [`artifact "${name}" missing`] };
  }
  const errors = input.schemaErrors[name] ?? [];
  if (errors.length === 0) return { value: 1, method: 'computed', detail: `artifact ${name} is valid against its schema`, violations: [] };
  return { value: 0, method: 'computed', detail: `artifact ${name} has ${errors.length} schema error(s)`, violations: capped(errors) };
};

const count: MetricFn = (metric, input) => {
  const found = resolve(metric, input, 'path');
  const only = found.length === 1 ? found[0]?.value : undefined;
  const whole = Array.isArray(only);
  const n = whole ? (only as unknown[]).length : found.length;
  const detail = whole ? `${n} element(s) in the list at ${metric.path ?? ''}` : `${n} value(s) at ${metric.path ?? ''}`;
  const violations = compare(n, metric.operator, metric.threshold)
    ? []
    : [...missingArtifact(metric, input), `found ${n} at ${metric.path ?? ''}; needs ${metric.operator} ${formatNumber(metric.threshold)}`];
  return { value: n, method: 'computed', detail, violations };
};

const coverage: MetricFn = (metric, input) => {
  const wanted = [...new Set(labels(resolve(metric, input, 'path')))];
  const have = new Set(labels(resolve(metric, input, 'in')));
  const where = `${metric.path ?? ''} in ${metric.in ?? ''}`;
  if (wanted.length === 0) return { value: 1, method: 'computed', detail: `nothing to cover: no values at ${metric.path ?? ''}`, violations: [] };
  const missing = wanted.filter((label) => !have.has(label));
  const covered = wanted.length - missing.length;
  return {
    value: covered / wanted.length,
    method: 'computed',
    detail: `${covered} of ${wanted.length} distinct values found (${where})`,
    violations: [...missingArtifact(metric, input), ...capped(missing.map((label) => `"${oneLine(label, 120)}" from ${metric.path ?? ''} not found in ${metric.in ?? ''}`))],
  };
};

const nonempty: MetricFn = (metric, input) => {
  const found = resolve(metric, input, 'path');
  if (found.length === 0) {
    return { value: 0, method: 'computed', detail: `nothing found at ${metric.path ?? ''}`, violations: [...missingArtifact(metric, input), `nothing found at ${metric.path ?? ''}`] };
  }
  const empty = found.filter(({ value }) => !isNonEmpty(value));
  const full = found.length - empty.length;
  return {
    value: full / found.length,
    method: 'computed',
    detail: `${full} of ${found.length} values at ${metric.path ?? ''} are non-empty`,
    violations: capped(empty.map(({ at }) => `${at} is empty`)),
  };
};

const secrets: MetricFn = (metric, input) => {
  const files: { path: string; content: string }[] = [...input.scaffold];
  const artifact: Json | undefined = metric.artifact === undefined ? undefined : input.context.artifacts[metric.artifact];
  if (artifact !== undefined) files.push({ path: `artifacts/${metric.artifact ?? ''}.json`, content: JSON.stringify(artifact, null, 2) });
  const findings = findSecrets(files);
  const scanned = `${input.scaffold.length} scaffold file(s)${artifact !== undefined ? ` and artifact ${metric.artifact ?? ''}` : ''}`;
  return {
    value: findings.length,
    method: 'computed',
    detail: `${findings.length} secret(s) found in ${scanned}`,
    violations: [...missingArtifact(metric, input), ...capped(findings.map((f) => `${f.path}:${f.line}: ${f.kind}`))],
  };
};

export const NOT_JUDGED_DETAIL = 'not judged: no model able to judge (offline)';

const judged: MetricFn = (metric, input) => {
  const judgement = input.judgements[metric.id];
  if (judgement === null || judgement === undefined) return { value: null, method: 'not-judged', detail: NOT_JUDGED_DETAIL, violations: [] };
  if (!Number.isFinite(judgement.score)) {
    return { value: null, method: 'not-judged', detail: 'not judged: the judge returned no finite score', violations: [] };
  }
  const rationale = oneLine(judgement.rationale);
  const passed = compare(judgement.score, metric.operator, metric.threshold);
  return {
    value: judgement.score,
    method: 'judged',
    detail: `judged ${formatNumber(judgement.score)}: ${rationale}`,
    violations: passed ? [] : [`judged ${formatNumber(judgement.score)} against the rubric, needs ${metric.operator} ${formatNumber(metric.threshold)}: ${rationale}`],
  };
};

export const METRICS: Readonly<Record<MetricKind, MetricFn>> = {
  schema_valid: schemaValid,
  count,
  coverage,
  nonempty,
  secrets,
  judged,
};

export function evaluateMetric(metric: MetricConfig, input: GateInput): MetricResult {
  const outcome = METRICS[metric.kind](metric, input);
  return {
    id: metric.id,
    kind: metric.kind,
    description: metric.description,
    value: outcome.value,
    operator: metric.operator,
    threshold: metric.threshold,
    weight: metric.weight,
    required: metric.required,
    passed: outcome.value === null ? null : compare(outcome.value, metric.operator, metric.threshold),
    method: outcome.method,
    detail: outcome.detail,
    violations: outcome.violations,
  };
}
