// Runs (or resumes) an idea through the phase DAG; the single place that sequences a run's effects.
import type { Json } from '../core/canonical.js';
import { DEFAULT_RUN_BUDGET_USD } from '../core/budget.js';
import { ErrorCode, IdeaMineError } from '../core/errors.js';
import { decideLease, LEASE_TTL_MS } from '../core/lease.js';
import type { PhaseConfig } from '../core/phase-config.js';
import { runIdFor, runDir, stateBranch } from '../core/run-id.js';
import { pendingTimers, type RunState, type TimerState } from '../core/run-state.js';
import type { Clock } from '../ports/clock.js';
import type { Model } from '../ports/model.js';
import type { StateStore } from '../ports/store.js';
import type { Telemetry } from '../ports/telemetry.js';
import type { Bundle } from './bundle.js';
import type { EngineContext } from './context.js';
import { completeRun, republish, type DossierOutcome } from './complete.js';
import { holderAlive, ownerId } from './owner.js';
import { recordedGate, runPhase, type PhaseOutcome } from './phase.js';
import { RunPaused } from './tasks.js';
import type { GateResult } from '../core/gate-types.js';
import { RunSession, type SessionDeps } from './session.js';
import type { LoadedIdea } from '../core/idea.js';
import type { LedgerEntry } from '../core/ledger.js';

export interface RunInput {
  readonly idea: LoadedIdea;
  readonly bundle: Bundle;
  readonly model: Model;
  readonly store: StateStore;
  readonly clock: Clock;
  readonly telemetry: Telemetry;
  readonly scrub: (text: string) => string;
  readonly budgetUsd?: number;
  readonly concurrency: number;
  readonly fresh: boolean;
  readonly log: (line: string) => void;
  readonly stopSignal: AbortSignal;
  readonly packageVersion: string;
  /** Publish the dossier on the user's current branch (local runs). */
  readonly publish: boolean;
  /** What this invocation may do: the whole run (CLI), one phase (an Actions job), or the release. */
  readonly scope?: RunScope;
  /** How long this invocation may wait for a pending durable timer before it stops as paused (default 0: at once). */
  readonly timerWaitMs?: number;
}

/** The CLI waits this long at most for a timer that is not due yet; the Action never waits (tick re-dispatches). */
export const MAX_TIMER_WAIT_MS = 15 * 60 * 1000;

export type PausedTimer = Pick<TimerState, 'id' | 'reason' | 'phase' | 'notBefore'>;

export type RunScope = { readonly kind: 'all' } | { readonly kind: 'phase'; readonly phase: string } | { readonly kind: 'release' };

export interface RunOutcome {
  readonly runId: string;
  readonly slug: string;
  /**
   * waiting: nothing was due for this scope (needs not met yet); phase-done: the scoped phase passed or was waived;
   * paused: a durable timer (e.g. the model's open circuit) says "not before `timer.notBefore`".
   */
  readonly status: 'completed' | 'blocked' | 'waiting' | 'phase-done' | 'paused';
  /** With status paused: the timer the run waits on. */
  readonly timer: PausedTimer | null;
  readonly state: RunState;
  /** The run's ledger as it stands at the end of this invocation. */
  readonly ledger: readonly LedgerEntry[];
  readonly blocked: readonly { phase: string; title: string; reason: string; summary: string; attempts: number; maxAttempts: number; gate: GateResult | null }[];
  readonly dossier: DossierOutcome | null;
}

/** Phases whose needs are all passed or waived and that are not finished or blocked yet. */
function ready(phases: readonly PhaseConfig[], outcomes: ReadonlyMap<string, PhaseOutcome>, running: ReadonlySet<string>): PhaseConfig[] {
  const done = (id: string): boolean => outcomes.get(id) === 'passed' || outcomes.get(id) === 'waived';
  return phases.filter((p) => !outcomes.has(p.id) && !running.has(p.id) && p.needs.every(done));
}

