// Idea files: the examples parse, every class of bad input is refused with file:line:col, field and fix.
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { IdeaMineError } from '../src/core/errors.js';
import { MAX_IDEA_BYTES, SLUG_PATTERN } from '../src/core/idea.js';
import { IDEA_SCHEMA, parseIdea } from '../src/core/idea-parse.js';
import { validateAgainst } from '../src/core/validate.js';
import { loadIdeaFile } from '../src/engine/bundle.js';

const root = join(import.meta.dirname, '..');
const FIXTURES = 'test/fixtures/ideas';
const read = (file: string): Uint8Array => readFileSync(join(root, file));
const parse = (file: string, text: string | Uint8Array) =>
  parseIdea({ file, bytes: typeof text === 'string' ? new TextEncoder().encode(text) : text });
const issuesOf = (result: ReturnType<typeof parseIdea>): string[] => (result.ok ? [] : result.issues);
const example = readFileSync(join(root, 'ideas/shared-grocery-list.yaml'), 'utf8');

describe('example ideas', () => {
  const files = readdirSync(join(root, 'ideas')).filter((f) => /\.(ya?ml|md)$/.test(f));

  it('cover every complexity, include a .md idea and one 2-feature idea', () => {
    const ideas = files.map((f) => parse(`ideas/${f}`, read(`ideas/${f}`))).flatMap((r) => (r.ok ? [r.value.idea] : []));
    expect(ideas).toHaveLength(files.length);
    expect(new Set(ideas.map((i) => i.complexity))).toEqual(new Set(['simple', 'medium', 'complex', 'very_complex']));
    expect(files.some((f) => f.endsWith('.md'))).toBe(true);
    expect(ideas.filter((i) => i.core_features.length === 2)).toHaveLength(1);
    expect(ideas.filter((i) => i.core_features.length >= 3)).toHaveLength(files.length - 1);
  });

  it.each(files)('%s parses, validates against the schema and points editors at it', (f) => {
    const result = parse(`ideas/${f}`, read(`ideas/${f}`));
    expect(issuesOf(result)).toEqual([]);
    if (!result.ok) return;
    expect(result.value.slug).toBe(f.replace(/\.(ya?ml|md)$/, ''));
    expect(result.value.slug).toMatch(SLUG_PATTERN);
    expect(result.value.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(validateAgainst(IDEA_SCHEMA, result.value.idea)).toEqual([]);
    expect(readFileSync(join(root, 'ideas', f), 'utf8')).toContain('# yaml-language-server: $schema=../schemas/idea.schema.json');
  });

  it('takes long_description from the Markdown body only', () => {
    const result = parse('ideas/clinic-appointment-booking.md', read('ideas/clinic-appointment-booking.md'));
    expect(result.ok && result.value.idea.long_description?.startsWith('# Why')).toBe(true);
  });
});

// Each fixture has one defect; the expected issue names file, line:col where it can be known, field and fix.
const EXPECTED: Record<string, RegExp[]> = {
  'Bad_Slug.yaml': [/^test\/fixtures\/ideas\/Bad_Slug\.yaml: \(file name\): "Bad_Slug" is not a valid idea slug — rename/],
  'wrong-extension.json': [/wrong-extension\.json: \(file name\): an idea file must end in \.yaml, \.yml or \.md — rename it/],
  'empty.yaml': [/empty\.yaml: \(file\): the file is empty — /],
  'alias-bomb.yaml': [/alias-bomb\.yaml:2:8: \(yaml\): aliases expand too far .* — write the values out/],
  'duplicate-key.yaml': [/duplicate-key\.yaml:5:1: \(yaml\): Map keys must be unique — each key may appear once/],
  'malformed.yaml': [/malformed\.yaml:17:1: \(yaml\): Flow sequence .* end with a \] — /],
  // yaml reports the knock-on effects too, at most one issue per line.
  'tab-indent.yaml': [/tab-indent\.yaml:12:1: \(yaml\): Tabs are not allowed as indentation — indent with spaces/, /:13:19: \(yaml\)/, /:15:1: \(yaml\)/],
  'not-a-mapping.yaml': [/not-a-mapping\.yaml:1:1: \(root\): the idea must be a mapping/],
  'unknown-key.yaml': [/unknown-key\.yaml:1:1: core_features: missing required field — add it/, /unknown-key\.yaml:7:1: core_feature: unknown key — remove it, or did you mean "core_features"\?/],
  'md-unknown-key.md': [/md-unknown-key\.md:2:1: core_features: missing required field/, /md-unknown-key\.md:8:1: core_feature: unknown key — .*"core_features"/],
  'wrong-type.yaml': [/wrong-type\.yaml:13:19: technical_requirements\.expected_users: must be integer \(found string "lots"\) — a whole number/],
  'bad-enum.yaml': [/bad-enum\.yaml:3:13: complexity: must be one of "simple", "medium", "complex", "very_complex" — /],
  'missing-field.yaml': [/missing-field\.yaml:1:1: core_features: missing required field — add it: a list of the features/],
  'long-description-in-yaml.yaml': [/long-description-in-yaml\.yaml:19:1: long_description: is taken from the Markdown body .* — remove it, or move the idea to ideas\/long-description-in-yaml\.md/],
  'no-front-matter.md': [/no-front-matter\.md:1:1: \(front matter\): a \.md idea must start with YAML front matter — /],
  'unterminated-front-matter.md': [/unterminated-front-matter\.md:1:1: \(front matter\): the front matter is not closed — add a line "---"/],
};

