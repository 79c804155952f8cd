// RELEASE_DOSSIER.md: a readable rendering of the dossier JSON (every number comes from that JSON).
import type { DossierJson, DossierNote, DossierPhase } from './dossier.js';
import { codeSpan, escapeCell, escapeHeading, escapeInline, escapeParagraph, mermaidId, mermaidText } from './markdown-escape.js';
import { provenanceBanner } from './markdown.js';

/** 1234567 → "1,234,567" (no locale: the output must be byte-identical everywhere). */
export function groupDigits(n: number): string {
  const [int = '', frac] = String(Math.abs(n)).split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${n < 0 ? '-' : ''}${grouped}${frac === undefined ? '' : `.${frac}`}`;
}

const fmtScore = (n: number): string => n.toFixed(2);
const fmtValue = (n: number): string => {
  if (Number.isInteger(n)) return groupDigits(n);
  const rounded = Math.round(n * 1000) / 1000;
  return rounded === 0 ? n.toPrecision(2) : String(rounded);
};
const fmtUsd = (n: number): string => `$${n.toFixed(n !== 0 && Math.abs(n) < 0.01 ? 6 : 4)}`;

/** What an unmeasured token or cost figure is called, and why. */
function unmeasured(json: DossierJson, phase: DossierPhase | null): string {
  if (json.model.provenance === 'offline') return 'not measured (offline)';
  if (json.model.provenance === 'replay-synthetic') return 'not measured (synthetic replay)';
  return phase !== null && phase.modelCalls === 0 ? '—' : 'not measured';
}

const STATUS_MARK: Readonly<Record<DossierPhase['status'], string>> = {
  passed: '✓ passed', blocked: '✗ blocked', waived: '⚠ waived', running: '… running', pending: '○ pending',
};

function nodeLabel(p: DossierPhase): string {
  const score = p.score === null ? null : fmtScore(p.score);
  const tail = {
    passed: score === null ? '✓' : `${score} ✓`,
    blocked: score === null ? '✗ blocked' : `${score} ✗ blocked`,
    waived: score === null ? '⚠ waived' : `${score} ⚠ waived`,
    running: score === null ? 'running' : `${score} running`,
    pending: 'pending',
  }[p.status];
  return `${mermaidText(p.title)}<br/>${tail}`;
}

const CLASS_STYLE: Readonly<Record<DossierPhase['status'], string>> = {
  passed: 'fill:#dcfce7,stroke:#15803d,color:#14532d',
  blocked: 'fill:#fee2e2,stroke:#b91c1c,color:#7f1d1d',
  waived: 'fill:#fef3c7,stroke:#b45309,color:#78350f',
  running: 'fill:#dbeafe,stroke:#1d4ed8,color:#1e3a8a',
  pending: 'fill:#f3f4f6,stroke:#6b7280,color:#374151',
};

/** A `flowchart LR` with one node per phase (score and status in its label) and one edge per need. */
export function phaseFlowchart(json: DossierJson): string {
  const taken = new Set<string>(['idea_run']);
  const ids = new Map(json.phases.map((p) => [p.id, mermaidId(p.id, taken)] as const));
  const lines = ['```mermaid', 'flowchart LR', `  subgraph idea_run["${mermaidText(json.idea.content.name)}"]`];
  for (const p of json.phases) lines.push(`    ${ids.get(p.id) ?? ''}["${nodeLabel(p)}"]`);
  lines.push('  end');
  for (const p of json.phases) {
    for (const need of p.needs) {
      const from = ids.get(need);
      if (from !== undefined) lines.push(`  ${from} --> ${ids.get(p.id) ?? ''}`);
    }
  }
  for (const status of Object.keys(CLASS_STYLE) as DossierPhase['status'][]) {
    const members = json.phases.filter((p) => p.status === status).map((p) => ids.get(p.id) ?? '');
    if (members.length === 0) continue;
    lines.push(`  classDef ${status} ${CLASS_STYLE[status]}`, `  class ${members.join(',')} ${status}`);
  }
  lines.push('```');
  return lines.join('\n');
}

function tokensText(json: DossierJson, p: DossierPhase | null, tokens: DossierPhase['tokens']): string {
  return tokens === null ? unmeasured(json, p) : `${groupDigits(tokens.input)} in · ${groupDigits(tokens.output)} out`;
}

