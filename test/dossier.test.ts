// Release dossier: schema validity, digest and verification, Mermaid shape, escaping and the Markdown golden.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalJson, prettyJson, sha256Hex, type Json } from '../src/core/canonical.js';
import { buildDossier, dossierDigest, verifyDossier, type DossierJson } from '../src/core/dossier.js';
import { IdeaMineError } from '../src/core/errors.js';
import { validateAgainst } from '../src/core/validate.js';
import { dossierInput, smallPipeline, widePipeline } from './dossier-input.js';

const schema = JSON.parse(readFileSync(new URL('../schemas/dossier.schema.json', import.meta.url), 'utf8')) as Json;

/** Splits a Markdown table row on pipes that are not backslash-escaped (GFM's rule). */
function cells(row: string): string[] {
  const out: string[] = [];
  let cell = '';
  for (let i = 0; i < row.length; i += 1) {
    const c = row[i] ?? '';
    if (c === '\\') { cell += c + (row[i + 1] ?? ''); i += 1; continue; }
    if (c === '|') { out.push(cell); cell = ''; continue; }
    cell += c;
  }
  out.push(cell);
  return out.slice(1, -1).map((s) => s.trim());
}

const mermaidBlock = (md: string): string[] => {
  const match = /```mermaid\n([\s\S]*?)\n```/.exec(md);
  if (!match?.[1]) throw new Error('no mermaid block');
  return match[1].split('\n');
};

type DeepMutable<T> = T extends readonly (infer U)[] ? DeepMutable<U>[] : T extends object ? { -readonly [K in keyof T]: DeepMutable<T[K]> } : T;
type Editable = DeepMutable<DossierJson>;

const mutate = (json: DossierJson, edit: (copy: Editable) => void): DossierJson => {
  const copy = JSON.parse(JSON.stringify(json)) as Editable;
  edit(copy);
  return copy;
};

/** The i-th element, or a test failure (an edit that silently did nothing would hide a bug). */
function nth<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new Error(`no element ${index}`);
  return item;
}

