// `ideamine run <idea-file>`: starts or resumes a run and reports phases, cost and the dossier.
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createModel, withRecording } from '../adapters/model/index.js';
import { prettyJson } from '../core/canonical.js';
import { badInput, ExitCode } from '../core/errors.js';
import { gateReport } from '../core/gate-report.js';
import { loadBundle, loadIdeaFile } from '../engine/bundle.js';
import { MAX_TIMER_WAIT_MS, runIdea, type RunOutcome } from '../engine/run.js';
import { tracedModel } from '../engine/traced-model.js';
import { noopTelemetry } from '../ports/telemetry.js';
import { fmtTokens, fmtUsd, parse, type Command, type Io } from './io.js';
import { describePull, PUSH_HELP, pushLine, pushOptions, pushSummary, type PushSummary } from './run-push.js';
import { openRuntime } from './runtime.js';

const options = {
  model: { type: 'string' },
  'model-id': { type: 'string' },
  'budget-usd': { type: 'string' },
  concurrency: { type: 'string' },
  json: { type: 'boolean' },
  fresh: { type: 'boolean' },
  record: { type: 'string' },
  push: { type: 'boolean' },
  remote: { type: 'string' },
  'no-wait': { type: 'boolean' },
} as const;

function positiveNumber(flag: string, text: string | undefined, integer: boolean): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw badInput(`--${flag}: "${text}" is not a positive ${integer ? 'integer' : 'number'}`, [`Example: --${flag} ${integer ? '4' : '2.50'}`]);
  }
  return n;
}

export const waiveCommandFor = (runId: string, phase: string): string =>
  `ideamine waive ${runId} ${phase} --justification "<why this is acceptable>" --by "<your name>" --expires 30d --control "<compensating control>"`;

export const runCommand: Command = {
  name: 'run',
  summary: 'start or resume a run of an idea through the 13 phases',
  usage: 'ideamine run <idea-file> [--model offline|anthropic|replay:<cassette>] [--model-id <id>] [--budget-usd <n>] [--concurrency <n>] [--fresh] [--record <cassette>] [--push [--remote <name>]] [--no-wait] [--json]',
  help: [
    'Runs the idea through every phase; running it again after any stop resumes where it stopped.',
    '  --model         offline (default: built-in drafter, no network), anthropic (needs ANTHROPIC_API_KEY), replay:<cassette.json>',
    '  --model-id      model snapshot for anthropic (default: the adapter default)',
    '  --budget-usd    run budget in USD (default: the idea\'s budget.usd, else 5)',
    '  --concurrency   tasks in flight at once (default 4)',
    '  --fresh         start the run over on purpose (does not reuse finished task outputs)',
    '  --record <file> write every model response to a replay cassette',
    ...PUSH_HELP,
    '  --json          print the result as JSON on stdout',
    `  --no-wait       a run paused on a timer (the model's circuit breaker) that is not due yet stops at once instead of waiting (at most ${MAX_TIMER_WAIT_MS / 60_000} min)`,
    'Exit codes: 0 done, 1 failed or paused (run again; a paused run says from when), 2 bad input, 3 blocked on a human (waiver needed).',
  ].join('\n'),
  async run(argv, io) {
    const { values, positionals } = parse('run', argv, options, { min: 1, max: 1, names: 'one idea file' });
    const budgetUsd = positiveNumber('budget-usd', values['budget-usd'], false);
    const concurrency = positiveNumber('concurrency', values.concurrency, true) ?? 4;
    const pushing = pushOptions(values);
    const rt = await openRuntime(io, pushing);
    try {
      const idea = await loadIdeaFile(rt.repoRoot, resolve(io.cwd, positionals[0] ?? ''));
      const pulled = rt.remote && pushing.push ? describePull(await rt.remote.pull(idea.slug), idea.slug, pushing.push.remote) : null;
      if (pulled) io.err(`${pulled}\n`);
      const bundle = await loadBundle({ packageRoot: rt.packageRoot, repoRoot: rt.repoRoot });
      const spec = values.model ?? idea.idea.model ?? 'offline';
      const base = await createModel(spec, io.env, { ...(values['model-id'] ? { modelId: values['model-id'] } : {}), readFile: (p) => readFile(p, 'utf8') });
      const recorder = values.record ? withRecording(base, { realApi: !io.env['ANTHROPIC_BASE_URL'] }) : null;
      const recorded = recorder ?? base;
      const model = rt.telemetry === noopTelemetry ? recorded : tracedModel(recorded, rt.telemetry, io.env['OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT'] === 'true');
      const started = performance.now();
      let outcome: RunOutcome;
      try {
        outcome = await rt.telemetry.span('run', { 'ideamine.slug': idea.slug, 'gen_ai.request.model': model.id }, () => runIdea({
          idea, bundle, model, store: rt.store, clock: rt.clock, telemetry: rt.telemetry, scrub: rt.scrub,
          ...(budgetUsd === undefined ? {} : { budgetUsd }), concurrency, fresh: values.fresh ?? false,
          log: (line) => { if (!values.json) io.err(`${line}\n`); }, stopSignal: io.signal, packageVersion: rt.packageVersion, publish: true,
          timerWaitMs: values['no-wait'] ? 0 : MAX_TIMER_WAIT_MS,
        }));
      } finally {
        if (recorder && values.record) await writeFile(resolve(io.cwd, values.record), rt.scrub(prettyJson(recorder.cassette())));
      }
      const seconds = (performance.now() - started) / 1000;
      return report(outcome, seconds, io, values.json ?? false, idea.idea.name, pushSummary(rt.remote, pushing.push?.remote ?? ''));
    } finally {
      const pushed = pushSummary(rt.remote, pushing.push?.remote ?? '');
      if (pushed) io.err(`${pushLine(pushed)}\n`);
      await rt.close();
    }
  },
};

