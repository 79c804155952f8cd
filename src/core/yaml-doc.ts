// YAML text to plain JSON data, with every issue (syntax, aliases, schema) located as file:line:col.
import { isMap, isNode, isScalar, LineCounter, parseDocument, visit, type Document } from 'yaml';
import type { Json } from './canonical.js';
import { validateAgainst } from './validate.js';

export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly issues: string[] };
export interface Position { readonly line: number; readonly col: number }
export type PathSegment = string | number;

/** Aliases are legal YAML but no input here needs many; a small cap defeats "billion laughs". */
export const MAX_ALIASES = 50;

export interface YamlData {
  readonly value: unknown;
  /** Where the node at `path` starts or, with `key`, where that key of the mapping at `path` is written. */
  locate(path: readonly PathSegment[], key?: string): Position | undefined;
}

/** One issue line: "file:LINE:COL: field: message — fix". */
export function formatIssue(file: string, pos: Position | undefined, field: string, message: string, fix?: string): string {
  return `${file}${pos ? `:${pos.line}:${pos.col}` : ''}: ${field}: ${message}${fix ? ` — ${fix}` : ''}`;
}

/** "(root)", "technical_requirements.budget", "core_features[2]". */
export function fieldName(path: readonly PathSegment[]): string {
  if (path.length === 0) return '(root)';
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

/** The same path with indices generalised, for hint tables: "core_features[]". */
export const genericField = (path: readonly PathSegment[]): string =>
  fieldName(path.map((s) => (typeof s === 'number' ? 0 : s))).replace(/\[0\]/g, '[]');

const SYNTAX_FIX: Record<string, string> = {
  DUPLICATE_KEY: 'each key may appear once: delete the repeated key or merge the two',
  TAB_AS_INDENT: 'indent with spaces, not tabs',
  MISSING_CHAR: 'close the quote or bracket that was opened',
  MULTIPLE_DOCS: 'keep a single YAML document: remove the extra "---" line',
  BAD_INDENT: 'line the entries up with the same indentation',
  BLOCK_AS_IMPLICIT_KEY: 'put a nested mapping on its own indented lines, and quote values that contain ": "',
  MULTILINE_IMPLICIT_KEY: 'check the indentation, and quote values that contain ": "',
  TAG_RESOLVE_FAILED: 'remove the custom "!" tag; plain strings, numbers and lists are all that is needed',
};

/** Parses one YAML document. `lineOffset` is the number of lines above `text` in the file (front matter). */
export function parseYaml(file: string, text: string, lineOffset = 0): ParseResult<YamlData> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  const at = (offset: number): Position => {
    const p = lineCounter.linePos(offset);
    return { line: Math.max(p.line, 1) + lineOffset, col: Math.max(p.col, 1) };
  };
  const locate = (path: readonly PathSegment[], key?: string): Position | undefined => locateIn(doc, path, key, at);

  // One complaint per line: a single slip (a tab, a missing bracket) makes yaml report the same line repeatedly.
  const seenLines = new Set<number>();
  const problems: string[] = [];
  for (const e of [...doc.errors, ...doc.warnings]) {
    const first = e.message.split('\n')[0] ?? e.message;
    const pos = e.linePos?.[0];
    const where = pos ? { line: pos.line + lineOffset, col: pos.col } : at(e.pos[0]);
    if (seenLines.has(where.line)) continue;
    seenLines.add(where.line);
    const message = e.code === 'MULTIPLE_DOCS' ? 'a second YAML document starts here' : first.replace(/ at line \d+, column \d+:?$/, '');
    problems.push(formatIssue(file, where, '(yaml)', message, SYNTAX_FIX[e.code] ?? 'fix the YAML syntax at this spot'));
  }
  // Keys that are lists or mappings cannot become JSON object keys; refuse them before toJS stringifies them.
  visit(doc, {
    Pair(_key, pair) {
      if (pair.key !== null && !isScalar(pair.key)) {
        const where = isNode(pair.key) && pair.key.range ? at(pair.key.range[0]) : undefined;
        problems.push(formatIssue(file, where, '(yaml)', 'a key must be a plain name, not a list or mapping', 'write the key as a word, e.g. name:'));
      }
    },
  });
  if (problems.length > 0) return { ok: false, issues: problems };

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (caught) {
    const reason = caught instanceof Error ? caught.message : String(caught);
    const bomb = /resource exhaustion|excessive alias/i.test(reason);
    return { ok: false, issues: [formatIssue(file, firstAlias(doc, at), '(yaml)',
      bomb ? `aliases expand too far (more than ${MAX_ALIASES} uses): refused as a possible alias bomb` : reason,
      bomb ? 'write the values out in full instead of repeating *aliases' : 'define each &anchor before its *alias')] };
  }
  const issues: string[] = [];
  checkPlain(value, [], (path, what) => {
    issues.push(formatIssue(file, locate(path), fieldName(path), `${what} is not allowed here`, 'use plain strings, numbers, lists and mappings'));
  });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: { value, locate } };
}

function locateIn(doc: Document, path: readonly PathSegment[], key: string | undefined, at: (o: number) => Position): Position | undefined {
  for (let n = path.length; n >= 0; n -= 1) {
    const prefix = path.slice(0, n);
    const node = prefix.length === 0 ? doc.contents : doc.getIn(prefix, true);
    if (!isNode(node)) continue;
    if (key !== undefined && n === path.length && isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
      const range = pair && isNode(pair.key) ? pair.key.range : undefined;
      if (range) return at(range[0]);
    }
    if (node.range) return at(node.range[0]);
  }
  return undefined;
}

