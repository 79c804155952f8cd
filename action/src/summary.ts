// The job summary (GITHUB_STEP_SUMMARY) for the phase, dispatch and tick commands: what ran, what it cost, what failed.
import * as core from '@actions/core';
import type { GateResult } from '../../src/core/gate-types.js';
import type { PhaseState } from '../../src/core/run-state.js';

export interface PhaseSummary {
  readonly slug: string;
  readonly phase: string;
  readonly runId: string;
  readonly status: string;
  readonly phaseState: PhaseState | null;
  readonly gate: GateResult | null;
  readonly forgeRequests: number;
  readonly prUrl: string | null;
  readonly notes: readonly string[];
}

export interface DispatchSummary {
  readonly dispatched: readonly string[];
  /** Ideas a repository-wide cap held back: which cap, the numbers, and that tick starts them later. */
  readonly held: readonly string[];
  readonly invalid: readonly { file: string; issues: readonly string[] }[];
  readonly ref: string;
  readonly forgeRequests: number;
}

/** Summary cells and list items are HTML: idea text and metric details must not become markup. */
const esc = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const num = (n: number | null): string => (n === null ? '—' : String(Math.round(n * 1000) / 1000));

/** Cost and tokens stay "not measured" when no metered model call was made (the offline drafter). */
export const fmtCost = (usd: number | null): string => (usd === null ? 'not measured' : `$${usd.toFixed(4)}`);
export const fmtTokens = (state: PhaseState | null): string =>
  state?.tokens ? `${state.tokens.input + state.tokens.output} (input ${state.tokens.input}, output ${state.tokens.output})` : 'not measured';

/** Only GitHub's runner sets GITHUB_STEP_SUMMARY; outside it there is nowhere to write. */
async function write(build: (s: typeof core.summary) => void): Promise<void> {
  if (!process.env['GITHUB_STEP_SUMMARY']) return;
  build(core.summary);
  await core.summary.write();
}

export async function writePhaseSummary(s: PhaseSummary): Promise<void> {
  await write((summary) => {
    summary.addHeading(`IdeaMine: ${esc(s.slug)} / ${esc(s.phase)}`, 2);
    summary.addTable([
      [{ data: 'field', header: true }, { data: 'value', header: true }],
      ['run', s.runId || '—'],
      ['status', s.status],
      ['phase status', s.phaseState?.status ?? 'not started'],
      ['attempts', String(s.phaseState?.attempts ?? 0)],
      ['score', num(s.phaseState?.score ?? null)],
      ['tokens', fmtTokens(s.phaseState)],
      ['cost', fmtCost(s.phaseState?.costUsd ?? null)],
      ['GitHub API requests', String(s.forgeRequests)],
    ]);
    if (s.gate) {
      summary.addHeading('Gate metrics', 3);
      summary.addTable([
        ['metric', 'value', 'threshold', 'weight', 'required', 'result'].map((data) => ({ data, header: true })),
        ...s.gate.metrics.map((m) => [
          esc(m.id), num(m.value), `${m.operator} ${num(m.threshold)}`, num(m.weight), m.required ? 'yes' : 'no',
          m.passed === null ? 'not judged' : m.passed ? 'pass' : 'fail',
        ]),
      ]);
    }
    if (s.prUrl) summary.addRaw(`Gate pull request: ${s.prUrl}`, true);
    for (const note of s.notes) summary.addRaw(`\n${esc(note)}`, true);
  });
}

export async function writeDispatchSummary(s: DispatchSummary): Promise<void> {
  await write((summary) => {
    summary.addHeading('IdeaMine: changed ideas', 2);
    if (s.dispatched.length === 0 && s.held.length === 0 && s.invalid.length === 0) summary.addRaw('No idea files changed in this push.', true);
    if (s.dispatched.length > 0) {
      summary.addRaw(`Started a run workflow on \`${s.ref}\` for:`, true);
      summary.addList(s.dispatched.map((slug) => `\`${slug}\``));
    }
    if (s.held.length > 0) {
      summary.addRaw('Not started (repository-wide cap):', true);
      summary.addList(s.held.map(esc));
    }
    for (const bad of s.invalid) {
      summary.addHeading(`${esc(bad.file)}: ${bad.issues.length === 1 ? '1 problem' : `${bad.issues.length} problems`}`, 3);
      summary.addList(bad.issues.map(esc));
    }
    summary.addRaw(`GitHub API requests: ${s.forgeRequests}`, true);
  });
}

export interface TickSummary {
  readonly status: string;
  /** Every action taken, named (recorded events, closed PRs, started runs). */
  readonly actions: readonly string[];
  readonly held: readonly string[];
  /** What was looked at and left alone on purpose, and why. */
  readonly left: readonly string[];
  readonly forgeRequests: number;
}

export async function writeTickSummary(s: TickSummary): Promise<void> {
  await write((summary) => {
    summary.addHeading(`IdeaMine tick: ${s.status}`, 2);
    if (s.actions.length === 0) summary.addRaw('Nothing was due.', true);
    else summary.addList(s.actions.map(esc));
    if (s.held.length > 0) {
      summary.addRaw('Not started (repository-wide cap):', true);
      summary.addList(s.held.map(esc));
    }
    if (s.left.length > 0) {
      summary.addRaw('Left alone:', true);
      summary.addList(s.left.map(esc));
    }
    summary.addRaw(`GitHub API requests: ${s.forgeRequests}`, true);
  });
}