export async function runIdea(input: RunInput): Promise<RunOutcome> {
  const { idea, bundle, model, clock } = input;
  const slug = idea.slug;
  const runId = runIdFor(slug, idea.hash, bundle.hash, model.id);
  const deps: SessionDeps = { store: input.store, clock, scrub: input.scrub };
  const owner = ownerId();
  let session = input.fresh ? null : await RunSession.open(deps, slug, runId);
  const resumed = session !== null;
  if (session) {
    if (await session.rebuildStaleCache()) input.log(`run.json of ${runId} disagreed with its ledger; rebuilt it from the ledger.`);
    const state = session.state;
    if (state.status === 'completed') input.log(`Run ${runId} is already complete; nothing to do (use --fresh to start over).`);
  } else {
    session = await RunSession.create(deps, slug, runId, {
      type: 'run.started', phase: null,
      data: {
        runId, slug, ideaFile: idea.file, ideaHash: idea.hash, idea: idea.idea as unknown as Json,
        bundleHash: bundle.hash, bundleSource: bundle.source, modelId: model.id, provenance: model.provenance,
        budget: { usd: input.budgetUsd ?? idea.idea.budget?.usd ?? DEFAULT_RUN_BUDGET_USD, tokens: idea.idea.budget?.tokens ?? null },
        phases: bundle.phases.map((p) => p.id), fresh: input.fresh,
      },
    });
    input.log(`Started run ${runId} (${model.provenance} model ${model.id}) on branch ${stateBranch(slug)}`);
    await supersedeOthers(deps, slug, runId, input.log);
  }
  let live: RunSession = session;
  const outcome = (status: RunOutcome['status'], blocked: RunOutcome['blocked'], dossier: DossierOutcome | null, timer: PausedTimer | null = null): RunOutcome =>
    ({ runId, slug, status, state: live.state, ledger: live.ledger, blocked, dossier, timer });
  if (session.state.status === 'completed') {
    const dossier = input.publish ? await republish(input.store, session, input.log) : null;
    return outcome('completed', [], dossier);
  }
  const scope = input.scope ?? { kind: 'all' };
  const leaseScope = scope.kind === 'phase' ? `phase:${scope.phase}` : 'run';
  const due = dueNow(bundle.phases, session.state, scope);
  if (due !== null) return outcome(due, blockedOf(bundle.phases, session.state, null), null);
  // Durable timers: wait (bounded) for one not due yet, or stop as paused; due ones are fired with the lease below.
  for (let plan = planTimers(session.state, clock.now(), input.timerWaitMs ?? 0); plan.action !== 'go'; plan = planTimers(session.state, clock.now(), input.timerWaitMs ?? 0)) {
    const when = `${plan.timer.notBefore} (in ${Math.ceil(plan.ms / 1000)} s)`;
    if (plan.action === 'pause') {
      input.log(`Paused: ${timerReason(plan.timer)}; not before ${when}.`);
      return outcome('paused', blockedOf(bundle.phases, session.state, null), null, pick(plan.timer));
    }
    input.log(`Waiting until ${when}: ${timerReason(plan.timer)}.`);
    await clock.sleep(plan.ms, input.stopSignal);
    if (input.stopSignal.aborted) throw new IdeaMineError(ErrorCode.internal, 'stopped by signal while waiting for a timer; nothing was lost — run again to resume', { retryable: true });
    // Another process may have moved the run on while this one waited.
    session = (await RunSession.open(deps, slug, runId)) ?? session;
    live = session;
    if (session.state.status === 'completed') return outcome('completed', [], null);
  }
  const firing = pendingTimers(session.state);
  const decision = decideLease(session.state.leases, leaseScope, owner, clock.now(), holderAlive);
  if (decision.action === 'refuse') throw new IdeaMineError(ErrorCode.leaseHeld, `${runId}: ${decision.message}`);
  session.claim = { scope: leaseScope, epoch: decision.epoch };
  await session.record([
    { type: 'lease.acquired', phase: null, data: { scope: leaseScope, owner, epoch: decision.epoch, expiresAt: new Date(clock.now().getTime() + LEASE_TTL_MS).toISOString(), ...(decision.takeover ? { takeover: decision.takeover } : {}) } },
    ...(resumed ? [{ type: 'run.resumed' as const, phase: null, data: { owner } }] : []),
    ...firing.map((t) => ({ type: 'timer.fired' as const, phase: t.phase, data: { id: t.id } })),
  ]);
  for (const t of firing) input.log(`Timer ${t.id} was due at ${t.notBefore}: continuing (${timerReason(t)}).`);

  const ctx: EngineContext = {
    session, store: input.store, model, clock, telemetry: input.telemetry, bundle, idea, owner,
    concurrency: input.concurrency, fresh: input.fresh, log: input.log, artifacts: {},
    reserved: { usd: 0, tokens: 0 }, budgetWaived: new Set(), stopSignal: input.stopSignal,
  };
  await loadFinishedArtifacts(ctx);
  let released = false;
  try {
    const outcomes = new Map<string, PhaseOutcome>();
    const running = new Map<string, Promise<void>>();
    // Set from a phase's rejection handler; a holder, since control-flow narrowing does not see callbacks.
    const halt: { paused: RunPaused | null } = { paused: null };
    for (;;) {
      // Phases outside this scope are not run: their recorded status stands, which may make later phases ready.
      let settled = false;
      for (const phase of ready(bundle.phases, outcomes, new Set(running.keys()))) {
        if (scope.kind === 'release' || (scope.kind === 'phase' && phase.id !== scope.phase)) {
          const status = session.state.phases[phase.id]?.status;
          if (status === 'passed' || status === 'waived') outcomes.set(phase.id, status);
          else outcomes.set(phase.id, 'blocked');
          settled = true;
          continue;
        }
        if (input.stopSignal.aborted || halt.paused) break;
        running.set(phase.id, input.telemetry.span('phase', { 'ideamine.phase': phase.id }, () => runPhase(ctx, phase)).then((outcome) => {
          outcomes.set(phase.id, outcome);
          running.delete(phase.id);
        }, (error: unknown) => {
          // A pause lets the phases still running finish what they are doing; nothing new starts.
          if (!(error instanceof RunPaused)) throw error;
          halt.paused ??= error;
          running.delete(phase.id);
        }));
      }
      if (running.size === 0) {
        if (settled) continue;
        break;
      }
      await Promise.race(running.values());
      const renewal = session.leaseRenewal(owner);
      if (renewal) await session.record([renewal]);
    }
    if (input.stopSignal.aborted) throw new IdeaMineError(ErrorCode.internal, 'stopped by signal; finished work is saved — run again to resume', { retryable: true });
    if (halt.paused) {
      const { timer, message } = halt.paused;
      input.log(`Paused: ${message}. Finished work is saved; not before ${timer.notBefore}.`);
      return outcome('paused', blockedOf(bundle.phases, session.state, ctx), null, timer);
    }
    const state = session.state;
    const blocked = blockedOf(bundle.phases, state, ctx);
    if (blocked.length > 0 && (scope.kind !== 'phase' || blocked.some((b) => b.phase === scope.phase))) {
      return outcome('blocked', blocked, null);
    }
    if (scope.kind === 'phase') return outcome('phase-done', blocked, null);
    if (!bundle.phases.every((p) => ['passed', 'waived'].includes(state.phases[p.id]?.status ?? ''))) {
      return outcome('waiting', blocked, null);
    }
    const dossier = await completeRun(ctx, input.packageVersion, input.publish);
    await session.record([{ type: 'lease.released', phase: null, data: { scope: leaseScope, owner, epoch: decision.epoch } }]);
    released = true;
    return outcome('completed', [], dossier);
  } finally {
    if (!released) await session.record([{ type: 'lease.released', phase: null, data: { scope: leaseScope, owner, epoch: decision.epoch } }]).catch(() => undefined);
  }
}

