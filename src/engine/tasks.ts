// Dispatch: runs a phase's tasks with bounded concurrency, reusing finished outputs by task key.
import type { Json } from '../core/canonical.js';
import { canonicalJson, prettyJson } from '../core/canonical.js';
import { checkReservation } from '../core/budget.js';
import { ErrorCode, IdeaMineError } from '../core/errors.js';
import type { NewEvent } from '../core/ledger.js';
import type { PhaseConfig } from '../core/phase-config.js';
import type { TaskSpec } from '../core/planner.js';
import { casPath } from '../core/run-id.js';
import { ModelCallError, type AttemptRecord, type ModelRequest } from '../ports/model.js';
import type { EngineContext } from './context.js';
import type { RunSession } from './session.js';

export interface CasEntry {
  readonly formatVersion: 1;
  readonly key: string;
  readonly role: string;
  readonly output: Json;
  readonly provenance: string;
  readonly modelId: string;
}

/** Runs `worker` over `items` with at most `limit` in flight; the first failure stops new starts. */
export async function pool<T, R>(items: readonly T[], limit: number, worker: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (!failed && next < items.length) {
      const index = next;
      next += 1;
      try {
        results[index] = await worker(items[index] as T);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  });
  const settled = await Promise.allSettled(lanes);
  const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (rejected) throw rejected.reason;
  return results;
}

export class BudgetExhausted extends Error {
  override readonly name = 'BudgetExhausted';
  constructor(readonly scope: 'run' | 'phase', message: string) {
    super(message);
  }
}

/** The run waits on a durable timer (recorded in the ledger as timer.set) before it asks the model again. */
export class RunPaused extends Error {
  override readonly name = 'RunPaused';
  constructor(readonly timer: { readonly id: string; readonly reason: string; readonly phase: string | null; readonly notBefore: string }, message: string) {
    super(message);
  }
}

/** Used when an adapter reports an open circuit without saying for how long. */
const DEFAULT_CIRCUIT_WAIT_MS = 60_000;
/** One circuit-open timer per session: tasks in flight when the breaker opens all fail the same way. */
const pauses = new WeakMap<RunSession, RunPaused>();

const attemptEvent = (phase: string, task: TaskSpec, a: AttemptRecord): NewEvent => ({
  type: 'model.call',
  phase,
  data: {
    taskKey: task.key, role: task.role, attempt: a.attempt, outcome: a.outcome, ms: a.ms,
    usage: a.usage ? { ...a.usage } : null, costUsd: a.costUsd,
    ...(a.error === undefined ? {} : { error: a.error.slice(0, 500) }),
    ...(a.status === undefined ? {} : { status: a.status }),
  },
});