function firstAlias(doc: Document, at: (o: number) => Position): Position | undefined {
  let found: Position | undefined;
  visit(doc, {
    Alias(_key, node) {
      if (node.range) found = at(node.range[0]);
      return visit.BREAK;
    },
  });
  return found;
}

/** Reports values that JSON cannot carry (binary, dates, non-finite numbers), so the result is Json. */
function checkPlain(value: unknown, path: PathSegment[], report: (path: PathSegment[], what: string) => void): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) report(path, `the number ${String(value)}`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v: unknown, i) => checkPlain(v, [...path, i], report));
    return;
  }
  if (typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value) as object | null)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) checkPlain(v, [...path, k], report);
    return;
  }
  report(path, value instanceof Uint8Array ? 'binary data' : `a ${typeof value} value`);
}

export interface SchemaIssueOptions {
  /** A fix for a field, looked up by its generic name ("core_features[]"). */
  readonly hint: (field: string) => string | undefined;
  /** Used when no hint fits. */
  readonly fallbackFix: string;
}

/** Validates with ajv (validate.ts) and maps each "path: message" onto the line of the offending node. */
export function schemaIssues(file: string, schema: Json, value: unknown, data: YamlData, options: SchemaIssueOptions): string[] {
  const out: { pos: Position | undefined; text: string }[] = [];
  const push = (pos: Position | undefined, field: string, message: string, fix: string): void => {
    out.push({ pos, text: formatIssue(file, pos, field, message, fix) });
  };
  for (const line of validateAgainst(schema, value)) {
    const cut = line.indexOf(': ');
    const where = line.slice(0, cut);
    const message = line.slice(cut + 2);
    // ajv restates a failed if/then as its own error; the underlying one is already listed.
    if (/^must match "(then|else)" schema$/.test(message)) continue;
    const path: PathSegment[] = where === '(root)' ? [] : where.split('.').map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    const fixFor = (p: PathSegment[]): string => options.hint(genericField(p)) ?? options.fallbackFix;

    const repeated = /^must NOT have duplicate items \(items ## (\d+) and (\d+) are identical\)$/.exec(message);
    const unknown = /^unknown key "(.*)" \(remove it or check its spelling\)$/.exec(message);
    const missing = /^must have required property '(.*)'$/.exec(message);
    if (repeated?.[1] !== undefined && repeated[2] !== undefined) {
      const item = [...path, Number(repeated[1])];
      push(data.locate(item), fieldName(item), `repeats ${fieldName([...path, Number(repeated[2])])}`, 'remove the duplicate entry');
    } else if (unknown?.[1] !== undefined) {
      const key = unknown[1];
      const near = closest(key, knownKeys(schema, path));
      const fix = near ? `remove it, or did you mean "${near}"?` : `remove it (allowed here: ${knownKeys(schema, path).join(', ')})`;
      push(data.locate(path, key), fieldName([...path, key]), 'unknown key', fix);
    } else if (missing?.[1] !== undefined) {
      const full = [...path, missing[1]];
      push(data.locate(path), fieldName(full), 'missing required field', `add it: ${fixFor(full)}`);
    } else if (/^must NOT have fewer than 1 (characters|items)$/.test(message)) {
      push(data.locate(path), fieldName(path), message.endsWith('items') ? 'must not be an empty list' : 'must not be empty', fixFor(path));
    } else {
      const found = /^must be (string|integer|number|array|object|boolean)$/.test(message) ? ` (found ${describe(valueAt(value, path))})` : '';
      push(data.locate(path), fieldName(path), `${message}${found}`, fixFor(path));
    }
  }
  // Source order reads best; the sort is stable, so issues on one node keep ajv's order.
  const key = (p: Position | undefined): number => (p ? p.line * 1e6 + p.col : 0);
  return out.sort((a, b) => key(a.pos) - key(b.pos)).map((o) => o.text);
}

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let current: unknown = root;
  for (const s of path) current = current !== null && typeof current === 'object' ? (current as Record<string, unknown>)[s] : undefined;
  return current;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  const shown = JSON.stringify(value);
  return `${typeof value} ${shown.length > 40 ? `${shown.slice(0, 37)}...` : shown}`;
}

/** The property names the schema allows at `path` (walks properties and items). */
export function knownKeys(schema: Json, path: readonly PathSegment[]): string[] {
  let node: Json | undefined = schema;
  for (const s of path) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return [];
    node = typeof s === 'number' ? node['items'] : (node['properties'] as Record<string, Json> | undefined)?.[s];
  }
  const props = node !== null && typeof node === 'object' && !Array.isArray(node) ? node['properties'] : undefined;
  return props !== null && typeof props === 'object' && !Array.isArray(props) ? Object.keys(props) : [];
}

/** The known name nearest to a misspelt one, if it is near enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const name of candidates) {
    const d = distance(word.toLowerCase(), name.toLowerCase());
    if (!best || d < best.d) best = { name, d };
  }
  return best && best.d <= Math.max(2, Math.floor(best.name.length / 3)) ? best.name : undefined;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const row = [i];
    for (let j = 1; j <= b.length; j += 1) {
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}
