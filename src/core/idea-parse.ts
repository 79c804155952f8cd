// Idea file bytes to a validated, normalised LoadedIdea, or every problem as "file:line:col: field: message — fix".
import ideaSchema from '../../schemas/idea.schema.json' with { type: 'json' };
import { hashJson, type Json } from './canonical.js';
import { badInput, type IdeaMineError } from './errors.js';
import { MAX_IDEA_BYTES, SLUG_PATTERN, type Idea, type LoadedIdea } from './idea.js';
import { fieldName, formatIssue, parseYaml, schemaIssues, type ParseResult, type PathSegment, type YamlData } from './yaml-doc.js';

export const IDEA_SCHEMA = ideaSchema as Json;
/** Slugs name git refs (ideamine/<slug>) and run ids, so they stay short. */
export const MAX_SLUG_LENGTH = 64;

const HINTS: Record<string, string> = {
  name: 'a short title, e.g. name: Shared grocery list',
  description: 'one to three sentences on what it does and for whom',
  complexity: 'one of simple, medium, complex, very_complex',
  category: 'e.g. category: productivity',
  target_users: 'a list of who it is for, e.g. target_users: [busy parents]',
  'target_users[]': 'each entry is one user segment as a short, non-empty text',
  core_features: 'a list of the features it must have (the intake gate asks for at least 3)',
  'core_features[]': 'each entry is one feature as a short, non-empty text',
  technical_requirements: 'a mapping with platform, expected_users, budget and timeline',
  'technical_requirements.platform': 'e.g. platform: web',
  'technical_requirements.expected_users': 'a whole number without quotes or separators, e.g. expected_users: 5000',
  'technical_requirements.budget': 'the product budget as text, e.g. budget: "$20k"',
  'technical_requirements.timeline': 'e.g. timeline: 3 months',
  constraints: 'a list of hard limits; write constraints: [] when there are none',
  integrations: 'a list of outside systems; write integrations: [] when there are none',
  compliance: 'a list such as [GDPR]; write compliance: [] when none apply',
  'constraints[]': 'each entry is a short, non-empty text',
  'integrations[]': 'each entry is a short, non-empty text',
  'compliance[]': 'each entry is a short, non-empty text',
  long_description: 'shorten the Markdown body below the front matter',
  budget: 'run spending caps, e.g. budget: { usd: 5, tokens: 2000000 }',
  'budget.usd': 'a positive number of US dollars, e.g. usd: 5',
  'budget.tokens': 'a positive whole number, e.g. tokens: 2000000',
  model: 'a model id such as claude-sonnet-4-5, or remove the line to use the default',
};
const hint = (field: string): string | undefined => HINTS[field];
const LIST_FIELDS = ['target_users', 'core_features', 'constraints', 'integrations', 'compliance'] as const;

type Result = ParseResult<LoadedIdea>;
const fail = (...issues: string[]): Result => ({ ok: false, issues });

/** Parses an idea file. `file` is repository-relative (e.g. "ideas/todo-app.yaml") and names every issue. */
export function parseIdea(input: { file: string; bytes: Uint8Array }): Result {
  const { file, bytes } = input;
  const base = file.slice(file.lastIndexOf('/') + 1);
  const nameMatch = /^(.*)\.(yaml|yml|md)$/.exec(base);
  const slug = nameMatch?.[1] ?? '';
  if (!nameMatch) return fail(formatIssue(file, undefined, '(file name)', 'an idea file must end in .yaml, .yml or .md', `rename it to ${file.replace(/\.[^./]*$/, '')}.yaml (or .md with front matter)`));
  if (!SLUG_PATTERN.test(slug) || slug.length > MAX_SLUG_LENGTH) {
    return fail(formatIssue(file, undefined, '(file name)', `"${slug}" is not a valid idea slug`,
      `rename the file using lower-case letters, digits and single hyphens, at most ${MAX_SLUG_LENGTH} characters (e.g. ideas/todo-app.yaml)`));
  }
  const text = decode(file, bytes);
  if (typeof text !== 'string') return text;

  let yamlText = text;
  let lineOffset = 0;
  let body: string | undefined;
  if (nameMatch[2] === 'md') {
    const split = splitFrontMatter(file, text);
    if (!split.ok) return split;
    ({ yaml: yamlText, body, lineOffset } = split.value);
  }
  const parsed = parseYaml(file, yamlText, lineOffset);
  if (!parsed.ok) return parsed;
  const data = parsed.value;
  if (data.value === null || typeof data.value !== 'object' || Array.isArray(data.value)) {
    const what = data.value === null ? 'has no fields' : 'must be a mapping of fields (key: value), not a list or a single value';
    return fail(formatIssue(file, data.locate([]) ?? { line: lineOffset + 1, col: 1 }, '(root)', `the idea ${what}`, 'start with name:, description:, complexity: ... as in the examples under ideas/'));
  }
  const raw = { ...(data.value as Record<string, unknown>) };
  const issues: string[] = [];
  if ('long_description' in raw) {
    // One place for long text: the Markdown body. A YAML field as well would leave two to reconcile.
    issues.push(formatIssue(file, data.locate([], 'long_description'), 'long_description', 'is taken from the Markdown body and cannot be set in YAML',
      nameMatch[2] === 'md' ? 'move the text below the closing "---" line' : `remove it, or move the idea to ideas/${slug}.md with the text as the Markdown body`));
    delete raw['long_description'];
  }
  const normalised = trimStrings(raw) as Record<string, unknown>;
  if (body !== undefined && body.trim() !== '') normalised['long_description'] = body.trim();

  issues.push(...schemaIssues(file, IDEA_SCHEMA, normalised, data, { hint, fallbackFix: 'see schemas/idea.schema.json' }));
  if (issues.length > 0) return fail(...issues);
  const ruleIssues = checkRules(file, normalised as unknown as Idea, data);
  if (ruleIssues.length > 0) return fail(...ruleIssues);
  const idea = normalised as unknown as Idea;
  return { ok: true, value: { slug, file, idea, hash: hashJson(idea) } };
}

