// One phase: Plan → Dispatch → Guard → Heal → Clarify → Handoff, resumable from the ledger.
import { type Json } from '../core/canonical.js';
import { evaluateGate, feedbackFor } from '../core/gate.js';
import type { GateResult, Judgement } from '../core/gate-types.js';
import { activeWaiver, recordedGateOf } from '../core/run-state.js';
import type { PhaseConfig } from '../core/phase-config.js';
import { assembleArtifacts, planJudgeTasks, planTasks } from '../core/planner.js';
import { validateAgainst } from '../core/validate.js';
import type { EngineContext } from './context.js';
import { handoff, scaffoldOf } from './handoff.js';
import { BudgetExhausted, executeTask, pool } from './tasks.js';

export type PhaseOutcome = 'passed' | 'waived' | 'blocked';

/** The gate result recorded for an attempt of a phase, read back from the ledger. */
export const recordedGate = (ctx: EngineContext, phase: string, attempt: number): GateResult | null =>
  recordedGateOf(ctx.session.ledger, phase, attempt);

/** Human guidance recorded for the phase (from reviews), oldest first. */
function guidanceFor(ctx: EngineContext, phase: string): string[] {
  return ctx.session.ledger
    .filter((e) => e.type === 'run.resumed' && e.phase === phase && typeof e.data['guidance'] === 'string')
    .map((e) => e.data['guidance'] as string);
}

export async function runPhase(ctx: EngineContext, phase: PhaseConfig): Promise<PhaseOutcome> {
  const { session } = ctx;
  const now = ctx.clock.now();
  let ps = session.state.phases[phase.id];
  if (ps?.status === 'passed') return 'passed';
  if (ps?.status === 'waived') return 'waived';
  if (ps?.status === 'blocked') {
    const waiver = activeWaiver(session.state, phase.id, now);
    if (!waiver) return 'blocked';
    if (ps.blockedReason !== 'budget') {
      await session.record([{ type: 'phase.waived', phase: phase.id, data: { waiverSeq: waiver.seq, by: waiver.by } }]);
      return 'waived';
    }
    ctx.budgetWaived.add(phase.id);
    await session.record([{ type: 'run.resumed', phase: phase.id, data: { reason: 'budget waiver', waiverSeq: waiver.seq } }]);
  }
  ps = session.state.phases[phase.id];
  let attempt = ps?.status === 'running' && (ps.attempts ?? 0) > 0 ? ps.attempts : (ps?.attempts ?? 0) + 1;
  if (ps?.status !== 'running') await session.record([{ type: 'phase.started', phase: phase.id, data: { attempt } }]);
  ctx.log(`▶ ${phase.id}: ${phase.title} (attempt ${attempt}/${phase.gate.maxAttempts})`);

  for (;;) {
    const previous = attempt > 1 ? recordedGate(ctx, phase.id, attempt - 1) : null;
    const feedback = previous ? feedbackFor(previous) : [];
    let result: GateResult;
    try {
      result = await ctx.telemetry.span('phase.attempt', { 'ideamine.phase': phase.id, 'ideamine.attempt': attempt }, () => attemptOnce(ctx, phase, attempt, feedback));
    } catch (error) {
      if (!(error instanceof BudgetExhausted)) throw error;
      await session.record([
        { type: 'budget.exceeded', phase: phase.id, data: { scope: error.scope, message: error.message } },
        { type: 'phase.blocked', phase: phase.id, data: { reason: 'budget', attempt, summary: error.message } },
      ]);
      ctx.log(`■ ${phase.id}: blocked — ${error.message}`);
      return 'blocked';
    }
    ctx.log(`  ${phase.id}: gate ${result.passed ? 'passed' : 'failed'} — score ${result.score.toFixed(2)} (pass ≥ ${phase.gate.passThreshold})${result.notJudged.length > 0 ? `, ${result.notJudged.length} metric(s) not judged` : ''}`);
    if (result.passed) {
      await session.record([{ type: 'phase.passed', phase: phase.id, data: { attempt, score: result.score } }]);
      return 'passed';
    }
    const unfixable = onlyIdeaMetricsFailed(phase, result);
    if (attempt >= phase.gate.maxAttempts || unfixable) {
      const why = result.failedRequired.length > 0
        ? `required metric(s) failed: ${result.failedRequired.join(', ')}`
        : `score ${result.score.toFixed(2)} is below the pass threshold ${phase.gate.passThreshold}`;
      const tried = unfixable ? `after ${attempt} attempt(s); not retried, since only metrics of the idea file itself failed and no agent can change them` : `after ${attempt} attempt(s)`;
      await session.record([{ type: 'phase.blocked', phase: phase.id, data: { reason: 'gate', attempt, summary: `gate failed ${tried}: ${why}` } }]);
      return 'blocked';
    }
    attempt += 1;
    await session.record([{ type: 'phase.started', phase: phase.id, data: { attempt, heal: true } }]);
    ctx.log(`  ${phase.id}: healing with ${feedbackFor(result).length} violation(s) (attempt ${attempt}/${phase.gate.maxAttempts})`);
  }
}