function report(outcome: RunOutcome, seconds: number, io: Io, json: boolean, ideaName: string, push: PushSummary | null = null): number {
  const { state } = outcome;
  const phases = Object.entries(state.phases).map(([id, p]) => ({
    phase: id, status: p.status, attempts: p.attempts, score: p.score,
    tokens: p.tokens ? p.tokens.input + p.tokens.output : null, costUsd: p.costUsd, modelCalls: p.modelCalls, tasksRun: p.tasksRun, tasksReused: p.tasksReused,
  }));
  const blocked = outcome.blocked.map((b) => ({
    phase: b.phase, reason: b.reason, summary: b.summary, gate: b.gate,
    report: b.gate ? gateReport(b.gate, { ideaName, phaseTitle: b.title, attemptsTried: b.attempts, maxAttempts: b.attempts }) : b.summary,
    waiveCommand: waiveCommandFor(outcome.runId, b.phase),
  }));
  // Paused is retryable: the same command continues the run once the timer is due.
  const exitCode = outcome.status === 'completed' ? ExitCode.ok : outcome.status === 'paused' ? ExitCode.failed : ExitCode.blocked;
  const paused = outcome.timer ? { ...outcome.timer, retryable: true, continueWith: `ideamine run ${state.ideaFile}` } : null;
  if (json) {
    io.out(`${JSON.stringify({ runId: outcome.runId, slug: outcome.slug, status: outcome.status, exitCode, seconds, model: { id: state.modelId, provenance: state.provenance }, phases, budget: state.budget, blocked, paused, dossier: outcome.dossier, ...(push ? { push } : {}) }, null, 2)}\n`);
    return exitCode;
  }
  const rows = phases.map((p) => `  ${p.phase.padEnd(13)} ${p.status.padEnd(8)} ${String(p.attempts).padStart(3)}  ${p.score === null ? '   —' : p.score.toFixed(2).padStart(4)}  ${fmtTokens(p.tokens).padStart(12)}  ${fmtUsd(p.costUsd).padStart(12)}`);
  io.out(`\nRun ${outcome.runId}: ${outcome.status} in ${seconds.toFixed(1)} s (model ${state.modelId}, ${state.provenance})\n`);
  io.out(`  ${'phase'.padEnd(13)} ${'status'.padEnd(8)} att  score  ${'tokens'.padStart(12)}  ${'cost'.padStart(12)}\n${rows.join('\n')}\n`);
  io.out(`  total cost ${fmtUsd(state.budget.spentUsd)} of $${state.budget.usd.toFixed(2)} budget; tokens ${fmtTokens(state.budget.spentTokens)}\n`);
  if (outcome.dossier) {
    const d = outcome.dossier;
    io.out(`\nRelease dossier: ${d.published.committed ? `${d.published.paths.join(', ')} (${d.published.where})` : `${d.statePaths.join(', ')} on the state branch — not committed on your branch: ${d.published.where}`}\n`);
    io.out(`Digest sha256:${d.digest}\nCheck it any time: ideamine verify ${outcome.runId}\n`);
  }
  if (paused) {
    io.out(`\nPaused (${paused.reason}${paused.phase ? ` in ${paused.phase}` : ''}): finished work is saved; the run continues not before ${paused.notBefore}.\n`);
    io.out(`Continue it with \`${paused.continueWith}\` (it waits by itself when that time is under ${MAX_TIMER_WAIT_MS / 60_000} min away); in GitHub Actions the scheduled tick re-dispatches it.\n`);
  }
  for (const b of blocked) {
    io.out(`\nBlocked at ${b.phase} (${b.reason}): ${b.summary}\n\n${b.report}\n`);
    io.out(`To accept the phase as it is, grant a waiver, then run again:\n  ${b.waiveCommand}\n  ideamine run ${state.ideaFile}\n`);
  }
  return exitCode;
}