describe('buildDossier JSON', () => {
  it('validates against schemas/dossier.schema.json for online, offline and synthetic runs', () => {
    for (const provenance of ['anthropic', 'offline', 'replay-synthetic', 'replay-recorded'] as const) {
      const { json } = buildDossier(dossierInput({ provenance }));
      expect(validateAgainst(schema, json)).toEqual([]);
    }
  });

  it('is rejected by the schema with an unknown key or a malformed digest', () => {
    const { json } = buildDossier(dossierInput());
    expect(validateAgainst(schema, { ...json, extra: 1 })).toContain('(root): unknown key "extra" (remove it or check its spelling)');
    const badPhase = mutate(json, (c) => { Object.assign(nth(c.phases, 0), { surprise: true }); });
    expect(validateAgainst(schema, badPhase).join('\n')).toMatch(/phases\.0: unknown key "surprise"/);
    expect(validateAgainst(schema, mutate(json, (c) => { c.digest.value = 'abc'; }))).not.toEqual([]);
  });

  it('takes every number from the run state and sums the totals from the phases', () => {
    const input = dossierInput();
    const { json } = buildDossier(input);
    expect(json.phases.map((p) => p.id)).toEqual(widePipeline.map((p) => p.id));
    for (const phase of json.phases) {
      const s = input.state.phases[phase.id];
      expect(phase).toMatchObject({ status: s?.status, attempts: s?.attempts, score: s?.score, tokens: s?.tokens, costUsd: s?.costUsd, modelCalls: s?.modelCalls });
    }
    const prd = json.phases.find((p) => p.id === 'prd');
    expect(prd).toMatchObject({ status: 'waived', attempts: 2, score: 0.61, passThreshold: 0.8, passed: false, modelCalls: 2 });
    expect(prd?.metrics[0]).toEqual({ id: 'feature_coverage', value: 0.61, threshold: 0.8, operator: '>=', method: 'computed', passed: false });
    expect(prd?.tokens).toEqual({ input: 6000, output: 1500, cacheRead: 200, cacheWrite: 0 });
    expect(json.totals.modelCalls).toBe(Object.values(input.state.phases).reduce((n, p) => n + p.modelCalls, 0));
    expect(json.totals.costUsd).toBeCloseTo(input.state.budget.spentUsd ?? Number.NaN, 12);
    expect((json.totals.tokens?.input ?? 0) + (json.totals.tokens?.output ?? 0)).toBe(input.state.budget.spentTokens);
    expect(json.ledger).toEqual({ headHash: input.ledgerHead.hash, seq: input.ledgerHead.seq, stateBranch: 'ideamine/tidy-ledger' });
    expect(json.assumptions).toEqual([{ phase: 'prd', role: 'prd-writer', text: 'Payments are settled outside the app.' }]);
    expect(json.questions).toEqual([{ phase: 'prd', role: 'prd-writer', text: 'Should reminders go by SMS too?' }]);
    expect(json.generator).toEqual({ name: 'ideamine', version: '0.1.0' });
  });

  it('keeps tokens and cost null offline and says why in the model note', () => {
    const { json } = buildDossier(dossierInput({ provenance: 'offline' }));
    expect(json.totals).toEqual({ tokens: null, costUsd: null, modelCalls: 0 });
    expect(json.phases.every((p) => p.tokens === null && p.costUsd === null)).toBe(true);
    expect(json.model.note).toMatch(/no model was called/);
    expect(json.phases[0]?.metrics[1]).toMatchObject({ method: 'not-judged', value: null, passed: null });
  });

  it('refuses artifacts keyed by a phase the run does not have', () => {
    const input = dossierInput({ phases: smallPipeline });
    const bad = { ...input, artifacts: { ...input.artifacts, ghost: [{ path: 'x.json', sha256: sha256Hex('x') }] } };
    expect(() => buildDossier(bad)).toThrow(IdeaMineError);
    expect(() => buildDossier(bad)).toThrow(/phase "ghost"/);
  });
});

describe('dossier notes', () => {
  it('lists assumptions and questions in phase order, whichever parallel phase handed off first', () => {
    const security = [{ phase: 'security', role: 'threat-modeler', text: 'Tokens expire after a day.' }, { phase: 'security', role: 'threat-modeler', text: 'One tenant per household.' }];
    const stories = [{ phase: 'story-loop', role: 'story-writer', text: 'Offline edits merge on reconnect.' }];
    const intake = [{ phase: 'intake', role: 'intake-analyst', text: 'Web first.' }];
    const build = (notes: typeof security): DossierJson => {
      const input = dossierInput({ phases: widePipeline });
      input.state.assumptions.push(...notes);
      input.state.questions.push(...notes.map((n) => ({ ...n, text: `${n.text}?` })));
      return buildDossier(input).json;
    };
    // Story-loop handed off first in one run, security first in the other (a resumed run, say).
    const a = build([...stories, ...intake, ...security]);
    const b = build([...intake, ...security, ...stories]);
    expect(a).toEqual(b);
    const ours = new Set([...intake, ...security, ...stories].map((n) => n.text));
    expect(a.assumptions.map((n) => n.text).filter((t) => ours.has(t))).toEqual(['Web first.', 'Tokens expire after a day.', 'One tenant per household.', 'Offline edits merge on reconnect.']);
    const rank = widePipeline.map((p) => p.id);
    const phasesOf = (notes: readonly { phase: string }[]): number[] => notes.map((n) => rank.indexOf(n.phase));
    expect(phasesOf(a.questions)).toEqual([...phasesOf(a.questions)].sort((x, y) => x - y));
  });
});

