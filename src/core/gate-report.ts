// The gate report in Markdown: CLI output, gate PR bodies and the release dossier all show this text.
import type { GateResult, MetricResult } from './gate-types.js';
import { credit } from './gate.js';
import { codeSpan, escapeCell, escapeInline } from './markdown-escape.js';
import { formatNumber } from './metrics.js';

/** PR bodies stop at 65,536 characters; the margin leaves room for the marker and a preface. */
export const REPORT_MAX_CHARS = 60_000;

export interface GateReportContext {
  readonly ideaName: string;
  readonly phaseTitle: string;
  readonly attemptsTried: number;
  readonly maxAttempts: number;
}

const mark = (passed: boolean | null): string => (passed === null ? '—' : passed ? '✓' : '✗');

/** Model-written text (descriptions, rationales, violations) is untrusted: cells are escaped. */
function row(m: MetricResult): string {
  const cells = [
    `${codeSpan(m.id, true)} ${escapeCell(m.description.slice(0, 200))}`,
    m.kind,
    m.value === null ? '—' : formatNumber(m.value),
    `${m.operator} ${formatNumber(m.threshold)}`,
    formatNumber(m.weight),
    m.required ? 'yes' : 'no',
    m.method,
    mark(m.passed),
    escapeCell(m.detail.slice(0, 300)),
  ];
  return `| ${cells.join(' | ')} |`;
}

function verdictLine(result: GateResult): string {
  if (result.passed) return `**Verdict: passed** — score ${formatNumber(result.score)} ≥ pass threshold ${formatNumber(result.passThreshold)}.`;
  const reasons: string[] = [];
  if (result.metrics.every((m) => m.value === null || m.weight === 0)) reasons.push('nothing measurable: no weighted metric has a value');
  else if (result.score < result.passThreshold) reasons.push(`score ${formatNumber(result.score)} < pass threshold ${formatNumber(result.passThreshold)}`);
  if (result.failedRequired.length > 0) reasons.push(`required metric(s) failed: ${result.failedRequired.map((id) => codeSpan(id)).join(', ')}`);
  return `**Verdict: failed** — ${reasons.join('; ')}.`;
}

function notJudgedNote(result: GateResult): string[] {
  if (result.notJudged.length === 0) return [];
  const byId = new Map(result.metrics.map((m) => [m.id, m]));
  const left = result.notJudged.reduce((sum, id) => sum + (byId.get(id)?.weight ?? 0), 0);
  const all = result.metrics.reduce((sum, m) => sum + m.weight, 0);
  return [
    '### Not judged',
    '',
    `${result.notJudged.map((id) => codeSpan(id)).join(', ')}: no model able to judge (offline). ` +
      `Their weight (${formatNumber(left)} of ${formatNumber(all)}) is left out and the score is over the remaining ` +
      'metrics only; nothing was guessed. Run with a model, or review these points by hand before waiving.',
    '',
  ];
}

function attemptsLine(result: GateResult, context: GateReportContext): string {
  const tried = `${context.attemptsTried} of ${context.maxAttempts} attempt(s) tried`;
  if (result.passed) return `${tried}; the gate passed on attempt ${result.attempt}.`;
  if (context.attemptsTried >= context.maxAttempts) {
    return `${tried}; each retry fed the violations back to the producing agents. No attempts remain: a maintainer can waive the gate (approve) or send guidance (request changes).`;
  }
  return `${tried}; the next attempt feeds the violations above back to the producing agents.`;
}

/** Violation lists of failed metrics, within `budget` characters; the rest is counted, not shown. */
function violationSection(result: GateResult, budget: number): string[] {
  const failed = result.metrics.filter((m) => m.passed === false);
  if (failed.length === 0) return [];
  const lines = ['### Violations', ''];
  let used = lines.join('\n').length;
  let omitted = 0;
  for (const m of failed) {
    const earned = `Weight ${formatNumber(m.weight)}, of which it earned ${formatNumber(m.weight * credit(m))} (partial credit).`;
    const block = [`#### ${codeSpan(m.id)} — ${escapeInline(m.detail.slice(0, 300))}`, '', earned, ''];
    const items = m.violations.map((v) => `- ${codeSpan(v.slice(0, 1000))}`);
    for (const line of [...block, ...items, '']) {
      if (omitted > 0 || used + line.length + 1 > budget) {
        if (line.startsWith('- ')) omitted += 1;
        continue;
      }
      lines.push(line);
      used += line.length + 1;
    }
  }
  if (omitted > 0) lines.push(`_${omitted} violation line(s) left out to keep this report under ${REPORT_MAX_CHARS.toLocaleString('en-US')} characters._`, '');
  return lines;
}

/** Markdown report of one gate evaluation, always under REPORT_MAX_CHARS characters. */
export function gateReport(result: GateResult, context: GateReportContext): string {
  const head = [
    `## Gate ${result.passed ? 'passed ✓' : 'failed ✗'}: ${escapeInline(context.phaseTitle)} — ${escapeInline(context.ideaName)}`,
    '',
    verdictLine(result),
    '',
    `Phase ${codeSpan(result.phase)}, attempt ${result.attempt}. Score ${formatNumber(result.score)} (pass threshold ${formatNumber(result.passThreshold)}).`,
    '',
    '| Metric | Kind | Value | Target | Weight | Required | Method | Passed | How obtained |',
    '|---|---|---|---|---|---|---|---|---|',
    ...result.metrics.map(row),
    '',
  ];
  const tail = [...notJudgedNote(result), '### What was tried', '', attemptsLine(result, context), ''];
  const fixed = head.join('\n').length + tail.join('\n').length + 2;
  const report = [...head, ...violationSection(result, REPORT_MAX_CHARS - fixed - 200), ...tail].join('\n');
  // A table of hundreds of metrics could still overflow; cut hard rather than break the PR.
  return report.length <= REPORT_MAX_CHARS ? report : `${report.slice(0, REPORT_MAX_CHARS - 60)}\n\n_Report truncated at ${REPORT_MAX_CHARS} characters._\n`;
}
