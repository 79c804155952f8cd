// Guard: scores a phase gate from its metrics and turns failures into feedback for Heal.
import type { GateInput, GateResult, MetricResult } from './gate-types.js';
import { evaluateMetric, formatNumber } from './metrics.js';

/** Scores are rounded to 6 decimals so ledger entries and reports read the same number everywhere. */
const round6 = (n: number): number => Math.round(n * 1e6) / 1e6;

/**
 * Credit a metric earns towards the score: 1 when passed; a failed lower bound ('>=', '>' with a
 * positive threshold) earns value/threshold clamped to [0, 1]; a failed upper bound or equality
 * earns 0 (being "a bit over" a secrets limit is not partly fine). Not-judged metrics earn
 * nothing and carry no weight.
 */
export function credit(metric: MetricResult): number {
  if (metric.value === null || metric.passed === null) return 0;
  if (metric.passed) return 1;
  if ((metric.operator === '>=' || metric.operator === '>') && metric.threshold > 0) {
    return Math.min(1, Math.max(0, metric.value / metric.threshold));
  }
  return 0;
}

/**
 * Evaluates every metric of the phase's gate. score = Σ weight·credit / Σ weight over metrics
 * that have a value; not-judged metrics drop out and the remaining weights are re-normalised
 * (listed in notJudged, so the report can say so). passed = score >= passThreshold and no
 * required metric with a value failed; a required metric that was not judged does not block.
 *
 * A gate with no measurable weight (every weighted metric not judged, or all weights 0) scores 0
 * and does not pass: passing it would be a guess, and a human can still waive it.
 */
export function evaluateGate(input: GateInput): GateResult {
  const metrics = input.phase.gate.metrics.map((metric) => evaluateMetric(metric, input));
  const measured = metrics.filter((m) => m.value !== null);
  const totalWeight = measured.reduce((sum, m) => sum + m.weight, 0);
  const earned = measured.reduce((sum, m) => sum + m.weight * credit(m), 0);
  const score = totalWeight > 0 ? round6(earned / totalWeight) : 0;
  const failedRequired = metrics.filter((m) => m.required && m.passed === false).map((m) => m.id);
  const passThreshold = input.phase.gate.passThreshold;
  return {
    phase: input.phase.id,
    attempt: input.attempt,
    score,
    passThreshold,
    passed: totalWeight > 0 && score >= passThreshold && failedRequired.length === 0,
    metrics,
    notJudged: metrics.filter((m) => m.value === null).map((m) => m.id),
    failedRequired,
  };
}

export const FEEDBACK_MAX_LINES = 20;
export const FEEDBACK_MAX_BYTES = 4096;

const utf8Bytes = (text: string): number => new TextEncoder().encode(text).length;

/** "0.75, needs >= 0.9 (short by 0.15)" — the gap is what tells an agent how far off it is. */
function shortfall(m: MetricResult): string {
  const value = m.value ?? 0;
  const gap = Math.abs(m.threshold - value);
  const word = m.operator === '<=' || m.operator === '<' ? 'over by' : m.operator === '==' ? 'off by' : 'short by';
  return `${formatNumber(value)}, needs ${m.operator} ${formatNumber(m.threshold)} (${word} ${formatNumber(gap)})`;
}

/**
 * Concise lines for the producing agents on heal: each failed metric (required ones first, then
 * by weight) as "<id>: <value vs threshold> — <detail>", followed by its violations. Capped at
 * 20 lines and 4 KB, the last line saying how many were left out.
 */
export function feedbackFor(result: GateResult): string[] {
  const failed = result.metrics
    .filter((m) => m.passed === false)
    .sort((a, b) => Number(b.required) - Number(a.required) || b.weight - a.weight);
  const all: string[] = [];
  if (failed.length === 0 && !result.passed) {
    all.push(`gate: score ${formatNumber(result.score)} below pass threshold ${formatNumber(result.passThreshold)} with nothing measurable to fix; a human must judge or waive`);
  }
  for (const m of failed) {
    all.push(`${m.id}${m.required ? ' (required)' : ''}: ${shortfall(m)} — ${m.detail}`);
    for (const v of m.violations) all.push(`${m.id}: ${v}`);
  }
  const lines = all.map((line) => (line.length > 400 ? `${line.slice(0, 399)}…` : line));
  const size = (list: readonly string[]): number => list.reduce((sum, line) => sum + utf8Bytes(line) + 1, 0);
  if (lines.length <= FEEDBACK_MAX_LINES && size(lines) <= FEEDBACK_MAX_BYTES) return lines;
  const out: string[] = [];
  let bytes = 0;
  // One line and ~80 bytes stay free for the note that says how much was left out.
  for (const line of lines) {
    const next = utf8Bytes(line) + 1;
    if (out.length >= FEEDBACK_MAX_LINES - 1 || bytes + next > FEEDBACK_MAX_BYTES - 80) break;
    out.push(line);
    bytes += next;
  }
  out.push(`… ${lines.length - out.length} more line(s) left out`);
  return out;
}