function phaseTable(json: DossierJson): string {
  const rows = json.phases.map((p) => {
    const cells = [
      `${escapeCell(p.title)} (${codeSpan(p.id, true)})`, STATUS_MARK[p.status], String(p.attempts),
      p.score === null ? '—' : fmtScore(p.score), tokensText(json, p, p.tokens),
      p.costUsd === null ? unmeasured(json, p) : fmtUsd(p.costUsd), String(p.modelCalls), `${p.tasksRun} / ${p.tasksReused}`,
    ];
    return `| ${cells.join(' | ')} |`;
  });
  return [
    '| Phase | Status | Attempts | Score | Tokens | Cost | Model calls | Tasks run / reused |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

function phaseSection(json: DossierJson, p: DossierPhase): string[] {
  const out = [`### ${escapeInline(p.title)} (${codeSpan(p.id)})`];
  const score = p.score === null ? 'no gate score' : `score ${fmtScore(p.score)}${p.passThreshold === null ? '' : ` (passes at ${fmtScore(p.passThreshold)})`}`;
  out.push(`**Status:** ${STATUS_MARK[p.status]} · **Attempts:** ${p.attempts} · **Gate:** ${score}`);
  if (p.blockedReason !== null && p.blockedReason !== '') {
    const label = p.status === 'blocked' ? 'Blocked' : 'Was blocked';
    const summary = p.blockedSummary === null || p.blockedSummary === '' ? '' : ` ${escapeInline(p.blockedSummary)}`;
    out.push(`**${label} (${escapeInline(p.blockedReason)}):**${summary}`);
  }
  if (p.metrics.length > 0) {
    const rows = p.metrics.map((m) => {
      const result = m.passed === null ? 'not judged' : m.passed ? '✓ pass' : '✗ fail';
      const value = m.value === null ? '—' : fmtValue(m.value);
      return `| ${codeSpan(m.id, true)} | ${m.method.replace('-', ' ')} | ${value} | ${codeSpan(`${m.operator} ${fmtValue(m.threshold)}`, true)} | ${result} |`;
    });
    out.push(['| Metric | Method | Value | Target | Result |', '| --- | --- | --- | --- | --- |', ...rows].join('\n'));
    const failing = p.metrics.filter((m) => m.passed === false).map((m) => codeSpan(m.id));
    out.push(failing.length === 0 ? 'No metric failed.' : `Failing metrics: ${failing.join(', ')}.`);
  } else {
    out.push('No gate result was recorded for this phase.');
  }
  if (p.artifacts.length > 0) {
    const branch = codeSpan(json.ledger.stateBranch);
    out.push(p.artifacts.map((a) => `- ${codeSpan(a.path)} on branch ${branch} (sha256 ${codeSpan(a.sha256.slice(0, 12))}…)`).join('\n'));
  }
  return out;
}

function waiverSection(json: DossierJson): string {
  if (json.waivers.length === 0) return 'No waivers were granted.';
  const rows = json.waivers.map((w) => {
    const cells = [
      codeSpan(w.phase, true), escapeCell(w.by), escapeCell(w.justification),
      w.control === null ? 'none stated' : escapeCell(w.control), escapeCell(w.grantedAt),
      w.expiresAt === null ? 'never' : escapeCell(w.expiresAt), escapeCell(w.source),
    ];
    return `| ${cells.join(' | ')} |`;
  });
  return [
    '| Phase | Approved by | Justification | Compensating control | Granted | Expires | Source |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

const notesList = (notes: readonly DossierNote[], none: string): string =>
  notes.length === 0 ? none : notes.map((n) => `- ${codeSpan(n.phase)} · ${escapeInline(n.role)}: ${escapeInline(n.text)}`).join('\n');

function totalsSection(json: DossierJson): string {
  const t = json.totals.tokens;
  const tokens = t === null
    ? unmeasured(json, null)
    : `${groupDigits(t.input)} input, ${groupDigits(t.output)} output, ${groupDigits(t.cacheRead)} cache read, ${groupDigits(t.cacheWrite)} cache write`;
  const cost = json.totals.costUsd === null ? unmeasured(json, null) : fmtUsd(json.totals.costUsd);
  return [`- **Tokens:** ${tokens}`, `- **Cost:** ${cost}`, `- **Model calls:** ${groupDigits(json.totals.modelCalls)}`].join('\n');
}

export function renderDossierMarkdown(json: DossierJson): string {
  const idea = json.idea.content;
  const out = [`# Release dossier: ${escapeHeading(idea.name)}`];
  const banner = provenanceBanner(json.model.provenance);
  if (banner !== null) out.push(`> **${escapeInline(banner)}**`);
  else if (json.model.note !== null) out.push(`> ${escapeInline(json.model.note)}`);
  out.push(
    escapeParagraph(idea.description),
    `**Category:** ${escapeInline(idea.category)} · **Complexity:** ${escapeInline(idea.complexity)} · **Platform:** ${escapeInline(idea.technical_requirements.platform)} · **Idea file:** ${codeSpan(json.idea.file)}`,
    `**Status:** ${escapeInline(json.status)} · **Run:** ${codeSpan(json.runId)} · **Model:** ${codeSpan(json.model.id)} (${escapeInline(json.model.provenance)}) · **Generated:** ${escapeInline(json.generatedAt)} by ideamine ${escapeInline(json.generator.version)}`,
    '## Phases', phaseFlowchart(json), phaseTable(json),
    '## Gate results', ...json.phases.flatMap((p) => phaseSection(json, p)),
    '## Waivers', waiverSection(json),
    '## Assumptions', notesList(json.assumptions, 'No assumptions were recorded.'),
    '## Open questions', notesList(json.questions, 'No open questions were recorded.'),
    '## Cost and tokens', totalsSection(json),
    '## Integrity',
    [
      `- **Ledger head:** ${codeSpan(json.ledger.headHash)} (seq ${json.ledger.seq}) on branch ${codeSpan(json.ledger.stateBranch)}`,
      `- **Digest:** SHA-256 ${codeSpan(json.digest.value)} over the canonical JSON of \`release-dossier.json\` without its \`digest\` field`,
    ].join('\n'),
    `To verify, run ${codeSpan(`ideamine verify ${json.runId}`)}: it re-checks the ledger's hash chain on the state branch and recomputes this digest; committing this file on the default branch is what makes a later rewrite of the state branch detectable.`,
  );
  return `${out.join('\n\n')}\n`;
}
