// Handoff: the attempt's artifacts, readable Markdown, scaffold files, gate result and Clarify events
// become durable in one commit.
import { prettyJson, sha256Hex, type Json } from '../core/canonical.js';
import type { GateResult, ScaffoldFile } from '../core/gate-types.js';
import type { NewEvent } from '../core/ledger.js';
import { artifactMarkdown } from '../core/markdown.js';
import type { PhaseConfig } from '../core/phase-config.js';
import { runDir } from '../core/run-id.js';
import { confineScaffold } from '../core/scaffold-paths.js';
import type { FileWrite } from '../ports/store.js';
import type { EngineContext } from './context.js';

export const artifactDir = (runId: string, phase: string): string => `${runDir(runId)}/artifacts/${phase}`;

/** Scaffold files are any artifact's top-level `files: [{ path, content }]`; paths are confined. */
export function scaffoldOf(produced: Record<string, Json>): {
  accepted: ScaffoldFile[];
  rejected: { artifact: string; path: string; reason: string }[];
} {
  const accepted: ScaffoldFile[] = [];
  const rejected: { artifact: string; path: string; reason: string }[] = [];
  for (const [name, artifact] of Object.entries(produced)) {
    const files = (artifact as { files?: unknown } | null)?.files;
    if (!Array.isArray(files)) continue;
    const candidates = files
      .filter((f): f is { path: string; content: string } => typeof (f as { path?: unknown }).path === 'string' && typeof (f as { content?: unknown }).content === 'string')
      .map((f) => ({ path: f.path, content: f.content }));
    const confined = confineScaffold(candidates);
    accepted.push(...confined.accepted);
    rejected.push(...confined.rejected.map((r) => ({ artifact: name, ...r })));
  }
  return { accepted, rejected };
}

function clarifyEvents(ctx: EngineContext, phase: PhaseConfig, produced: Record<string, Json>): NewEvent[] {
  const state = ctx.session.state;
  const seen = new Set([...state.questions, ...state.assumptions].filter((q) => q.phase === phase.id).map((q) => q.text));
  const events: NewEvent[] = [];
  const budget = { question: phase.qav.maxQuestions, assumption: phase.qav.maxAssumptions };
  for (const agent of phase.agents) {
    const artifact = produced[agent.output];
    const parts = agent.fanOut ? ((artifact as { items?: Json[] } | undefined)?.items ?? []) : [artifact];
    for (const part of parts) {
      const record = (part ?? {}) as { open_questions?: unknown; assumptions?: unknown };
      for (const [kind, list] of [['question', record.open_questions], ['assumption', record.assumptions]] as const) {
        if (!Array.isArray(list)) continue;
        for (const text of list) {
          if (typeof text !== 'string' || text.trim() === '' || seen.has(text) || budget[kind] <= 0) continue;
          seen.add(text);
          budget[kind] -= 1;
          events.push({ type: kind === 'question' ? 'clarify.question' : 'clarify.assumption', phase: phase.id, data: { role: agent.role, text: text.slice(0, 500) } });
        }
      }
    }
  }
  return events;
}

export async function handoff(
  ctx: EngineContext, phase: PhaseConfig, attempt: number, produced: Record<string, Json>, scaffold: readonly ScaffoldFile[], result: GateResult,
): Promise<void> {
  const dir = artifactDir(ctx.session.runId, phase.id);
  const provenance = ctx.model.provenance;
  const writes: FileWrite[] = [{ path: dir, content: null }];
  const events: NewEvent[] = [];
  const add = (path: string, raw: string): void => {
    const content = ctx.session.scrub(raw);
    writes.push({ path, content });
    events.push({ type: 'artifact.written', phase: phase.id, data: { path, sha256: sha256Hex(content), bytes: content.length } });
  };
  for (const agent of phase.agents) {
    const artifact = produced[agent.output];
    if (artifact === undefined) continue;
    add(`${dir}/${agent.output}.json`, prettyJson(artifact));
    add(`${dir}/${agent.output}.md`, artifactMarkdown(`${phase.title}: ${agent.output}`, artifact, { provenance, phase: phase.id, role: agent.role }));
  }
  for (const file of scaffold) add(`${dir}/scaffold/${file.path}`, file.content);
  add(`${dir}/gate.json`, prettyJson(result));
  events.push(...clarifyEvents(ctx, phase, produced));
  events.push({ type: 'gate.evaluated', phase: phase.id, data: { attempt, score: result.score, passed: result.passed, result: result as unknown as Json } });
  await ctx.session.record(events, writes);
}