/** Bytes to text: refuses empty, oversized, binary and non-UTF-8 input; strips a BOM; CRLF and CR become LF. */
function decode(file: string, bytes: Uint8Array): string | Result {
  const whole = (message: string, fix: string): Result => fail(formatIssue(file, undefined, '(file)', message, fix));
  if (bytes.length > MAX_IDEA_BYTES) return whole(`the file is ${bytes.length} bytes, over the ${MAX_IDEA_BYTES}-byte limit`, 'shorten it: an idea is a brief, detail belongs to later phases');
  const nul = bytes.indexOf(0);
  if (nul >= 0) return whole(`binary content (a NUL byte at byte ${nul})`, 'idea files are UTF-8 text: check that the right file was committed');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return whole('the file is not valid UTF-8 text', 're-save it with UTF-8 encoding');
  }
  text = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  if (text.trim() === '') return whole('the file is empty', 'write the idea as YAML: copy one of the examples under ideas/');
  return text;
}

function splitFrontMatter(file: string, text: string): ParseResult<{ yaml: string; body: string; lineOffset: number }> {
  const fix = 'start the file with a line "---", then the YAML fields, then a line "---", then the Markdown';
  if (!/^---[ \t]*\n/.test(text)) return { ok: false, issues: [formatIssue(file, { line: 1, col: 1 }, '(front matter)', 'a .md idea must start with YAML front matter', fix)] };
  const start = text.indexOf('\n') + 1;
  const close = /^---[ \t]*$/m.exec(text.slice(start));
  if (!close) return { ok: false, issues: [formatIssue(file, { line: 1, col: 1 }, '(front matter)', 'the front matter is not closed', 'add a line "---" after the last YAML field')] };
  const yaml = text.slice(start, start + close.index);
  const body = text.slice(start + close.index + close[0].length).replace(/^\n/, '');
  return { ok: true, value: { yaml, body, lineOffset: 1 } };
}

function trimStrings(value: unknown): unknown {
  if (typeof value === 'string') return value.trim();
  if (Array.isArray(value)) return value.map(trimStrings);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, trimStrings(v)]));
  }
  return value;
}

/** Rules beyond the schema: list entries that differ only in case or spacing would confuse coverage checks. */
function checkRules(file: string, idea: Idea, data: YamlData): string[] {
  const issues: string[] = [];
  for (const field of LIST_FIELDS) {
    const seen = new Map<string, number>();
    idea[field].forEach((entry, i) => {
      const label = entry.toLowerCase().replace(/\s+/g, ' ');
      const first = seen.get(label);
      const path: PathSegment[] = [field, i];
      if (first === undefined) seen.set(label, i);
      else issues.push(formatIssue(file, data.locate(path), fieldName(path), `repeats ${fieldName([field, first])} ("${entry}")`, 'remove the duplicate or say how the two differ'));
    });
  }
  return issues;
}

/** The error thrown at the edge for an idea file with problems: the file in the message, the issues as details. */
export function loadIdeaError(file: string, issues: readonly string[]): IdeaMineError {
  const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
  return badInput(`${file}: ${count} in the idea file; fix ${issues.length === 1 ? 'it' : 'them'} and run again`, issues);
}