describe('dossier digest', () => {
  it('is the SHA-256 of the canonical JSON without the digest field, and is deterministic', () => {
    const a = buildDossier(dossierInput());
    const { digest: _d, ...body } = a.json;
    expect(a.digest).toBe(sha256Hex(canonicalJson(body)));
    expect(a.json.digest).toEqual({ algorithm: 'sha256', value: a.digest });
    expect(dossierDigest(a.json)).toBe(a.digest);
    expect(buildDossier(dossierInput()).digest).toBe(a.digest);
    expect(verifyDossier(a.json)).toBe(true);
    expect(verifyDossier(JSON.parse(prettyJson(a.json)))).toBe(true);
  });

  it('changes when any field changes', () => {
    const { json, digest } = buildDossier(dossierInput());
    const edits: ((c: Editable) => void)[] = [
      (c) => { c.runId = 'tidy-ledger-00000000'; },
      (c) => { c.idea.content.name = 'Tidy Ledger!'; },
      (c) => { nth(c.phases, 2).score = 0.62; },
      (c) => { nth(nth(c.phases, 0).metrics, 0).passed = false; },
      (c) => { nth(nth(c.phases, 0).artifacts, 0).sha256 = sha256Hex('other'); },
      (c) => { nth(c.waivers, 0).expiresAt = null; },
      (c) => { c.totals.costUsd = 0; },
      (c) => { c.ledger.seq += 1; },
      (c) => { c.generatedAt = '2025-05-01T10:10:01.000Z'; },
      (c) => { c.questions = []; },
    ];
    const seen = new Set([digest]);
    for (const edit of edits) {
      const changed = mutate(json, edit);
      const recomputed = dossierDigest(changed);
      expect(seen.has(recomputed)).toBe(false);
      seen.add(recomputed);
      expect(verifyDossier(changed)).toBe(false);
    }
  });

  it('verifyDossier catches a one-character edit of the file and rejects malformed input', () => {
    const { json } = buildDossier(dossierInput());
    const text = prettyJson(json);
    const edited = text.replace('maria-maintainer', 'maria-maintainex');
    expect(edited).not.toBe(text);
    expect(verifyDossier(JSON.parse(edited))).toBe(false);
    expect(verifyDossier(JSON.parse(text.replace('"score": 0.61', '"score": 0.71')))).toBe(false);
    expect(verifyDossier(null)).toBe(false);
    expect(verifyDossier([])).toBe(false);
    expect(verifyDossier({ ...json, digest: { algorithm: 'md5', value: json.digest.value } })).toBe(false);
    const { digest: _d, ...noDigest } = json;
    expect(verifyDossier(noDigest)).toBe(false);
  });
});