async function loadFinishedArtifacts(ctx: EngineContext): Promise<void> {
  const state = ctx.session.state;
  const wanted: { name: string; path: string }[] = [];
  for (const phase of ctx.bundle.phases) {
    const status = state.phases[phase.id]?.status;
    if (status !== 'passed' && status !== 'waived') continue;
    for (const agent of phase.agents) wanted.push({ name: agent.output, path: `${runDir(ctx.session.runId)}/artifacts/${phase.id}/${agent.output}.json` });
  }
  const files = await ctx.session.readMany(wanted.map((w) => w.path));
  for (const w of wanted) {
    const text = files.get(w.path);
    if (text) ctx.artifacts[w.name] = JSON.parse(text) as Json;
  }
}

/** Older unfinished runs of the same slug are superseded by this one. */
async function supersedeOthers(deps: SessionDeps, slug: string, runId: string, log: (line: string) => void): Promise<void> {
  const runs = await deps.store.list(slug, '.ideamine/runs');
  for (const other of runs.filter((r) => r !== runId)) {
    const session = await RunSession.open(deps, slug, other);
    if (!session || ['completed', 'superseded', 'deleted'].includes(session.state.status)) continue;
    await session.record([{ type: 'run.superseded', phase: null, data: { by: runId } }]);
    log(`Run ${other} is superseded by ${runId}.`);
  }
}

