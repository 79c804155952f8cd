// Test-data builder for DossierInput: a run state folded from real ledger events, plus gate results.
import { hashJson, sha256Hex } from '../src/core/canonical.js';
import type { DossierInput } from '../src/core/dossier.js';
import type { GateResult, MetricResult } from '../src/core/gate-types.js';
import type { Idea } from '../src/core/idea.js';
import { appendEvents, type LedgerEntry, type NewEvent } from '../src/core/ledger.js';
import { replay } from '../src/core/run-state.js';

export type Outcome = 'passed' | 'waived' | 'blocked' | 'pending';

export interface PhaseSpec {
  readonly id: string;
  readonly title: string;
  readonly needs: readonly string[];
  readonly outcome: Outcome;
  /** Gate score of the last attempt. */
  readonly score?: number;
}

export interface ScenarioOptions {
  readonly provenance?: 'offline' | 'anthropic' | 'replay-synthetic' | 'replay-recorded';
  readonly idea?: Partial<Idea>;
  readonly phases?: readonly PhaseSpec[];
  readonly waiver?: { by: string; justification: string; control: string | null; expiresAt: string | null };
}

export const baseIdea: Idea = {
  name: 'Tidy Ledger',
  description: 'A shared household budget that splits bills fairly and reminds people before rent is due.',
  complexity: 'medium',
  category: 'fintech',
  target_users: ['flatmates', 'young couples'],
  core_features: ['bill splitting', 'rent reminders', 'monthly summary'],
  technical_requirements: { platform: 'web', expected_users: 5000, budget: 'small', timeline: '3 months' },
  constraints: ['no bank credentials stored'],
  integrations: ['email'],
  compliance: ['GDPR'],
};

export const smallPipeline: readonly PhaseSpec[] = [
  { id: 'intake', title: 'Intake', needs: [], outcome: 'passed', score: 0.95 },
  { id: 'prd', title: 'PRD', needs: ['intake'], outcome: 'waived', score: 0.61 },
  { id: 'story-loop', title: 'Story loop', needs: ['prd'], outcome: 'blocked', score: 0.4 },
];

export const widePipeline: readonly PhaseSpec[] = [
  { id: 'intake', title: 'Intake', needs: [], outcome: 'passed', score: 0.95 },
  { id: 'ideation', title: 'Ideation', needs: ['intake'], outcome: 'passed', score: 0.88 },
  { id: 'prd', title: 'PRD', needs: ['ideation'], outcome: 'waived', score: 0.61 },
  { id: 'architecture', title: 'Architecture', needs: ['prd'], outcome: 'passed', score: 0.9 },
  { id: 'build', title: 'Build', needs: ['architecture'], outcome: 'passed', score: 0.84 },
  { id: 'security', title: 'Security', needs: ['build'], outcome: 'passed', score: 1 },
  { id: 'story-loop', title: 'Story loop', needs: ['build'], outcome: 'passed', score: 0.81 },
  { id: 'qa', title: 'QA', needs: ['security', 'story-loop'], outcome: 'pending' },
];

const T0 = '2025-05-01T10:00:00.000Z';
const T1 = '2025-05-01T10:05:00.000Z';

function gateFor(spec: PhaseSpec, offline: boolean): GateResult {
  const score = spec.score ?? 0;
  const passed = spec.outcome === 'passed';
  const metric = (id: string, value: number | null, method: MetricResult['method'], ok: boolean | null): MetricResult => ({
    id, kind: method === 'computed' ? 'coverage' : 'judged', description: `${id} of ${spec.id}`, value, operator: '>=',
    threshold: 0.8, weight: 1, required: method === 'computed', passed: ok, method, detail: `${id} measured`, violations: [],
  });
  return {
    phase: spec.id, attempt: spec.outcome === 'passed' ? 1 : 2, score, passThreshold: 0.8, passed,
    metrics: [
      metric('feature_coverage', score, 'computed', score >= 0.8),
      offline ? metric('clarity', null, 'not-judged', null) : metric('clarity', 0.9, 'judged', true),
    ],
    notJudged: offline ? ['clarity'] : [], failedRequired: score >= 0.8 ? [] : ['feature_coverage'],
  };
}

