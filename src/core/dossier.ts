// The release dossier: the run folded into one schema-validated JSON, its SHA-256 digest, and Markdown.
import { canonicalJson, sha256Hex } from './canonical.js';
import { renderDossierMarkdown } from './dossier-markdown.js';
import { badInput } from './errors.js';
import type { GateResult, MetricMethod } from './gate-types.js';
import type { Idea } from './idea.js';
import { FORMAT_VERSION } from './ledger.js';
import type { Operator } from './phase-config.js';
import { emptyPhase, type PhaseStatus, type RunState, type RunStatus, type TokenTotals } from './run-state.js';

export interface DossierArtifact {
  readonly path: string;
  readonly sha256: string;
}

export interface DossierInput {
  readonly state: RunState;
  readonly idea: Idea;
  readonly ideaFile: string;
  readonly phaseOrder: readonly { readonly id: string; readonly title: string; readonly needs: readonly string[] }[];
  /** The last gate result per phase (null or absent: never evaluated). */
  readonly gates: Readonly<Record<string, GateResult | null>>;
  /** Per phase: run-relative artifact paths on the state branch and their SHA-256. */
  readonly artifacts: Readonly<Record<string, readonly DossierArtifact[]>>;
  readonly ledgerHead: { readonly seq: number; readonly hash: string };
  readonly generatedAt: string;
  readonly stateBranch: string;
  readonly packageVersion: string;
}

export interface DossierMetric {
  readonly id: string;
  readonly value: number | null;
  readonly threshold: number;
  readonly operator: Operator;
  readonly method: MetricMethod;
  readonly passed: boolean | null;
}

export interface DossierPhase {
  readonly id: string;
  readonly title: string;
  readonly needs: readonly string[];
  readonly status: PhaseStatus;
  readonly attempts: number;
  readonly score: number | null;
  readonly passThreshold: number | null;
  readonly passed: boolean | null;
  readonly blockedReason: string | null;
  readonly blockedSummary: string | null;
  readonly metrics: readonly DossierMetric[];
  readonly tokens: TokenTotals | null;
  readonly costUsd: number | null;
  readonly modelCalls: number;
  readonly tasksRun: number;
  readonly tasksReused: number;
  readonly artifacts: readonly DossierArtifact[];
}

export interface DossierWaiver {
  readonly phase: string;
  readonly by: string;
  readonly justification: string;
  readonly control: string | null;
  readonly grantedAt: string;
  readonly expiresAt: string | null;
  readonly source: string;
}

export interface DossierNote {
  readonly phase: string;
  readonly role: string;
  readonly text: string;
}

export interface DossierJson {
  readonly formatVersion: number;
  readonly runId: string;
  readonly slug: string;
  readonly idea: { readonly file: string; readonly hash: string; readonly content: Idea };
  readonly model: { readonly id: string; readonly provenance: string; readonly note: string | null };
  readonly status: RunStatus;
  readonly phases: readonly DossierPhase[];
  readonly waivers: readonly DossierWaiver[];
  readonly assumptions: readonly DossierNote[];
  readonly questions: readonly DossierNote[];
  readonly totals: { readonly tokens: TokenTotals | null; readonly costUsd: number | null; readonly modelCalls: number };
  readonly ledger: { readonly headHash: string; readonly seq: number; readonly stateBranch: string };
  readonly generatedAt: string;
  readonly generator: { readonly name: 'ideamine'; readonly version: string };
  readonly digest: { readonly algorithm: 'sha256'; readonly value: string };
}

export type DossierBody = Omit<DossierJson, 'digest'>;

/** Why the numbers in this dossier look the way they do, when no real model produced them. */
export function modelNote(provenance: string): string | null {
  switch (provenance) {
    case 'offline':
      return 'Drafted offline by the built-in drafter: no model was called, tokens and cost were not measured, judged metrics were not judged.';
    case 'replay-synthetic':
      return 'Synthetic replay from a hand-written cassette: no model was called and the outputs are not real model output.';
    case 'replay-recorded':
      return 'Replayed from a cassette recorded against the real API: no model was called during this run.';
    default:
      return null;
  }
}

/** SHA-256 over the canonical JSON of the dossier without its digest field. */
export function dossierDigest(json: DossierBody | DossierJson): string {
  const { digest: _ignored, ...body } = json as DossierJson;
  return sha256Hex(canonicalJson(body));
}

/** True when `json` carries a SHA-256 digest equal to the one recomputed from its content. */
export function verifyDossier(json: unknown): boolean {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return false;
  const digest = (json as { digest?: unknown }).digest as { algorithm?: unknown; value?: unknown } | undefined;
  if (typeof digest !== 'object' || digest === null || digest.algorithm !== 'sha256' || typeof digest.value !== 'string') return false;
  try {
    return dossierDigest(json as DossierJson) === digest.value;
  } catch {
    return false; // content that cannot be canonicalised (NaN, functions) cannot match
  }
}