/** Returns the task's output: from this run, from the per-slug store, or from the model. */
export async function executeTask(ctx: EngineContext, phase: PhaseConfig, task: TaskSpec): Promise<Json> {
  const { session } = ctx;
  const known = session.state.tasks[task.key];
  if (known || !ctx.fresh) {
    const text = await session.read(casPath(task.key));
    if (text !== null) {
      const entry = JSON.parse(text) as CasEntry;
      if (!known) {
        await session.record([{ type: 'task.finished', phase: phase.id, data: { taskKey: task.key, role: task.role, output: task.output, item: task.item, reused: true, casKey: task.key } }]);
      }
      return entry.output;
    }
  }
  if (ctx.stopSignal.aborted) throw new IdeaMineError(ErrorCode.internal, 'stopped by signal before the next model call; finished work is saved — run again to resume', { retryable: true });
  const request: ModelRequest = {
    taskKey: task.key, system: task.system, messages: [{ role: 'user', content: task.user }],
    outputName: task.output, outputSchema: task.schema, maxTokens: task.maxTokens, temperature: task.temperature,
    timeoutSeconds: phase.timeouts.taskSeconds, retries: phase.retries.model,
  };
  const estimate = ctx.model.estimateUsd(request);
  const estimateTokens = estimate === null ? null : Math.ceil((task.system.length + task.user.length) / 3.5) + task.maxTokens;
  reserve(ctx, phase, estimate, estimateTokens);
  ctx.reserved.usd += estimate ?? 0;
  ctx.reserved.tokens += estimateTokens ?? 0;
  try {
    const result = await ctx.telemetry.span('task', { 'ideamine.phase': phase.id, 'ideamine.role': task.role, 'ideamine.task_key': task.key }, () => ctx.model.generate(request));
    const entry: CasEntry = { formatVersion: 1, key: task.key, role: task.role, output: result.output, provenance: result.provenance, modelId: ctx.model.id };
    await session.record(
      [
        ...result.attempts.map((a) => attemptEvent(phase.id, task, a)),
        { type: 'task.finished', phase: phase.id, data: { taskKey: task.key, role: task.role, output: task.output, item: task.item, reused: false, casKey: task.key, provenance: result.provenance } },
      ],
      [{ path: casPath(task.key), content: prettyJson(entry) }],
    );
    // Key order as stored (sorted): a resumed run reads outputs back from the store, so the live run must hold
    // the same object for its artifacts' Markdown and JSON to come out identical either way.
    return JSON.parse(canonicalJson(result.output)) as Json;
  } catch (error) {
    if (error instanceof ModelCallError) {
      const failed: NewEvent[] = [
        ...error.attempts.map((a) => attemptEvent(phase.id, task, a)),
        { type: 'task.failed', phase: phase.id, data: { taskKey: task.key, role: task.role, error: error.message.slice(0, 500), circuitOpen: error.circuitOpen } },
      ];
      if (error.circuitOpen) {
        // Set before the first await, so a second task failing meanwhile joins this pause instead of adding a timer.
        const known = pauses.get(session);
        const pause = known ?? circuitPause(ctx, phase.id, error);
        if (!known) pauses.set(session, pause);
        const { id, reason, notBefore } = pause.timer;
        await session.record(known ? failed : [...failed, { type: 'timer.set', phase: phase.id, data: { id, reason, notBefore } }]);
        throw pause;
      }
      await session.record(failed);
      throw new IdeaMineError(ErrorCode.model, `${phase.id}/${task.role}: the model failed after ${error.attempts.length} attempt(s): ${error.message}`, {
        retryable: true, cause: error,
        details: ['Finished work is saved; run the same command again to resume from here.'],
      });
    }
    throw error;
  } finally {
    ctx.reserved.usd -= estimate ?? 0;
    ctx.reserved.tokens -= estimateTokens ?? 0;
  }
}

function circuitPause(ctx: EngineContext, phase: string, error: ModelCallError): RunPaused {
  const notBefore = (error.notBefore ?? new Date(ctx.clock.now().getTime() + DEFAULT_CIRCUIT_WAIT_MS)).toISOString();
  const timer = { id: `circuit-open:${phase}:${notBefore}`, reason: 'circuit-open', phase, notBefore };
  return new RunPaused(timer, `${phase}: the model provider failed repeatedly and its circuit breaker is open (${error.message})`);
}

function reserve(ctx: EngineContext, phase: PhaseConfig, estimateUsd: number | null, estimateTokens: number | null): void {
  const state = ctx.session.state;
  // A waiver of an exhausted budget lifts the run's budget for the rest of the run, and that phase's own.
  const budgetWaivers = state.waivers.filter((w) => w.reason === 'budget');
  if (budgetWaivers.some((w) => w.phase === phase.id) || ctx.budgetWaived.has(phase.id)) return;
  const runLimitUsd = budgetWaivers.length > 0 ? Number.POSITIVE_INFINITY : state.budget.usd;
  const runLimitTokens = budgetWaivers.length > 0 ? null : state.budget.tokens;
  const ps = state.phases[phase.id];
  const phaseTokens = ps?.tokens ? ps.tokens.input + ps.tokens.output : 0;
  const check = checkReservation({
    run: { limitUsd: runLimitUsd, spentUsd: state.budget.spentUsd ?? 0, limitTokens: runLimitTokens, spentTokens: state.budget.spentTokens ?? 0 },
    phase: { limitUsd: phase.budget.usd, spentUsd: ps?.costUsd ?? 0, limitTokens: phase.budget.tokens, spentTokens: phaseTokens },
    reservedUsd: ctx.reserved.usd, reservedTokens: ctx.reserved.tokens,
  }, estimateUsd, estimateTokens);
  if (!check.ok) throw new BudgetExhausted(check.scope, check.message);
}
