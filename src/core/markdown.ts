// Readable Markdown for any artifact JSON: headings, lists, tables and code fences, all escaped.
import type { Json } from './canonical.js';
import { codeFence, escapeBlock, escapeCell, escapeHeading, escapeInline, escapeParagraph, humaniseKey } from './markdown-escape.js';

export interface ArtifactNotes {
  readonly provenance: string;
  readonly phase: string;
  readonly role: string;
}

/** The warning an offline or synthetic artifact carries at its top; null for real model output. */
export function provenanceBanner(provenance: string): string | null {
  if (provenance === 'offline') {
    return 'Drafted offline by the built-in drafter (no model was called); judged metrics were not judged.';
  }
  if (provenance === 'replay-synthetic') {
    return 'Synthetic replay: served from a hand-written cassette (no model was called); this is not real model output and judged metrics were not judged by a real model.';
  }
  return null;
}

export function artifactMarkdown(title: string, artifact: Json, notes: ArtifactNotes): string {
  // The banner comes first so nobody reads drafted text as model output, even in a preview.
  const banner = provenanceBanner(notes.provenance);
  const out: string[] = banner === null ? [] : [`> **${escapeInline(banner)}**`];
  out.push(`# ${escapeHeading(title)}`);
  out.push(`Phase: **${escapeInline(notes.phase)}** · Role: **${escapeInline(notes.role)}** · Provenance: **${escapeInline(notes.provenance)}**`);
  if (isObject(artifact)) {
    // Top-level keys always get their own heading, scalars included: they are the artifact's sections.
    for (const [key, value] of Object.entries(artifact)) {
      out.push(`## ${humaniseKey(key)}`);
      out.push(...renderValue(value, 3, key, artifact));
    }
  } else {
    out.push(...renderValue(artifact, 2, null, null));
  }
  return `${out.filter((block) => block !== '').join('\n\n')}\n`;
}

type JsonObject = { [key: string]: Json };
const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const isScalar = (v: Json | undefined): v is string | number | boolean | null => v === null || typeof v !== 'object';
const NONE = '_None._';
const MAX_TABLE_COLUMNS = 6;
/** Longer text reads better as its own paragraph than squeezed into a cell. */
const MAX_CELL_CHARS = 240;

const LANGUAGES: Readonly<Record<string, string>> = {
  ts: 'typescript', tsx: 'tsx', mts: 'typescript', cts: 'typescript', js: 'javascript', jsx: 'jsx', mjs: 'javascript',
  cjs: 'javascript', json: 'json', md: 'markdown', yml: 'yaml', yaml: 'yaml', py: 'python', go: 'go', rs: 'rust',
  java: 'java', kt: 'kotlin', rb: 'ruby', sh: 'bash', bash: 'bash', css: 'css', scss: 'scss', html: 'html', sql: 'sql',
  toml: 'toml', swift: 'swift', c: 'c', h: 'c', cpp: 'cpp', cs: 'csharp', php: 'php', xml: 'xml', graphql: 'graphql',
  prisma: 'prisma', tf: 'hcl', ini: 'ini', vue: 'vue', svelte: 'svelte', dockerfile: 'dockerfile', txt: 'text',
};

/** Fence language from a file path; only names from the table above, never the raw extension. */
export function languageFor(path: string): string {
  const name = path.split('/').at(-1)?.toLowerCase() ?? '';
  if (name === 'dockerfile' || name.startsWith('dockerfile.')) return 'dockerfile';
  if (name === 'makefile') return 'makefile';
  const ext = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1) : '';
  return LANGUAGES[ext] ?? '';
}

function scalarText(value: string | number | boolean | null): string {
  if (value === null) return '—';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return typeof value === 'number' ? String(value) : escapeInline(value);
}

const heading = (level: number, text: string): string =>
  level <= 6 ? `${'#'.repeat(level)} ${text}` : `**${text}**`;

/** Renders one value whose heading (if any) is already written; `level` is for headings below it. */
function renderValue(value: Json, level: number, key: string | null, siblings: JsonObject | null): string[] {
  if (typeof value === 'string') {
    const path = siblings?.['path'];
    if (key === 'content' && (typeof path === 'string' || value.includes('\n'))) {
      return [codeFence(value, typeof path === 'string' ? languageFor(path) : '')];
    }
    return [value.trim() === '' ? NONE : escapeBlock(value)];
  }
  if (isScalar(value)) return [value === null ? NONE : scalarText(value)];
  if (Array.isArray(value)) return renderArray(value, level);
  return renderObject(value, level);
}

function renderObject(value: JsonObject, level: number): string[] {
  const entries = Object.entries(value);
  if (entries.length === 0) return [NONE];
  const out: string[] = [];
  let facts: string[] = [];
  const flush = (): void => {
    if (facts.length > 0) out.push(facts.join('\n'));
    facts = [];
  };
  for (const [key, child] of entries) {
    const inlineable = isScalar(child) && !(typeof child === 'string' && (child.includes('\n') || key === 'content'));
    if (inlineable) {
      facts.push(`- **${humaniseKey(key)}:** ${scalarText(child)}`);
      continue;
    }
    flush();
    out.push(heading(level, humaniseKey(key)), ...renderValue(child, level + 1, key, value));
  }
  flush();
  return out;
}

/** Columns of an array of flat objects, or null when it is better shown item by item. */
function tableColumns(items: readonly Json[]): string[] | null {
  const columns: string[] = [];
  for (const item of items) {
    if (!isObject(item)) return null;
    for (const [key, cell] of Object.entries(item)) {
      if (!isScalar(cell) || key === 'content' || (typeof cell === 'string' && cell.length > MAX_CELL_CHARS)) return null;
      if (!columns.includes(key)) columns.push(key);
    }
  }
  return columns.length > 0 && columns.length <= MAX_TABLE_COLUMNS ? columns : null;
}

function cellText(value: Json | undefined): string {
  if (value === undefined || value === null) return '—';
  if (typeof value === 'string') return escapeCell(value);
  return isScalar(value) ? scalarText(value) : escapeCell(JSON.stringify(value));
}

/** A label for one item of a list of objects: its name, title, id or path, else its position. */
function itemLabel(item: JsonObject, index: number): string {
  for (const key of ['name', 'title', 'id', 'path']) {
    const candidate = item[key];
    if (typeof candidate === 'string' && candidate.trim() !== '') return escapeHeading(candidate);
  }
  return `Item ${index + 1}`;
}

function renderArray(items: readonly Json[], level: number): string[] {
  if (items.length === 0) return [NONE];
  if (items.every((item) => isScalar(item))) {
    return [items.map((item) => `- ${typeof item === 'string' ? escapeParagraph(item) : scalarText(item)}`).join('\n')];
  }
  const columns = tableColumns(items);
  if (columns) {
    const header = `| ${columns.map((c) => humaniseKey(c)).join(' | ')} |`;
    const rule = `|${columns.map(() => ' --- |').join('')}`;
    const rows = items.map((item) => `| ${columns.map((c) => cellText(isObject(item) ? item[c] : undefined)).join(' | ')} |`);
    return [[header, rule, ...rows].join('\n')];
  }
  const out: string[] = [];
  items.forEach((item, index) => {
    const label = isObject(item) ? itemLabel(item, index) : `Item ${index + 1}`;
    out.push(heading(level, label), ...renderValue(item, level + 1, null, null));
  });
  return out;
}