async function attemptOnce(ctx: EngineContext, phase: PhaseConfig, attempt: number, feedback: string[]): Promise<GateResult> {
  const recorded = recordedGate(ctx, phase.id, attempt);
  const idea = ctx.idea.idea as unknown as Json;
  const tasks = planTasks({
    phase, agents: ctx.bundle.agents, schemas: ctx.bundle.schemas, idea, artifacts: ctx.artifacts,
    modelId: ctx.model.id, feedback, guidance: guidanceFor(ctx, phase.id),
  });
  const outputs = new Map<string, Json>();
  await pool(tasks, Math.min(ctx.concurrency, phase.parallelism), async (task) => {
    outputs.set(task.key, await executeTask(ctx, phase, task));
  });
  const produced = assembleArtifacts(phase, tasks, outputs);
  const schemaErrors: Record<string, string[]> = {};
  for (const agent of phase.agents) {
    const schema = ctx.bundle.schemas[agent.output];
    const artifact = produced[agent.output];
    if (schema === undefined || artifact === undefined) continue;
    const errors = agent.fanOut
      ? ((artifact as { items: Json[] }).items).flatMap((item, i) => validateAgainst(schema, item).map((e) => `items.${i}.${e}`))
      : validateAgainst(schema, artifact);
    if (errors.length > 0) schemaErrors[agent.output] = errors;
  }
  const { accepted, rejected } = scaffoldOf(produced);
  for (const r of rejected) (schemaErrors[r.artifact] ??= []).push(`files: "${r.path}" refused: ${r.reason}`);
  const context = { idea, artifacts: { ...ctx.artifacts, ...produced } };

  const judgements: Record<string, Judgement | null> = {};
  const judge = ctx.bundle.agents['gate-judge'];
  const judgementSchema = ctx.bundle.schemas['judgement'];
  if (ctx.model.canJudge && judge && judgementSchema !== undefined) {
    const judged = planJudgeTasks({ phase, judge, judgementSchema, artifacts: context.artifacts, modelId: ctx.model.id });
    await pool(judged, Math.min(ctx.concurrency, phase.parallelism), async ({ metric, task }) => {
      const verdict = (await executeTask(ctx, phase, task)) as unknown as Judgement;
      judgements[metric.id] = verdict;
    });
  }
  const result = recorded ?? evaluateGate({ phase, attempt, context, schemaErrors, scaffold: accepted, judgements });
  if (!recorded) await handoff(ctx, phase, attempt, produced, accepted, result);
  Object.assign(ctx.artifacts, produced);
  return result;
}

/** True when every failing metric reads only the idea file: a retry would pay for the same failure. */
function onlyIdeaMetricsFailed(phase: PhaseConfig, result: GateResult): boolean {
  const failing = result.metrics.filter((m) => m.passed === false);
  if (failing.length === 0) return false;
  return failing.every((m) => {
    const config = phase.gate.metrics.find((c) => c.id === m.id);
    const paths = [config?.path, config?.in].filter((p): p is string => p !== undefined);
    return (config?.kind === 'count' || config?.kind === 'nonempty' || config?.kind === 'coverage') && paths.length > 0 && paths.every((p) => p.startsWith('idea.'));
  });
}
