// artifactMarkdown and the escaping helpers: headings, lists, tables, code fences, banners, hostile text.
import { describe, expect, it } from 'vitest';
import type { Json } from '../src/core/canonical.js';
import { artifactMarkdown, languageFor, provenanceBanner } from '../src/core/markdown.js';
import { codeFence, codeSpan, escapeCell, escapeHeading, escapeInline, escapeParagraph, humaniseKey, mermaidId, mermaidText } from '../src/core/markdown-escape.js';

const notes = { provenance: 'anthropic', phase: 'prd', role: 'prd-writer' };
const render = (artifact: Json, provenance = 'anthropic'): string => artifactMarkdown('PRD', artifact, { ...notes, provenance });
const blocks = (md: string): string[] => md.trimEnd().split('\n\n');

/** Splits a Markdown table row on pipes that are not backslash-escaped (GFM's rule). */
const cells = (row: string): string[] => row.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());

describe('artifactMarkdown structure', () => {
  it('turns top-level keys into readable headings and string arrays into bullet lists', () => {
    const md = render({ open_questions: ['Who pays?', 'When?'], userStories: [], problemStatement: 'Bills are messy.' });
    expect(blocks(md)).toEqual([
      '# PRD',
      'Phase: **prd** · Role: **prd-writer** · Provenance: **anthropic**',
      '## Open questions', '- Who pays?\n- When?',
      '## User stories', '_None._',
      '## Problem statement', 'Bills are messy.',
    ]);
  });

  it('renders arrays of flat objects with at most six columns as tables', () => {
    const md = render({ features: [{ id: 'F1', name: 'Split bills', priority: 1, mvp: true }, { id: 'F2', name: 'Reminders', notes: null }] });
    expect(md).toContain([
      '| ID | Name | Priority | MVP | Notes |',
      '| --- | --- | --- | --- | --- |',
      '| F1 | Split bills | 1 | yes | — |',
      '| F2 | Reminders | — | — | — |',
    ].join('\n'));
  });

  it('falls back to one section per item past six columns or with nested values', () => {
    const wide = Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((k) => [k, k.toUpperCase()]));
    const md = render({ rows: [wide], components: [{ name: 'API gateway', responsibilities: ['routing', 'auth'] }, { kind: 'db' }] });
    expect(md).not.toContain('| A |');
    expect(md).toContain('### Item 1\n\n- **A:** A\n- **B:** B');
    expect(md).toContain('### API gateway\n\n- **Name:** API gateway\n\n#### Responsibilities\n\n- routing\n- auth');
    expect(md).toContain('### Item 2\n\n- **Kind:** db');
  });

  it('renders nested objects as sub-headings, scalars as a key list, and caps heading depth', () => {
    const md = render({ market: { size_usd: 1200000, segments: { primary: 'students', notes: { a: { b: { c: ['deep'] } } } } } });
    expect(md).toContain('## Market\n\n- **Size USD:** 1200000\n\n### Segments\n\n- **Primary:** students\n\n#### Notes\n\n##### A\n\n###### B\n\n**C**\n\n- deep');
  });

  it('fences file bodies in "content" with the language of the sibling path, longer than any backtick run', () => {
    const md = render({ files: [
      { path: 'src/index.ts', content: 'export const x = 1;\n' },
      { path: 'README.md', content: 'Use:\n```sh\nnpm i\n```' },
      { path: 'Dockerfile', content: 'FROM node:20' },
      { path: 'weird.`x', content: 'data' },
    ] });
    expect(md).toContain('### src/index.ts\n\n- **Path:** src/index.ts\n\n#### Content\n\n```typescript\nexport const x = 1;\n```');
    expect(md).toContain('````markdown\nUse:\n```sh\nnpm i\n```\n````');
    expect(md).toContain('```dockerfile\nFROM node:20\n```');
    expect(md).toContain('```\ndata\n```');
    expect(languageFor('a/b/c.YML')).toBe('yaml');
    expect(languageFor('Makefile')).toBe('makefile');
    expect(languageFor('noext')).toBe('');
  });

  it('renders a non-object artifact and multi-line text as paragraphs', () => {
    expect(blocks(render(['one', 2, true, null]))).toContain('- one\n- 2\n- yes\n- —');
    expect(render({ summary: 'First line\nsecond line\n\n# Not a heading' })).toContain('## Summary\n\nFirst line  \nsecond line\n\n\\# Not a heading');
  });
});