type Blocked = RunOutcome['blocked'][number];

function blockedOf(phases: readonly PhaseConfig[], state: RunState, ctx: EngineContext | null): Blocked[] {
  return phases
    .filter((p) => state.phases[p.id]?.status === 'blocked')
    .map((p) => {
      const ps = state.phases[p.id];
      const attempts = ps?.attempts ?? 0;
      return { phase: p.id, title: p.title, reason: ps?.blockedReason ?? 'gate', summary: ps?.blockedSummary ?? '', attempts, maxAttempts: p.gate.maxAttempts, gate: ctx ? recordedGate(ctx, p.id, attempts) : null };
    });
}

/** Level-triggered: null when this scope has work due now, else why there is nothing to do. */
function dueNow(phases: readonly PhaseConfig[], state: RunState, scope: RunScope): 'waiting' | 'phase-done' | null {
  const done = (id: string): boolean => ['passed', 'waived'].includes(state.phases[id]?.status ?? '');
  if (scope.kind === 'all') return null;
  if (scope.kind === 'release') return phases.every((p) => done(p.id)) ? null : 'waiting';
  const phase = phases.find((p) => p.id === scope.phase);
  if (!phase) throw new IdeaMineError(ErrorCode.badInput, `phase "${scope.phase}" is not in the bundle (${phases.map((p) => p.id).join(', ')})`);
  if (done(phase.id)) return 'phase-done';
  return phase.needs.every(done) ? null : 'waiting';
}

export type TimerPlan =
  | { readonly action: 'go' }
  | { readonly action: 'wait' | 'pause'; readonly timer: TimerState; readonly ms: number };

/**
 * What pending timers allow at `now`: go (none, or all due: fire them), wait for the latest one when it is at most
 * `maxWaitMs` away, else pause. All pending timers are honoured: a circuit-open timer holds every phase.
 */
export function planTimers(state: RunState, now: Date, maxWaitMs: number): TimerPlan {
  const latest = pendingTimers(state).at(-1);
  const ms = latest ? Date.parse(latest.notBefore) - now.getTime() : 0;
  if (!latest || !(ms > 0)) return { action: 'go' };
  return { action: ms <= maxWaitMs ? 'wait' : 'pause', timer: latest, ms };
}

const pick = (t: TimerState): PausedTimer => ({ id: t.id, reason: t.reason, phase: t.phase, notBefore: t.notBefore });

const timerReason = (t: Pick<TimerState, 'reason' | 'phase'>): string =>
  t.reason === 'circuit-open'
    ? `the model provider's circuit breaker opened after repeated failures${t.phase ? ` (in ${t.phase})` : ''}`
    : `timer "${t.reason}"${t.phase ? ` of ${t.phase}` : ''}`;