/** A run with one ledger event stream per phase outcome, folded by the real replay(). */
export function dossierInput(options: ScenarioOptions = {}): DossierInput {
  const provenance = options.provenance ?? 'anthropic';
  const offline = provenance === 'offline' || provenance === 'replay-synthetic';
  const phases = options.phases ?? widePipeline;
  const idea: Idea = { ...baseIdea, ...options.idea };
  const runId = 'tidy-ledger-1a2b3c4d';
  const events: NewEvent[] = [{
    type: 'run.started', phase: null,
    data: {
      runId, slug: 'tidy-ledger', ideaFile: 'ideas/tidy-ledger.yaml', ideaHash: hashJson(idea), bundleHash: sha256Hex('bundle'),
      modelId: offline ? 'offline-drafter' : 'claude-sonnet-4-5', provenance, budget: { usd: 5, tokens: null },
      phases: phases.map((p) => p.id),
    },
  }];
  const artifacts: Record<string, { path: string; sha256: string }[]> = {};
  const gates: Record<string, GateResult | null> = {};
  phases.forEach((spec, index) => {
    if (spec.outcome === 'pending') return;
    const path = `.ideamine/runs/${runId}/artifacts/${spec.id}/${spec.id}.json`;
    const sha = sha256Hex(`artifact ${spec.id}`);
    artifacts[spec.id] = [{ path, sha256: sha }];
    gates[spec.id] = gateFor(spec, offline);
    const attempts = spec.outcome === 'passed' ? 1 : 2;
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      events.push({ type: 'phase.started', phase: spec.id, data: { attempt } });
      // The offline drafter calls no model, so it leaves no model.call event and no usage.
      if (!offline) events.push({
        type: 'model.call', phase: spec.id,
        data: {
          usage: { inputTokens: 1000 * (index + 1), outputTokens: 250 * (index + 1), cacheReadTokens: 100, cacheWriteTokens: 0 },
          costUsd: 0.0125 * (index + 1),
        },
      });
      events.push({ type: 'task.finished', phase: spec.id, data: { taskKey: sha256Hex(`${spec.id}/${attempt}`), role: `${spec.id}-writer`, output: spec.id, reused: false } });
      events.push({ type: 'gate.evaluated', phase: spec.id, data: { score: spec.score ?? 0, passed: spec.outcome === 'passed' } });
    }
    events.push({ type: 'artifact.written', phase: spec.id, data: { path, sha256: sha } });
    if (spec.outcome === 'passed') events.push({ type: 'phase.passed', phase: spec.id, data: {} });
    else events.push({ type: 'phase.blocked', phase: spec.id, data: { reason: 'gate', summary: 'feature_coverage below 0.8' } });
    if (spec.outcome === 'waived') {
      const w = options.waiver ?? { by: 'maria-maintainer', justification: 'Coverage gap is the export feature, cut from v1.', control: 'Export tracked in issue #42', expiresAt: '2025-06-01T00:00:00.000Z' };
      events.push({ type: 'waiver.granted', phase: spec.id, data: { phase: spec.id, ...w, source: 'review 1234 on 9f8e7d6' } });
      events.push({ type: 'phase.waived', phase: spec.id, data: {} });
    }
  });
  events.push({ type: 'clarify.assumption', phase: 'prd', data: { role: 'prd-writer', text: 'Payments are settled outside the app.' } });
  events.push({ type: 'clarify.question', phase: 'prd', data: { role: 'prd-writer', text: 'Should reminders go by SMS too?' } });
  if (!phases.some((p) => p.outcome === 'blocked' || p.outcome === 'pending')) events.push({ type: 'run.completed', phase: null, data: {} });
  const entries: LedgerEntry[] = appendEvents(null, events.slice(0, 1), T0);
  entries.push(...appendEvents(entries[0] ?? null, events.slice(1), T1));
  const state = replay(entries);
  const head = entries.at(-1);
  return {
    state, idea, ideaFile: 'ideas/tidy-ledger.yaml',
    phaseOrder: phases.map((p) => ({ id: p.id, title: p.title, needs: p.needs })),
    gates, artifacts, ledgerHead: { seq: head?.seq ?? 0, hash: head?.hash ?? '' },
    generatedAt: '2025-05-01T10:10:00.000Z', stateBranch: 'ideamine/tidy-ledger', packageVersion: '0.1.0',
  };
}