describe('bad idea files', () => {
  it('every fixture has an expectation', () => {
    expect(readdirSync(join(root, FIXTURES)).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('%s is refused with a located issue', (name, patterns) => {
    const issues = issuesOf(parse(`${FIXTURES}/${name}`, read(`${FIXTURES}/${name}`)));
    expect(issues).toHaveLength(patterns.length);
    patterns.forEach((pattern, i) => expect(issues[i]).toMatch(pattern));
  });

  it('refuses binary content, invalid UTF-8 and oversized files', () => {
    expect(issuesOf(parse('ideas/bin.yaml', new Uint8Array([0x6e, 0x61, 0x00, 0x01])))).toEqual([
      'ideas/bin.yaml: (file): binary content (a NUL byte at byte 2) — idea files are UTF-8 text: check that the right file was committed',
    ]);
    expect(issuesOf(parse('ideas/latin1.yaml', new Uint8Array([0x6e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xe9])))[0]).toMatch(/^ideas\/latin1\.yaml: \(file\): the file is not valid UTF-8 text — re-save/);
    const big = new Uint8Array(MAX_IDEA_BYTES + 1).fill(0x61);
    expect(issuesOf(parse('ideas/big.yaml', big))[0]).toMatch(/over the 262144-byte limit/);
  });

  it('trims strings, reports empty values and duplicate entries that differ only in case', () => {
    const trimmed = parse('ideas/x.yaml', example.replace('name: Shared grocery list', 'name: "  Shared grocery list  "'));
    expect(trimmed.ok && trimmed.value.idea.name).toBe('Shared grocery list');
    expect(issuesOf(parse('ideas/x.yaml', example.replace('name: Shared grocery list', 'name: "   "')))).toEqual([
      expect.stringMatching(/^ideas\/x\.yaml:2:7: name: must not be empty — a short title/) as string,
    ]);
    const dup = example.replace('  - tick-off while shopping, with undo', '  - tick-off while shopping, with undo\n  - Tick-off  while shopping, with undo');
    expect(issuesOf(parse('ideas/x.yaml', dup))).toEqual([expect.stringMatching(/:15:5: core_features\[3\]: repeats core_features\[2\]/) as string]);
  });

  it('refuses YAML that plain JSON cannot carry, and a second document', () => {
    expect(issuesOf(parse('ideas/x.yaml', `${example}? [a, b]\n: c\n`))).toEqual([
      expect.stringMatching(/^ideas\/x\.yaml:29:3: \(yaml\): a key must be a plain name/) as string,
    ]);
    expect(issuesOf(parse('ideas/x.yaml', example.replace('usd: 3', 'usd: .inf')))).toEqual([
      expect.stringMatching(/^ideas\/x\.yaml:28:8: budget\.usd: the number Infinity is not allowed here — /) as string,
    ]);
    expect(issuesOf(parse('ideas/x.yaml', example.replace('name: Shared grocery list', 'name: !!binary aGVsbG8=')))).toEqual([
      expect.stringMatching(/^ideas\/x\.yaml:2:16: name: binary data is not allowed here/) as string,
    ]);
    expect(issuesOf(parse('ideas/x.yaml', `${example}---\nname: again\n`))).toEqual([
      expect.stringMatching(/^ideas\/x\.yaml:29:1: \(yaml\): a second YAML document starts here — keep a single YAML document/) as string,
    ]);
  });

  it('refuses an alias bomb quickly', () => {
    const started = performance.now();
    expect(issuesOf(parse(`${FIXTURES}/alias-bomb.yaml`, read(`${FIXTURES}/alias-bomb.yaml`)))).toHaveLength(1);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('normalisation and hashing', () => {
  it('gives CRLF with a BOM and LF the same hash and the same idea', () => {
    const lf = parse('ideas/x.yaml', example);
    const crlf = parse('ideas/x.yaml', `\uFEFF${example.replace(/\n/g, '\r\n')}`);
    expect(lf.ok && crlf.ok).toBe(true);
    if (!lf.ok || !crlf.ok) return;
    expect(crlf.value.hash).toBe(lf.value.hash);
    expect(crlf.value.idea).toEqual(lf.value.idea);
    const edited = parse('ideas/x.yaml', example.replace('6 weeks', '7 weeks'));
    expect(edited.ok && edited.value.hash).not.toBe(lf.value.hash);
  });

  it('keeps line numbers right in a CRLF file', () => {
    const issues = issuesOf(parse('ideas/x.yaml', example.replace('expected_users: 5000', 'expected_users: 5k').replace(/\n/g, '\r\n')));
    expect(issues).toEqual([expect.stringMatching(/^ideas\/x\.yaml:18:19: technical_requirements\.expected_users: must be integer/) as string]);
  });
});

describe('loadIdeaFile', () => {
  const repo = mkdtempSync(join(tmpdir(), 'ideamine-idea-'));
  const outsideDir = mkdtempSync(join(tmpdir(), 'ideamine-outside-'));
  mkdirSync(join(repo, 'ideas', 'nested'), { recursive: true });
  writeFileSync(join(repo, 'ideas', 'groceries.yaml'), example);
  writeFileSync(join(outsideDir, 'secret.yaml'), example);
  symlinkSync(join(outsideDir, 'secret.yaml'), join(repo, 'ideas', 'linked.yaml'));
  symlinkSync(outsideDir, join(repo, 'ideas', 'elsewhere'));
  writeFileSync(join(repo, 'ideas', 'huge.yaml'), 'a'.repeat(MAX_IDEA_BYTES + 10));
  writeFileSync(join(repo, 'ideas', 'broken.yaml'), example.replace('complexity: simple', 'complexity: tiny'));

  const refusal = async (file: string): Promise<IdeaMineError> => {
    const caught: unknown = await loadIdeaFile(repo, file).then(() => undefined, (e: unknown) => e);
    expect(caught).toBeInstanceOf(IdeaMineError);
    return caught as IdeaMineError;
  };

  it('loads a file by its repository-relative path', async () => {
    const loaded = await loadIdeaFile(repo, 'ideas/groceries.yaml');
    expect(loaded.slug).toBe('groceries');
    expect(loaded.file).toBe('ideas/groceries.yaml');
    writeFileSync(join(repo, 'ideas', 'groceries.yml'), example);
    expect((await loadIdeaFile(repo, 'ideas/groceries.yml')).hash).toBe(loaded.hash);
    expect((await loadIdeaFile(repo, join(repo, 'ideas/groceries.yaml'))).hash).toBe(loaded.hash);
  });

  it('refuses paths outside the repository, including through symlinks', async () => {
    expect((await refusal('../x.yaml')).message).toMatch(/is outside the repository/);
    expect((await refusal('ideas/linked.yaml')).message).toMatch(/^ideas\/linked\.yaml: is a symbolic link to .*outside the repository/);
    expect((await refusal('ideas/elsewhere/secret.yaml')).message).toMatch(/goes through a symbolic link .*outside the repository/);
  });

  it('refuses missing files, directories and oversized files with the path and a hint', async () => {
    const missing = await refusal('ideas/nope.yaml');
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.message).toBe('ideas/nope.yaml: no such idea file');
    expect(missing.details).toContain('list the ideas with `ls ideas/`');
    expect((await refusal('ideas/nested')).message).toBe('ideas/nested: is a directory, not an idea file');
    expect((await refusal('')).message).toBe('no idea file given');
    expect((await refusal('ideas/huge.yaml')).details[0]).toMatch(/^ideas\/huge\.yaml: \(file\): the file is 262154 bytes, over/);
  });

  it('throws badInput naming the file, with the issues as details', async () => {
    const error = await refusal('ideas/broken.yaml');
    expect(error.code).toBe('BAD_INPUT');
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe('ideas/broken.yaml: 1 problem in the idea file; fix it and run again');
    expect(error.details).toEqual([expect.stringMatching(/^ideas\/broken\.yaml:6:13: complexity: must be one of/) as string]);
  });
});
