// Markdown and Mermaid escaping for untrusted text (idea text, model output, review text).

/** Entities such as `&lt;` would render as the character they name: neutralise the `&`. */
const ENTITY = /&(?=#?[A-Za-z0-9]+;)/g;
/** Characters that start emphasis, code, links, HTML, strikethrough or tables anywhere in a line.
 * `_` between letters or digits is inert in GFM, so snake_case identifiers stay readable. */
const INLINE_ACTIVE = /[\\`*[\]<>|~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g;
/** Constructs that are only active at the start of a line (headings, quotes, lists, rules). */
const LINE_START = /^(\s*)([#>+=-])/;

/** Escapes a fragment of one line so it renders literally (no HTML, links, emphasis or code). */
const escapeFragment = (line: string): string => line.replace(ENTITY, '&amp;').replace(INLINE_ACTIVE, (c) => `\\${c}`);

/** Escapes text that starts a line (paragraph, list item): block markers there are active too. */
function escapeLine(line: string): string {
  const escaped = escapeFragment(line);
  // Numbered lists: escape the delimiter after the digits, not the digits themselves.
  const numbered = /^(\s*\d+)([.)])/.exec(escaped);
  if (numbered) return `${numbered[1] ?? ''}\\${escaped.slice((numbered[1] ?? '').length)}`;
  return escaped.replace(LINE_START, (_m, space: string, mark: string) => `${space}\\${mark}`);
}

const oneLine = (text: string): string => text.replace(/\s*\r?\n\s*/g, ' ').trim();

/** Text placed after other text on a line (headings, table cells, after a label): line breaks become spaces. */
export function escapeInline(text: string): string {
  return escapeFragment(oneLine(text));
}

/** Text that begins a line (a paragraph, a list item's content): line breaks become spaces. */
export function escapeParagraph(text: string): string {
  return escapeLine(oneLine(text));
}

/** Heading text: as inline, and a trailing run of `#` kept (ATX headings would drop it as a closing sequence). */
export function escapeHeading(text: string): string {
  return escapeInline(text).replace(/(^|\s)(#+)$/, '$1\\$2');
}

/** Text as paragraphs: lines escaped one by one, blank lines kept as paragraph breaks. */
export function escapeBlock(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n{2,}/)
    .map((para) => para.split('\n').map((line) => escapeLine(line.trim())).join('  \n'))
    .filter((para) => para !== '')
    .join('\n\n');
}

/** Text inside a GFM table cell: one line, `|` escaped, line breaks as `<br>`. */
export function escapeCell(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n').map((line) => line.trim());
  const cell = lines.map((line) => escapeFragment(line)).join('<br>');
  return cell === '' ? ' ' : cell;
}

const longestRun = (text: string, char: string): number => {
  let best = 0;
  let run = 0;
  for (const c of text) {
    run = c === char ? run + 1 : 0;
    best = Math.max(best, run);
  }
  return best;
};

/** An inline code span that cannot be closed early by backticks in `text`. */
export function codeSpan(text: string, inTable = false): string {
  const flat = text.replace(/\r?\n/g, ' ');
  const ticks = '`'.repeat(longestRun(flat, '`') + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  // GFM splits table rows on `|` even inside code spans; `\|` is the documented escape.
  const body = inTable ? flat.replace(/\|/g, '\\|') : flat;
  return `${ticks}${pad}${body}${pad}${ticks}`;
}

/** A fenced code block whose fence is longer than any backtick run in `content`. */
export function codeFence(content: string, language: string): string {
  const fence = '`'.repeat(Math.max(3, longestRun(content, '`') + 1));
  const body = content.endsWith('\n') ? content : `${content}\n`;
  return `${fence}${language}\n${body}${fence}`;
}

const ACRONYMS: Readonly<Record<string, string>> = {
  api: 'API', apis: 'APIs', id: 'ID', ids: 'IDs', url: 'URL', urls: 'URLs', ui: 'UI', ux: 'UX',
  prd: 'PRD', mvp: 'MVP', kpi: 'KPI', kpis: 'KPIs', sla: 'SLA', llm: 'LLM', http: 'HTTP',
  json: 'JSON', sql: 'SQL', qa: 'QA', ci: 'CI', cd: 'CD', usd: 'USD', faq: 'FAQ',
};

/** "open_questions" → "Open questions", "userStories" → "User stories", "api_keys" → "API keys". */
export function humaniseKey(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[\s_-]+/)
    .filter((w) => w !== '')
    .map((w) => w.toLowerCase());
  const text = words.map((w, i) => ACRONYMS[w] ?? (i === 0 ? w.charAt(0).toUpperCase() + w.slice(1) : w)).join(' ');
  return escapeInline(text === '' ? key : text);
}

const MERMAID_ENTITIES: Readonly<Record<string, string>> = {
  '"': '#quot;', '#': '#35;', '&': '#amp;', '<': '#lt;', '>': '#gt;', '`': '#96;',
  '[': '#91;', ']': '#93;', '{': '#123;', '}': '#125;', '(': '#40;', ')': '#41;', '|': '#124;',
};

/** Text for a quoted Mermaid label: quotes, brackets, HTML and markdown-string backticks as entity codes. */
export function mermaidText(text: string): string {
  return text.replace(/\s+/g, ' ').trim().replace(/["#&<>`[\]{}()|]/g, (c) => MERMAID_ENTITIES[c] ?? c);
}

const MERMAID_RESERVED = new Set(['end', 'graph', 'flowchart', 'subgraph', 'class', 'classdef', 'click', 'style', 'linkstyle', 'direction', 'call', 'href']);

/** A bare Mermaid node id for a phase id ("story-loop" → "story_loop"), unique within `taken`. */
export function mermaidId(raw: string, taken: Set<string>): string {
  let base = raw.replace(/[^A-Za-z0-9_]/g, '_');
  if (base === '' || /^[0-9]/.test(base) || MERMAID_RESERVED.has(base.toLowerCase())) base = `p_${base}`;
  let id = base;
  for (let n = 2; taken.has(id); n += 1) id = `${base}_${n}`;
  taken.add(id);
  return id;
}