describe('provenance banners', () => {
  it('starts an offline artifact with the offline banner', () => {
    const md = render({ a: 1 }, 'offline');
    expect(md.split('\n')[0]).toBe('> **Drafted offline by the built-in drafter (no model was called); judged metrics were not judged.**');
    expect(md).toContain('Provenance: **offline**');
  });

  it('marks synthetic replays and leaves real model output without a banner', () => {
    expect(render({ a: 1 }, 'replay-synthetic').split('\n')[0]).toMatch(/^> \*\*Synthetic replay: .*no model was called/);
    expect(render({ a: 1 }, 'anthropic').startsWith('# PRD\n')).toBe(true);
    expect(provenanceBanner('replay-recorded')).toBeNull();
  });
});

describe('escaping untrusted text', () => {
  it('keeps table rows intact and HTML, code and links inert', () => {
    const md = render({ risks: [{ name: 'a | b', detail: '<script>alert(1)</script> `x` [l](http://e) &lt; *em*\nnext' }] });
    const row = md.split('\n').find((l) => l.startsWith('| a'));
    expect(cells(row ?? '')).toEqual(['a \\| b', '\\<script\\>alert(1)\\</script\\> \\`x\\` \\[l\\](http://e) &amp;lt; \\*em\\*<br>next']);
    expect(md).not.toContain('<script>');
  });

  it('escapes block markers only where a line starts', () => {
    expect(escapeParagraph('# title')).toBe('\\# title');
    expect(escapeParagraph('1. first')).toBe('1\\. first');
    expect(escapeParagraph('- item')).toBe('\\- item');
    expect(escapeParagraph('> quote')).toBe('\\> quote');
    expect(escapeInline('version 0.1.0 - ok # 1')).toBe('version 0.1.0 - ok # 1');
    expect(escapeInline('snake_case and _em_')).toBe('snake_case and \\_em\\_');
    expect(escapeHeading('C #')).toBe('C \\#');
    expect(render({ items: ['# big', '1) one'] })).toContain('- \\# big\n- 1\\) one');
  });

  it('builds code spans and fences that backticks cannot close', () => {
    expect(codeSpan('a`b')).toBe('``a`b``');
    expect(codeSpan('`x`')).toBe('`` `x` ``');
    expect(codeSpan('a|b', true)).toBe('`a\\|b`');
    expect(codeFence('``````', '')).toBe('```````\n``````\n```````');
    expect(escapeCell('')).toBe(' ');
  });

  it('humanises keys with acronyms and escapes model-chosen keys', () => {
    expect(humaniseKey('open_questions')).toBe('Open questions');
    expect(humaniseKey('apiEndpoints')).toBe('API endpoints');
    expect(humaniseKey('kpi-targets')).toBe('KPI targets');
    expect(humaniseKey('<b>x</b>')).toBe('\\<b\\>x\\</b\\>');
  });

  it('makes Mermaid labels and ids safe', () => {
    expect(mermaidText('A "quoted"] <b>`x`</b> #1 (y)')).toBe('A #quot;quoted#quot;#93; #lt;b#gt;#96;x#96;#lt;/b#gt; #35;1 #40;y#41;');
    const taken = new Set<string>();
    expect(['story-loop', 'story_loop', 'end', '1st', 'qa'].map((id) => mermaidId(id, taken))).toEqual(['story_loop', 'story_loop_2', 'p_end', 'p_1st', 'qa']);
  });
});

describe('golden', () => {
  it('renders a small PRD artifact', async () => {
    const md = artifactMarkdown('PRD — Tidy Ledger', {
      summary: 'Split bills fairly.',
      features: [{ id: 'F1', name: 'Bill splitting', priority: 'must' }, { id: 'F2', name: 'Rent reminders', priority: 'should' }],
      non_goals: ['Banking'],
      metrics: { north_star: 'Bills settled per month', targets: { month_3: 500 } },
    }, { provenance: 'offline', phase: 'prd', role: 'prd-writer' });
    await expect(md).toMatchFileSnapshot('./__snapshots__/artifact.prd.offline.md');
  });
});
