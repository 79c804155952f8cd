// The generated workflows as the runner reads them (parsed with `yaml`, not hard-coded): jobs, `needs:`, `if:`,
// `permissions:`, the checkout and IdeaMine steps' `with:`; expressions evaluated with GitHub's own
// @actions/expressions (a dependency of @actions/workflow-parser), status functions as the runner defines them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { data, Evaluator, Lexer, Parser } from '@actions/expressions';
import type { FunctionDefinition } from '@actions/expressions/funcs/info';
import { truthy } from '@actions/expressions/result';
import { parse } from 'yaml';
import type { TokenPermissions } from './github-standin.js';

export interface JobSpec {
  readonly id: string;
  readonly name: string;
  readonly needs: readonly string[];
  /** The `if:` expression (without `${{ }}`), or null: then `success()`. */
  readonly condition: string | null;
  readonly permissions: TokenPermissions;
  /** actions/checkout's `with.ref` (an expression or literal), null for the event's own SHA. */
  readonly checkoutRef: string | null;
  /** The IdeaMine step's `with:` (values unevaluated). */
  readonly with: Readonly<Record<string, string>>;
}

export interface WorkflowSpec {
  readonly file: string;
  /** ".github/workflows/<file>" */
  readonly path: string;
  readonly name: string;
  readonly runName: string | null;
  readonly on: Readonly<Record<string, unknown>>;
  readonly jobs: readonly JobSpec[];
}

/** The expression contexts a job sees (JSON values). */
export interface ExprContext {
  readonly github: Record<string, unknown>;
  readonly inputs?: Record<string, unknown>;
  readonly vars?: Record<string, string>;
  readonly secrets?: Record<string, string>;
  readonly needs?: Record<string, { result: string; outputs: Record<string, string> }>;
}

type YamlJob = { name?: string; needs?: string | string[]; if?: string | boolean; permissions?: TokenPermissions; steps?: { uses?: string; with?: Record<string, unknown> }[] };

const str = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

export function loadWorkflow(root: string, file: string): WorkflowSpec {
  const path = `.github/workflows/${file}`;
  const doc = parse(readFileSync(join(root, path), 'utf8')) as { name: string; 'run-name'?: string; on: Record<string, unknown>; jobs: Record<string, YamlJob> };
  const jobs = Object.entries(doc.jobs).map(([id, job]): JobSpec => {
    const steps = job.steps ?? [];
    const checkout = steps.find((s) => s.uses?.startsWith('actions/checkout@'));
    const ideamine = steps.find((s) => s.uses === './');
    if (!ideamine) throw new Error(`${path}: job ${id} has no \`uses: ./\` step`);
    const condition = job.if === undefined ? null : String(job.if).trim().replace(/^\$\{\{([\s\S]*)\}\}$/, '$1').trim();
    return {
      id, name: job.name ?? id, needs: job.needs === undefined ? [] : ([] as string[]).concat(job.needs), condition,
      permissions: job.permissions ?? {},
      checkoutRef: checkout?.with?.['ref'] === undefined ? null : str(checkout.with['ref']),
      with: Object.fromEntries(Object.entries(ideamine.with ?? {}).map(([k, v]) => [k, str(v)])),
    };
  });
  return { file, path, name: doc.name, runName: doc['run-name'] ?? null, on: doc.on, jobs };
}

/** Jobs in an order that respects `needs:`, grouped by depth (a group may run in parallel). */
export function dagLevels(jobs: readonly JobSpec[]): JobSpec[][] {
  const levels: JobSpec[][] = [];
  const placed = new Set<string>();
  while (placed.size < jobs.length) {
    const ready = jobs.filter((j) => !placed.has(j.id) && j.needs.every((n) => placed.has(n)));
    if (ready.length === 0) throw new Error(`needs: cycle or unknown job among ${jobs.filter((j) => !placed.has(j.id)).map((j) => j.id).join(', ')}`);
    levels.push(ready);
    for (const j of ready) placed.add(j.id);
  }
  return levels;
}

/** The jobs "Re-run failed jobs" starts again: the failed ones and every job that depends on them, transitively. */
export function rerunSet(jobs: readonly JobSpec[], failed: readonly string[]): Set<string> {
  const set = new Set(failed);
  let grew = true;
  while (grew) {
    grew = false;
    for (const j of jobs) {
      if (set.has(j.id) || !j.needs.some((n) => set.has(n))) continue;
      set.add(j.id);
      grew = true;
    }
  }
  return set;
}

const statusFunction = (name: string, value: boolean): FunctionDefinition => ({ name, minArgs: 0, maxArgs: 0, call: () => new data.BooleanData(value) });

function evaluate(expression: string, ctx: ExprContext): data.ExpressionData {
  const results = Object.values(ctx.needs ?? {}).map((n) => n.result);
  const funcs = [
    // No run here is ever cancelled; success() and failure() read the needed jobs' results, as the runner does.
    statusFunction('cancelled', false),
    statusFunction('always', true),
    statusFunction('success', results.every((r) => r === 'success' || r === 'skipped')),
    statusFunction('failure', results.some((r) => r === 'failure')),
  ];
  const { tokens } = new Lexer(expression).lex();
  const parsed = new Parser(tokens, ['github', 'inputs', 'vars', 'secrets', 'needs'], funcs).parse();
  const context = JSON.parse(JSON.stringify({ github: ctx.github, inputs: ctx.inputs ?? {}, vars: ctx.vars ?? {}, secrets: ctx.secrets ?? {}, needs: ctx.needs ?? {} }), data.reviver) as data.Dictionary;
  return new Evaluator(parsed, context, new Map(funcs.map((f) => [f.name, f]))).evaluate();
}

/** A job's `if:` (default `success()`). */
export const jobRuns = (job: JobSpec, ctx: ExprContext): boolean => truthy(evaluate(job.condition ?? 'success()', ctx));

/** A `with:` value: literal text with `${{ }}` expressions replaced by their string values. */
export const interpolate = (value: string, ctx: ExprContext): string =>
  value.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, expression: string) => evaluate(expression.trim(), ctx).coerceString());

/** action.yml's inputs and their defaults (the runner passes a default for every input the step leaves out). */
export function actionInputs(root: string): Record<string, string> {
  const doc = parse(readFileSync(join(root, 'action.yml'), 'utf8')) as { inputs: Record<string, { default?: unknown }> };
  return Object.fromEntries(Object.entries(doc.inputs).map(([name, spec]) => [name, spec.default === undefined ? '' : str(spec.default)]));
}