function addTokens(sum: TokenTotals | null, add: TokenTotals | null): TokenTotals | null {
  if (add === null) return sum;
  const base = sum ?? { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
  return {
    input: base.input + add.input, output: base.output + add.output,
    cacheRead: base.cacheRead + add.cacheRead, cacheWrite: base.cacheWrite + add.cacheWrite,
  };
}

function buildPhases(input: DossierInput): DossierPhase[] {
  const order = [...input.phaseOrder];
  for (const id of Object.keys(input.state.phases)) {
    if (!order.some((p) => p.id === id)) order.push({ id, title: id, needs: [] });
  }
  for (const id of Object.keys(input.artifacts)) {
    if (!order.some((p) => p.id === id)) {
      throw badInput(`release dossier: artifacts are listed for phase "${id}", which is not a phase of run ${input.state.runId}`, [
        'Pass artifacts keyed by the run\'s phase ids only.',
      ]);
    }
  }
  return order.map((p) => {
    const s = input.state.phases[p.id] ?? emptyPhase();
    const gate = input.gates[p.id] ?? null;
    return {
      id: p.id, title: p.title, needs: [...p.needs], status: s.status, attempts: s.attempts,
      score: s.score ?? gate?.score ?? null, passThreshold: gate?.passThreshold ?? null,
      passed: s.passed ?? gate?.passed ?? null, blockedReason: s.blockedReason, blockedSummary: s.blockedSummary,
      metrics: (gate?.metrics ?? []).map((m) => ({
        id: m.id, value: m.value, threshold: m.threshold, operator: m.operator, method: m.method, passed: m.passed,
      })),
      tokens: s.tokens === null ? null : { ...s.tokens }, costUsd: s.costUsd, modelCalls: s.modelCalls,
      tasksRun: s.tasksRun, tasksReused: s.tasksReused,
      artifacts: (input.artifacts[p.id] ?? []).map((a) => ({ path: a.path, sha256: a.sha256 })),
    };
  });
}

export function buildDossier(input: DossierInput): { json: DossierJson; markdown: string; digest: string } {
  const { state } = input;
  const phases = buildPhases(input);
  const note = (n: { phase: string; role: string; text: string }): DossierNote => ({ phase: n.phase, role: n.role, text: n.text });
  // In phase order, then ledger order: parallel phases (security, story-loop) hand off in either order, and the
  // dossier of a resumed run must equal an uninterrupted one's.
  const rank = new Map(phases.map((p, i) => [p.id, i]));
  const inPhaseOrder = (notes: readonly { phase: string; role: string; text: string }[]): DossierNote[] =>
    notes.map((n, i) => ({ n, i }))
      .sort((a, b) => (rank.get(a.n.phase) ?? phases.length) - (rank.get(b.n.phase) ?? phases.length) || a.i - b.i)
      .map(({ n }) => note(n));
  const costs = phases.map((p) => p.costUsd).filter((c): c is number => c !== null);
  const raw: DossierBody = {
    formatVersion: FORMAT_VERSION,
    runId: state.runId,
    slug: state.slug,
    idea: { file: input.ideaFile, hash: state.ideaHash, content: input.idea },
    model: { id: state.modelId, provenance: state.provenance, note: modelNote(state.provenance) },
    status: state.status,
    phases,
    waivers: state.waivers.map((w) => ({
      phase: w.phase, by: w.by, justification: w.justification, control: w.control,
      grantedAt: w.grantedAt, expiresAt: w.expiresAt, source: w.source,
    })),
    assumptions: inPhaseOrder(state.assumptions),
    questions: inPhaseOrder(state.questions),
    totals: {
      tokens: phases.reduce<TokenTotals | null>((sum, p) => addTokens(sum, p.tokens), null),
      costUsd: costs.length === 0 ? null : costs.reduce((a, b) => a + b, 0),
      modelCalls: phases.reduce((sum, p) => sum + p.modelCalls, 0),
    },
    ledger: { headHash: input.ledgerHead.hash, seq: input.ledgerHead.seq, stateBranch: input.stateBranch },
    generatedAt: input.generatedAt,
    generator: { name: 'ideamine', version: input.packageVersion },
  };
  // A plain, key-sorted copy: no aliasing of the caller's state, no undefined members.
  const body = JSON.parse(canonicalJson(raw)) as DossierBody;
  const digest = dossierDigest(body);
  const json: DossierJson = { ...body, digest: { algorithm: 'sha256', value: digest } };
  return { json, markdown: renderDossierMarkdown(json), digest };
}
