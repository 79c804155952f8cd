// run.json: the state derived from the ledger by a pure fold; rebuilt whenever in doubt.
import type { Json } from './canonical.js';
import type { GateResult } from './gate-types.js';
import { FORMAT_VERSION, type LedgerEntry } from './ledger.js';

export type PhaseStatus = 'pending' | 'running' | 'passed' | 'blocked' | 'waived';
export type RunStatus = 'running' | 'blocked' | 'completed' | 'superseded' | 'deleted';

export interface TokenTotals {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export interface PhaseState {
  status: PhaseStatus;
  attempts: number;
  score: number | null;
  passed: boolean | null;
  blockedReason: string | null;
  blockedSummary: string | null;
  /** Null until a measured model call is made (offline stays null). */
  tokens: TokenTotals | null;
  costUsd: number | null;
  modelCalls: number;
  tasksRun: number;
  tasksReused: number;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface WaiverRecord {
  phase: string;
  by: string;
  justification: string;
  control: string | null;
  grantedAt: string;
  expiresAt: string | null;
  source: string;
  /** What was waived: a failed gate, or an exhausted budget. */
  reason: string;
  seq: number;
}

export interface TimerState {
  /** Unique within the run: the seq of the timer.set entry unless the event names one. */
  id: string;
  /** Why the run waits, e.g. "circuit-open" (the model provider's circuit breaker). */
  reason: string;
  phase: string | null;
  notBefore: string;
  firedAt: string | null;
}

export interface LeaseState {
  /** "run" for a whole-run driver (local CLI), "phase:<id>" for one phase job (Actions). */
  scope: string;
  owner: string;
  epoch: number;
  expiresAt: string;
}

export interface FinishedTask {
  phase: string;
  role: string;
  output: string;
  item: number | null;
  casKey: string;
}

export interface RunState {
  formatVersion: number;
  runId: string;
  slug: string;
  ideaFile: string;
  ideaHash: string;
  bundleHash: string;
  modelId: string;
  provenance: string;
  status: RunStatus;
  startedAt: string;
  updatedAt: string;
  budget: { usd: number; tokens: number | null; spentUsd: number | null; spentTokens: number | null };
  phases: Record<string, PhaseState>;
  /** Leases by scope. */
  leases: Record<string, LeaseState>;
  tasks: Record<string, FinishedTask>;
  waivers: WaiverRecord[];
  questions: { phase: string; role: string; text: string }[];
  assumptions: { phase: string; role: string; text: string }[];
  artifacts: Record<string, string>;
  /** Durable timers: "do not continue before notBefore". A timer stays pending until a timer.fired names its id. */
  timers: TimerState[];
  dossierDigest: string | null;
  seq: number;
  headHash: string;
}

const str = (v: Json | undefined): string => (typeof v === 'string' ? v : '');
const num = (v: Json | undefined): number | null => (typeof v === 'number' ? v : null);

export const emptyPhase = (): PhaseState => ({
  status: 'pending', attempts: 0, score: null, passed: null, blockedReason: null, blockedSummary: null,
  tokens: null, costUsd: null, modelCalls: 0, tasksRun: 0, tasksReused: 0, startedAt: null, finishedAt: null,
});

function addUsage(phase: PhaseState, run: RunState, usage: Json | undefined, cost: Json | undefined): void {
  if (usage && typeof usage === 'object' && !Array.isArray(usage)) {
    const t = phase.tokens ?? { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
    t.input += num(usage['inputTokens']) ?? 0;
    t.output += num(usage['outputTokens']) ?? 0;
    t.cacheRead += num(usage['cacheReadTokens']) ?? 0;
    t.cacheWrite += num(usage['cacheWriteTokens']) ?? 0;
    phase.tokens = t;
    const total = (num(usage['inputTokens']) ?? 0) + (num(usage['outputTokens']) ?? 0);
    run.budget.spentTokens = (run.budget.spentTokens ?? 0) + total;
  }
  const c = num(cost);
  if (c !== null) {
    phase.costUsd = (phase.costUsd ?? 0) + c;
    run.budget.spentUsd = (run.budget.spentUsd ?? 0) + c;
  }
}

/** Folds ledger entries into the run state. The first entry must be run.started. */
export function replay(entries: readonly LedgerEntry[]): RunState {
  const first = entries[0];
  if (!first || first.type !== 'run.started') throw new Error('ledger does not begin with run.started');
  const d = first.data;
  const budget = d['budget'] as { usd?: Json; tokens?: Json } | undefined;
  const state: RunState = {
    formatVersion: FORMAT_VERSION,
    runId: str(d['runId']), slug: str(d['slug']), ideaFile: str(d['ideaFile']), ideaHash: str(d['ideaHash']),
    bundleHash: str(d['bundleHash']), modelId: str(d['modelId']), provenance: str(d['provenance']),
    status: 'running', startedAt: first.time, updatedAt: first.time,
    budget: { usd: num(budget?.usd) ?? 0, tokens: num(budget?.tokens), spentUsd: null, spentTokens: null },
    phases: {}, leases: {}, tasks: {}, waivers: [], questions: [], assumptions: [], artifacts: {}, timers: [],
    dossierDigest: null, seq: first.seq, headHash: first.hash,
  };
  for (const phaseId of (d['phases'] as string[] | undefined) ?? []) state.phases[phaseId] = emptyPhase();
  for (const entry of entries.slice(1)) apply(state, entry);
  return state;
}

function apply(state: RunState, e: LedgerEntry): void {
  state.seq = e.seq;
  state.headHash = e.hash;
  state.updatedAt = e.time;
  const phase = e.phase ? (state.phases[e.phase] ??= emptyPhase()) : null;
  const d = e.data;
  switch (e.type) {
    case 'run.resumed':
      if (state.status === 'blocked') state.status = 'running';
      // Human guidance reopens a blocked phase for one more attempt.
      if (phase?.status === 'blocked' && typeof d['guidance'] === 'string') {
        phase.status = 'pending';
        phase.blockedReason = null;
        phase.blockedSummary = null;
      }
      break;
    case 'lease.acquired': {
      const scope = str(d['scope']) || 'run';
      state.leases[scope] = { scope, owner: str(d['owner']), epoch: num(d['epoch']) ?? 0, expiresAt: str(d['expiresAt']) };
      break;
    }
    case 'lease.released': {
      const scope = str(d['scope']) || 'run';
      if (state.leases[scope]?.epoch === num(d['epoch'])) delete state.leases[scope];
      break;
    }
    case 'phase.started':
      if (phase) {
        phase.status = 'running';
        phase.attempts = num(d['attempt']) ?? phase.attempts + 1;
        phase.startedAt ??= e.time;
        phase.blockedReason = null;
        phase.blockedSummary = null;
      }
      state.status = 'running';
      break;
    case 'model.call':
      if (phase) {
        phase.modelCalls += 1;
        addUsage(phase, state, d['usage'], d['costUsd']);
      }
      break;
    case 'task.finished':
      if (phase) {
        if (d['reused'] === true) phase.tasksReused += 1;
        else phase.tasksRun += 1;
        state.tasks[str(d['taskKey'])] = {
          phase: e.phase ?? '', role: str(d['role']), output: str(d['output']),
          item: num(d['item']), casKey: str(d['casKey']) || str(d['taskKey']),
        };
      }
      break;
    case 'artifact.written':
      state.artifacts[str(d['path'])] = str(d['sha256']);
      break;
    case 'gate.evaluated':
      if (phase) {
        phase.score = num(d['score']);
        phase.passed = d['passed'] === true;
      }
      break;
    case 'phase.passed':
      if (phase) { phase.status = 'passed'; phase.finishedAt = e.time; }
      break;
    case 'phase.blocked':
      if (phase) { phase.status = 'blocked'; phase.blockedReason = str(d['reason']); phase.blockedSummary = str(d['summary']); }
      state.status = 'blocked';
      break;
    case 'waiver.granted':
      state.waivers.push({
        phase: str(d['phase']), by: str(d['by']), justification: str(d['justification']),
        control: typeof d['control'] === 'string' ? d['control'] : null, grantedAt: e.time,
        expiresAt: typeof d['expiresAt'] === 'string' ? d['expiresAt'] : null, source: str(d['source']), reason: str(d['reason']) || 'gate', seq: e.seq,
      });
      break;
    case 'phase.waived':
      if (phase) { phase.status = 'waived'; phase.finishedAt = e.time; }
      break;
    case 'clarify.question':
      state.questions.push({ phase: e.phase ?? '', role: str(d['role']), text: str(d['text']) });
      break;
    case 'clarify.assumption':
      state.assumptions.push({ phase: e.phase ?? '', role: str(d['role']), text: str(d['text']) });
      break;
    case 'timer.set':
      state.timers.push({ id: str(d['id']) || String(e.seq), reason: str(d['reason']), phase: e.phase, notBefore: str(d['notBefore']), firedAt: null });
      break;
    case 'timer.fired': {
      const timer = state.timers.find((t) => t.id === str(d['id']));
      if (timer) timer.firedAt = e.time;
      break;
    }
    case 'waiver.expired':
      // The gate reopens: the phase is evaluated again by the next job or run that reaches it.
      if (phase) { phase.status = 'pending'; phase.finishedAt = null; }
      if (state.status === 'completed' || state.status === 'blocked') state.status = 'running';
      break;
    case 'run.completed':
      state.status = 'completed';
      state.dossierDigest = typeof d['dossierDigest'] === 'string' ? d['dossierDigest'] : null;
      break;
    case 'run.superseded':
      state.status = 'superseded';
      break;
    case 'run.deleted':
      state.status = 'deleted';
      break;
    case 'run.started':
    case 'task.failed':
    case 'budget.exceeded':
      break;
  }
}

/** Timers not fired yet, soonest first. */
export function pendingTimers(state: RunState): TimerState[] {
  return state.timers.filter((t) => t.firedAt === null).sort((a, b) => Date.parse(a.notBefore) - Date.parse(b.notBefore));
}

/** Pending timers whose "not before" has passed at `now`. */
export function dueTimers(state: RunState, now: Date): TimerState[] {
  return pendingTimers(state).filter((t) => Date.parse(t.notBefore) <= now.getTime());
}

/** Phases whose waiver has expired at `now` and that no waiver.expired entry reopened yet (status still waived). */
export function expiredWaivers(state: RunState, now: Date): WaiverRecord[] {
  const out: WaiverRecord[] = [];
  for (const [id, phase] of Object.entries(state.phases)) {
    if (phase.status !== 'waived') continue;
    const latest = state.waivers.filter((w) => w.phase === id).at(-1);
    if (latest?.expiresAt && Date.parse(latest.expiresAt) <= now.getTime()) out.push(latest);
  }
  return out;
}

/** The waiver in force for a phase at `now` (latest granted, not expired), if any. */
export function activeWaiver(state: RunState, phase: string, now: Date): WaiverRecord | null {
  const candidates = state.waivers.filter((w) => w.phase === phase && (w.expiresAt === null || Date.parse(w.expiresAt) > now.getTime()));
  return candidates.at(-1) ?? null;
}

/** The gate result recorded for a phase (for one attempt, or the latest), read back from the ledger. */
export function recordedGateOf(entries: readonly LedgerEntry[], phase: string, attempt?: number): GateResult | null {
  for (let i = entries.length - 1; i >= 0; i -= 1) {
    const entry = entries[i];
    if (entry?.type === 'gate.evaluated' && entry.phase === phase && (attempt === undefined || entry.data['attempt'] === attempt)) {
      return entry.data['result'] as unknown as GateResult;
    }
  }
  return null;
}