describe('RELEASE_DOSSIER.md', () => {
  it('has one Mermaid node per phase and one edge per need, with safe ids and scores in labels', () => {
    const { markdown, json } = buildDossier(dossierInput());
    const lines = mermaidBlock(markdown);
    expect(lines[0]).toBe('flowchart LR');
    const nodes = lines.filter((l) => /^ {4}[A-Za-z_][A-Za-z0-9_]*\["[^"]*"\]$/.test(l));
    expect(nodes).toHaveLength(json.phases.length);
    const edges = lines.filter((l) => /^ {2}[A-Za-z_][A-Za-z0-9_]* --> [A-Za-z_][A-Za-z0-9_]*$/.test(l));
    expect(edges).toHaveLength(widePipeline.reduce((n, p) => n + p.needs.length, 0));
    expect(edges).toContain('  build --> story_loop');
    expect(edges).toContain('  story_loop --> qa');
    expect(nodes).toContain('    prd["PRD<br/>0.61 ⚠ waived"]');
    expect(nodes).toContain('    intake["Intake<br/>0.95 ✓"]');
    expect(nodes).toContain('    qa["QA<br/>pending"]');
    expect(lines).toContain('  class prd waived');
  });

  it('marks blocked phases and shows measured tokens and cost online', () => {
    const { markdown } = buildDossier(dossierInput({ phases: smallPipeline }));
    expect(markdown).toContain('story_loop["Story loop<br/>0.40 ✗ blocked"]');
    const prdRow = markdown.split('\n').find((l) => l.startsWith('| PRD'));
    expect(cells(prdRow ?? '')).toEqual(['PRD (`prd`)', '⚠ waived', '2', '0.61', '4,000 in · 1,000 out', '$0.0500', '2', '2 / 0']);
    expect(markdown).toContain('Failing metrics: `feature_coverage`.');
    expect(markdown).not.toContain('not measured');
  });

  it('says "not measured (offline)" and carries the offline banner for an offline run', () => {
    const { markdown } = buildDossier(dossierInput({ provenance: 'offline' }));
    expect(markdown).toContain('> **Drafted offline by the built-in drafter (no model was called); judged metrics were not judged.**');
    const intakeRow = cells(markdown.split('\n').find((l) => l.startsWith('| Intake')) ?? '');
    expect(intakeRow[4]).toBe('not measured (offline)');
    expect(intakeRow[5]).toBe('not measured (offline)');
    expect(markdown).toContain('- **Tokens:** not measured (offline)');
    expect(markdown).toMatch(/\| `clarity` \| not judged \| — \| `>= 0.8` \| not judged \|/);
  });

  it('lists a waiver with its approver, justification, control and expiry', () => {
    const { markdown } = buildDossier(dossierInput({ phases: smallPipeline }));
    const row = markdown.split('\n').find((l) => l.includes('maria-maintainer'));
    expect(cells(row ?? '')).toEqual([
      '`prd`', 'maria-maintainer', 'Coverage gap is the export feature, cut from v1.', 'Export tracked in issue #42',
      '2025-05-01T10:05:00.000Z', '2025-06-01T00:00:00.000Z', 'review 1234 on 9f8e7d6',
    ]);
  });

  it('escapes hostile idea and waiver text in headings, tables and Mermaid labels', () => {
    const hostile = 'Evil | app <script>alert(1)</script> `rm -rf` "] --> x[';
    const phases = smallPipeline.map((p) => (p.id === 'prd' ? { ...p, title: 'PRD "] --> x <b>`y`' } : p));
    const { markdown } = buildDossier(dossierInput({
      phases,
      idea: { name: hostile, description: hostile, category: 'a|b' },
      waiver: { by: 'eve|x', justification: 'line one | cell\n# not a heading', control: null, expiresAt: null },
    }));
    expect(markdown).not.toContain('<script>');
    expect(markdown).not.toMatch(/(^|[^\\])`rm -rf`/);
    expect(markdown).not.toMatch(/^# not a heading/m);
    expect(markdown.split('\n')[0]).toBe('# Release dossier: Evil \\| app \\<script\\>alert(1)\\</script\\> \\`rm -rf\\` "\\] --\\> x\\[');
    const waiverRow = markdown.split('\n').find((l) => l.includes('eve'));
    expect(cells(waiverRow ?? '')).toHaveLength(7);
    expect(cells(waiverRow ?? '')[5]).toBe('never');
    for (const line of mermaidBlock(markdown).filter((l) => l.includes('["'))) {
      expect(line).toMatch(/^ +(subgraph )?[A-Za-z_][A-Za-z0-9_]*\["[^"[\]`<>]*(<br\/>[^"[\]`<>]*)?"\]$/);
    }
    expect(markdown).toContain('    prd["PRD #quot;#93; --#gt; x #lt;b#gt;#96;y#96;<br/>0.61 ⚠ waived"]');
    expect(markdown).toContain('### PRD "\\] --\\> x \\<b\\>\\`y\\` (`prd`)');
    expect(markdown).toContain('subgraph idea_run["Evil #124; app #lt;script#gt;alert#40;1#41;#lt;/script#gt; #96;rm -rf#96; #quot;#93; --#gt; x#91;"]');
  });

  it('matches the golden rendering of a small offline run', async () => {
    const { markdown } = buildDossier(dossierInput({ provenance: 'offline', phases: smallPipeline }));
    await expect(markdown).toMatchFileSnapshot('./__snapshots__/RELEASE_DOSSIER.offline.md');
  });
});
