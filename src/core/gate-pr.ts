// The gate pull request's names, hidden marker, file and body (pure): what the forge writes and how it is found again.
import { canonicalJson } from './canonical.js';
import type { GateResult } from './gate-types.js';
import { escapeCell, escapeInline } from './markdown-escape.js';

/** GitHub refuses issue and PR bodies and comments of 65,536 characters or more. */
export const GITHUB_BODY_MAX = 65_536;
/** What we allow ourselves: room for the marker and the pointer to the full text. */
export const BODY_BUDGET = 60_000;
export const TITLE_MAX = 256;

export const gateBranch = (slug: string, phase: string): string => `ideamine-gate/${slug}/${phase}`;
export const gateFilePath = (slug: string, phase: string): string => `.ideamine/waivers/${slug}/${phase}.md`;

/** "Gate failed: <phase> — <idea name>", one line, capped. */
export function gateTitle(phase: string, ideaName: string): string {
  const title = `Gate failed: ${phase} — ${ideaName.replace(/\s+/g, ' ').trim()}`;
  return title.length <= TITLE_MAX ? title : `${title.slice(0, TITLE_MAX - 1)}…`;
}

/** What the hidden marker identifies: together with the head ref and the author, it finds our PR. */
export interface GateMarker {
  readonly slug: string;
  readonly phase: string;
  readonly runId: string;
  readonly attempt: number;
}

const MARKER_PREFIX = '<!-- ideamine:v1 ';
const MARKER = /<!-- ideamine:v1 (\{[^\n]*?\}) -->/;

/** `<!-- ideamine:v1 {json} -->`; "--" inside the JSON is escaped so it cannot close the comment. */
export function renderMarker(marker: GateMarker): string {
  const json = canonicalJson({ attempt: marker.attempt, phase: marker.phase, run: marker.runId, slug: marker.slug });
  return `${MARKER_PREFIX}${json.replace(/--/g, '-\\u002d')} -->`;
}

/** The marker in a body, or null when absent or malformed (a malformed marker is not ours). */
export function parseMarker(body: string | null | undefined): GateMarker | null {
  const match = MARKER.exec(body ?? '');
  if (!match?.[1]) return null;
  let data: unknown;
  try {
    data = JSON.parse(match[1]);
  } catch {
    return null;
  }
  if (data === null || typeof data !== 'object') return null;
  const { slug, phase, run, attempt } = data as Record<string, unknown>;
  if (typeof slug !== 'string' || typeof phase !== 'string' || typeof run !== 'string') return null;
  if (typeof attempt !== 'number' || !Number.isInteger(attempt)) return null;
  return { slug, phase, runId: run, attempt };
}

export const sameGate = (a: GateMarker | null, b: GateMarker): boolean => a !== null && a.slug === b.slug && a.phase === b.phase;

/**
 * Caps text for a body or comment: past `budget` characters it is cut at a line break and ends
 * with a pointer to where the full text lives.
 */
export function capText(text: string, pointer: string, budget = BODY_BUDGET): string {
  if (text.length <= budget) return text;
  const note = `\n\n… truncated (${text.length.toLocaleString('en-US')} characters). The full text is in ${pointer}.\n`;
  const room = Math.max(0, budget - note.length);
  const cut = text.lastIndexOf('\n', room);
  return `${text.slice(0, cut > room / 2 ? cut : room)}${note}`;
}

const fmt = (n: number | null): string => (n === null ? '—' : String(Math.round(n * 1000) / 1000));

/** The gate report as Markdown: score, metrics table and violations (all untrusted text escaped). */
export function gateReportMarkdown(gate: GateResult): string {
  const lines = [
    `**Score ${fmt(gate.score)}** (pass threshold ${fmt(gate.passThreshold)}), attempt ${gate.attempt}.`,
    '',
    '| metric | value | threshold | weight | required | result | how |',
    '|---|---|---|---|---|---|---|',
    ...gate.metrics.map((m) =>
      `| ${escapeCell(m.id)} | ${fmt(m.value)} | ${m.operator} ${fmt(m.threshold)} | ${fmt(m.weight)} | ${m.required ? 'yes' : 'no'} | ${m.passed === null ? 'not judged' : m.passed ? 'pass' : '**fail**'} | ${escapeCell(`${m.method}: ${m.detail}`)} |`),
  ];
  if (gate.failedRequired.length > 0) lines.push('', `Required metrics failed: ${gate.failedRequired.map(escapeInline).join(', ')}.`);
  if (gate.notJudged.length > 0) lines.push('', `Not judged (weights re-normalised): ${gate.notJudged.map(escapeInline).join(', ')}.`);
  const violations = gate.metrics.flatMap((m) => m.violations.map((v) => `- ${escapeInline(m.id)}: ${escapeInline(v)}`));
  if (violations.length > 0) lines.push('', '### Violations', '', ...violations);
  return lines.join('\n');
}

export interface GatePrContent {
  readonly marker: GateMarker;
  readonly ideaName: string;
  readonly gate: GateResult;
  /** Whether the idea's own author may waive (the workflow's setting), said in the instructions. */
  readonly allowSelfWaiver: boolean;
  /** Waiver lifetime shown to the reviewer, e.g. "30 days"; null when waivers do not expire. */
  readonly waiverExpiry: string | null;
}

function howToAnswer(content: GatePrContent): string[] {
  return [
    '### How to answer',
    '',
    '- **Approve** this pull request to waive the gate: the review text is the justification (required).',
    '- **Request changes** to send the review text to the phase\'s agents as guidance; the phase runs again.',
    '- Or comment `/ideamine waive <justification>` or `/ideamine guide <guidance>`.',
    '- Closing this pull request unmerged refuses the waiver.',
    '',
    `Only reviews on the latest commit count, from people with write, maintain or admin access; bots never count.${
      content.allowSelfWaiver ? '' : ' The idea\'s own author cannot waive.'}${
      content.waiverExpiry === null ? '' : ` A waiver expires after ${content.waiverExpiry}.`}`,
  ];
}

/** The file the PR adds (the full report, never truncated). */
export function gateFileMarkdown(content: GatePrContent): string {
  const { marker } = content;
  return [
    `# ${escapeInline(gateTitle(marker.phase, content.ideaName))}`,
    '',
    `Run \`${marker.runId}\`, phase \`${marker.phase}\`, attempt ${marker.attempt}.`,
    '',
    gateReportMarkdown(content.gate),
    '',
    ...howToAnswer(content),
    '',
  ].join('\n');
}

/** The PR body: marker, report (capped, pointing at the file) and how to answer. */
export function gatePrBody(content: GatePrContent): string {
  const { marker } = content;
  const file = gateFilePath(marker.slug, marker.phase);
  const tail = ['', ...howToAnswer(content), '', renderMarker(marker)].join('\n');
  const head = [
    `IdeaMine's gate for phase \`${marker.phase}\` still fails after its loops (run \`${marker.runId}\`, attempt ${marker.attempt}).`,
    '',
    gateReportMarkdown(content.gate),
  ].join('\n');
  return `${capText(head, `\`${file}\` in this pull request`, BODY_BUDGET - tail.length)}${tail}`;
}
