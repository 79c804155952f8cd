// Guard: every metric kind, weighted scoring with not-judged re-normalisation, required metrics, feedback, report.
import { describe, expect, it } from 'vitest';
import type { Json } from '../src/core/canonical.js';
import { IdeaMineError } from '../src/core/errors.js';
import { credit, evaluateGate, feedbackFor, FEEDBACK_MAX_BYTES, FEEDBACK_MAX_LINES } from '../src/core/gate.js';
import { gateReport, REPORT_MAX_CHARS } from '../src/core/gate-report.js';
import type { GateInput, GateResult, Judgement, MetricResult } from '../src/core/gate-types.js';
import { locate } from '../src/core/metrics.js';
import { select } from '../src/core/paths.js';
import type { MetricConfig, PhaseConfig } from '../src/core/phase-config.js';

const metric = (m: Partial<MetricConfig> & Pick<MetricConfig, 'id' | 'kind'>): MetricConfig => ({
  description: `${m.id} check`, operator: '>=', threshold: 1, weight: 1, required: false, ...m,
});

const METRICS: MetricConfig[] = [
  metric({ id: 'schema', kind: 'schema_valid', artifact: 'architecture', operator: '==', threshold: 1, required: true }),
  metric({ id: 'features-covered', kind: 'coverage', path: 'artifacts.prd.features[*].name', in: 'artifacts.architecture.components[*].features', threshold: 0.9, weight: 2 }),
  metric({ id: 'components', kind: 'count', path: 'artifacts.architecture.components', threshold: 3 }),
  metric({ id: 'described', kind: 'nonempty', path: 'artifacts.architecture.components[*].description' }),
  metric({ id: 'no-secrets', kind: 'secrets', operator: '<=', threshold: 0, required: true }),
  metric({ id: 'coherence', kind: 'judged', artifact: 'architecture', rubric: 'Is it coherent?', threshold: 0.7, weight: 3 }),
];

const phase = (metrics: MetricConfig[] = METRICS, passThreshold = 0.8): PhaseConfig => ({
  id: 'architecture', title: 'Architecture', description: 'Components and interfaces', needs: ['prd'],
  agents: [{ role: 'architect', output: 'architecture', inputs: ['prd'], maxTokens: 4000, temperature: 0.2 }],
  parallelism: 2, budget: { tokens: 100_000, usd: 2, wallClockSeconds: 600 },
  gate: { passThreshold, maxAttempts: 3, metrics }, qav: { maxQuestions: 5, maxAssumptions: 5 },
  retries: { model: 2 }, timeouts: { taskSeconds: 120 },
});

const FEATURES = ['User login', 'Search', 'Checkout', 'Reviews', 'Wishlist', 'Notifications', 'Admin panel', 'Export'];
const prd = { features: FEATURES.map((name) => ({ name })) };
const component = (name: string, features: string[], description = `${name} service`): Json => ({ name, description, features });
const goodArchitecture: Json = {
  components: [
    component('auth', ['  user   LOGIN ', 'Admin panel']),
    component('catalog', ['Search', 'Reviews', 'Wishlist', 'Export']),
    component('orders', ['Checkout', 'Notifications']),
  ],
};

const input = (over: Partial<GateInput> & { architecture?: Json; judgement?: Judgement | null } = {}): GateInput => ({
  phase: phase(),
  attempt: 1,
  context: { idea: { name: 'Shop' }, artifacts: { prd, architecture: over.architecture ?? goodArchitecture } },
  schemaErrors: {},
  scaffold: [{ path: 'src/index.ts', content: 'export const port = 8080;\n' }],
  judgements: over.judgement === undefined ? { coherence: { score: 0.8, rationale: 'Layers are clear.' } } : { coherence: over.judgement },
  ...over,
});

const byId = (r: GateResult, id: string): MetricResult => {
  const m = r.metrics.find((x) => x.id === id);
  if (!m) throw new Error(`no metric ${id}`);
  return m;
};

// Missing "Export", only two components, one with an empty description.
const weakArchitecture: Json = {
  components: [component('auth', ['User login', 'Admin panel'], '  '), component('shop', ['Search', 'Reviews', 'Wishlist', 'Checkout', 'Notifications'])],
};

describe('metrics', () => {
  it('passes a good architecture on every metric with computed details', () => {
    const r = evaluateGate(input());
    expect(r.metrics.map((m) => [m.id, m.value, m.passed, m.method])).toEqual([
      ['schema', 1, true, 'computed'], ['features-covered', 1, true, 'computed'], ['components', 3, true, 'computed'],
      ['described', 1, true, 'computed'], ['no-secrets', 0, true, 'computed'], ['coherence', 0.8, true, 'judged'],
    ]);
    expect(byId(r, 'features-covered').detail).toBe('8 of 8 distinct values found (artifacts.prd.features[*].name in artifacts.architecture.components[*].features)');
    expect(byId(r, 'components').detail).toBe('3 element(s) in the list at artifacts.architecture.components');
    expect(byId(r, 'coherence').detail).toBe('judged 0.8: Layers are clear.');
    expect(r).toMatchObject({ score: 1, passed: true, notJudged: [], failedRequired: [] });
  });

  it('reports each failing computed metric with its numbers and violations', () => {
    const r = evaluateGate(input({ architecture: weakArchitecture }));
    expect(byId(r, 'features-covered')).toMatchObject({ value: 0.875, passed: false, violations: ['"export" from artifacts.prd.features[*].name not found in artifacts.architecture.components[*].features'] });
    expect(byId(r, 'components')).toMatchObject({ value: 2, passed: false, violations: ['found 2 at artifacts.architecture.components; needs >= 3'] });
    expect(byId(r, 'described')).toMatchObject({ value: 0.5, passed: false, violations: ['artifacts.architecture.components[0].description is empty'] });
  });

  it('counts values, not a list, when the path selects many', () => {
    const m = metric({ id: 'names', kind: 'count', path: 'artifacts.architecture.components[*].name', operator: '>', threshold: 2 });
    const r = evaluateGate(input({ phase: phase([m]) }));
    expect(byId(r, 'names')).toMatchObject({ value: 3, passed: true, detail: '3 value(s) at artifacts.architecture.components[*].name' });
  });

  it('covers trivially when there is nothing to cover, and says so', () => {
    const m = metric({ id: 'cov', kind: 'coverage', path: 'idea.features', in: 'artifacts.prd.features[*].name' });
    expect(byId(evaluateGate(input({ phase: phase([m]) })), 'cov')).toMatchObject({ value: 1, passed: true, detail: 'nothing to cover: no values at idea.features' });
  });

  it('fails nonempty when the path selects nothing', () => {
    const m = metric({ id: 'risks', kind: 'nonempty', path: 'artifacts.architecture.risks[*]', artifact: 'architecture' });
    expect(byId(evaluateGate(input({ phase: phase([m]) })), 'risks')).toMatchObject({ value: 0, passed: false, violations: ['nothing found at artifacts.architecture.risks[*]'] });
  });

  it('fails schema_valid on a missing artifact and caps schema errors', () => {
    const missing = evaluateGate(input({ context: { idea: {}, artifacts: { prd } } }));
    expect(byId(missing, 'schema')).toMatchObject({ value: 0, passed: false, violations: ['artifact "architecture" missing'] });
    const errors = Array.from({ length: 14 }, (_, i) => `components.${i}.name: must be string`);
    const invalid = byId(evaluateGate(input({ schemaErrors: { architecture: errors } })), 'schema');
    expect(invalid.violations).toHaveLength(11);
    expect(invalid.violations.at(-1)).toBe('… and 4 more');
    expect(invalid.detail).toBe('artifact architecture has 14 schema error(s)');
  });

  it('finds secrets in scaffold files and the named artifact without quoting them', () => {
    const key = 'AK' + 'IA' + 'Q7ZK3MPLW2XRT9BN';
    const m = metric({ id: 'no-secrets', kind: 'secrets', artifact: 'architecture', operator: '==', threshold: 0 });
    const arch: Json = { components: [{ name: 'x', env: `AWS=${key}` }] };
    const r = evaluateGate(input({ phase: phase([m]), architecture: arch, scaffold: [{ path: 'deploy/env.sh', content: `#!/bin/sh\nexport AWS=${key}\n` }] }));
    const found = byId(r, 'no-secrets');
    expect(found).toMatchObject({ value: 2, passed: false, violations: ['deploy/env.sh:2: aws-access-key-id', 'artifacts/architecture.json:5: aws-access-key-id'] });
    expect(JSON.stringify(r)).not.toContain(key);
  });

  it('refuses a malformed or missing path as a phase-file error, naming the file and field', () => {
    const bad = metric({ id: 'bad', kind: 'count', path: 'artifacts.prd.features[0]' });
    expect(() => evaluateGate(input({ phase: phase([bad]) }))).toThrow(IdeaMineError);
    expect(() => evaluateGate(input({ phase: phase([bad]) }))).toThrow(/phases\/architecture\.yaml: gate metric "bad" \(count\): "path" is not a valid path/);
    const none = metric({ id: 'none', kind: 'coverage', path: 'idea.x' });
    expect(() => evaluateGate(input({ phase: phase([none]) }))).toThrow(/"in" is missing/);
  });

  it('locates the same values as paths.select', () => {
    const ctx = input().context;
    for (const p of ['artifacts.architecture.components[*].features[*]', 'artifacts.prd.features', 'idea.nope[*]']) {
      expect(locate(ctx, p).map((x) => x.value)).toEqual(select(ctx, p));
    }
    expect(locate(ctx, 'artifacts.architecture.components[*].features[*]')[1]?.at).toBe('artifacts.architecture.components[0].features[1]');
  });
});

describe('evaluateGate scoring', () => {
  it('re-normalises over judged metrics that were not judged, without inflating the score', () => {
    const r = evaluateGate(input({ architecture: weakArchitecture, judgement: null }));
    expect(byId(r, 'coherence')).toMatchObject({ value: null, passed: null, method: 'not-judged', detail: 'not judged: no model able to judge (offline)' });
    expect(r.notJudged).toEqual(['coherence']);
    // Measured weight 6: schema 1 + coverage 2·(0.875/0.9) + count 2/3 + nonempty 0.5 + secrets 1.
    expect(r.score).toBe(Math.round(((1 + 2 * (0.875 / 0.9) + 2 / 3 + 0.5 + 1) / 6) * 1e6) / 1e6);
    expect(r.score).toBe(0.851852);
    expect(r.passed).toBe(true);
    // Judged at zero, the same artifacts score lower; not judged is never counted as full marks.
    expect(evaluateGate(input({ architecture: weakArchitecture, judgement: { score: 0, rationale: 'incoherent' } })).score).toBe(0.567901);
  });

  it('gives partial credit only to failed lower bounds', () => {
    const base = { id: 'm', kind: 'count', description: '', weight: 1, required: false, passed: false, method: 'computed', detail: '', violations: [] } as const;
    expect(credit({ ...base, value: 2, operator: '>=', threshold: 4 })).toBe(0.5);
    expect(credit({ ...base, value: -1, operator: '>', threshold: 4 })).toBe(0);
    expect(credit({ ...base, value: 5, operator: '<=', threshold: 4 })).toBe(0);
    expect(credit({ ...base, value: 3, operator: '==', threshold: 4 })).toBe(0);
    expect(credit({ ...base, value: 0, operator: '>=', threshold: 0, passed: true })).toBe(1);
    expect(credit({ ...base, value: null, operator: '>=', threshold: 1, passed: null })).toBe(0);
  });

  it('blocks on a failed required metric even when the score clears the threshold', () => {
    const leaky = 'const db = { password: "' + 'Qm7vX2pL' + '9tR4wZ8k" };\n';
    const r = evaluateGate(input({ judgement: { score: 1, rationale: 'fine' }, scaffold: [{ path: 'src/db.ts', content: leaky }] }));
    expect(r.score).toBe(0.888889); // 8 of 9 weight earned
    expect(r.score).toBeGreaterThanOrEqual(r.passThreshold);
    expect(r).toMatchObject({ passed: false, failedRequired: ['no-secrets'] });
  });

  it('passes or fails on the pass threshold alone when no required metric failed', () => {
    const r = evaluateGate(input({ architecture: weakArchitecture, judgement: { score: 0.35, rationale: 'thin' }, phase: phase(METRICS, 0.7) }));
    expect(r).toMatchObject({ score: 0.734568, passed: true }); // (5.1111 + 3·0.5) / 9
    expect(evaluateGate(input({ architecture: weakArchitecture, judgement: { score: 0.35, rationale: 'thin' } }))).toMatchObject({ passed: false, failedRequired: [] });
  });

  it('does not pass a gate with nothing measurable', () => {
    const onlyJudged = phase([metric({ id: 'coherence', kind: 'judged', artifact: 'architecture', rubric: 'r', threshold: 0.5, required: true })], 0);
    const r = evaluateGate(input({ phase: onlyJudged, judgement: null }));
    expect(r).toMatchObject({ score: 0, passed: false, notJudged: ['coherence'], failedRequired: [] });
    expect(feedbackFor(r)[0]).toMatch(/nothing measurable to fix; a human must judge or waive/);
    const weightless = phase([metric({ id: 'components', kind: 'count', path: 'artifacts.architecture.components', threshold: 1, weight: 0 })], 0);
    expect(evaluateGate(input({ phase: weightless }))).toMatchObject({ score: 0, passed: false });
  });
});

describe('feedbackFor', () => {
  it('lists failed metrics, required first, with the gap and the violations', () => {
    const leaky = 'TOKEN=' + 'gh' + 'p_' + 'aB3dE5fG7hJ9kL1mN2pQ4rS6tU8vW0xY2zA4';
    const r = evaluateGate(input({ architecture: weakArchitecture, scaffold: [{ path: '.env', content: leaky }] }));
    expect(feedbackFor(r)).toEqual([
      'no-secrets (required): 1, needs <= 0 (over by 1) — 1 secret(s) found in 1 scaffold file(s)',
      'no-secrets: .env:1: github-token',
      'features-covered: 0.875, needs >= 0.9 (short by 0.025) — 7 of 8 distinct values found (artifacts.prd.features[*].name in artifacts.architecture.components[*].features)',
      'features-covered: "export" from artifacts.prd.features[*].name not found in artifacts.architecture.components[*].features',
      'components: 2, needs >= 3 (short by 1) — 2 element(s) in the list at artifacts.architecture.components',
      'components: found 2 at artifacts.architecture.components; needs >= 3',
      'described: 0.5, needs >= 1 (short by 0.5) — 1 of 2 values at artifacts.architecture.components[*].description are non-empty',
      'described: artifacts.architecture.components[0].description is empty',
    ]);
    expect(feedbackFor(evaluateGate(input()))).toEqual([]);
  });

  it('caps at 20 lines and 4 KB and says how much was left out', () => {
    const many = Array.from({ length: 40 }, (_, i) => ({ name: `Feature number ${i} with a fairly long descriptive name ${'x'.repeat(150)}` }));
    const r = evaluateGate(input({ context: { idea: {}, artifacts: { prd: { features: many }, architecture: goodArchitecture } }, schemaErrors: { architecture: Array.from({ length: 14 }, (_, i) => `components.${i}: ${'must be valid '.repeat(20)}`) } }));
    const lines = feedbackFor(r);
    expect(lines.length).toBeLessThanOrEqual(FEEDBACK_MAX_LINES);
    expect(new TextEncoder().encode(lines.join('\n')).length).toBeLessThanOrEqual(FEEDBACK_MAX_BYTES);
    expect(lines[0]).toMatch(/^schema \(required\)/);
    expect(lines.at(-1)).toMatch(/^… \d+ more line\(s\) left out$/);
  });
});

describe('gateReport', () => {
  const context = { ideaName: 'Shop', phaseTitle: 'Architecture', attemptsTried: 3, maxAttempts: 3 };

  it('shows the verdict, the numbers, the failing metric, the not-judged note and the attempts', () => {
    const r = evaluateGate(input({ architecture: weakArchitecture, judgement: null, phase: phase(METRICS, 0.9) }));
    const md = gateReport(r, context);
    expect(md).toContain('## Gate failed ✗: Architecture — Shop');
    expect(md).toContain('**Verdict: failed** — score 0.8519 < pass threshold 0.9.');
    expect(md).toContain('| `features-covered` features-covered check | coverage | 0.875 | >= 0.9 | 2 | no | computed | ✗ |');
    expect(md).toContain('| `coherence` coherence check | judged | — | >= 0.7 | 3 | no | not-judged | — |');
    expect(md).toContain('- `"export" from artifacts.prd.features[*].name not found in artifacts.architecture.components[*].features`');
    expect(md).toContain('`coherence`: no model able to judge (offline). Their weight (3 of 9) is left out');
    expect(md).toContain('3 of 3 attempt(s) tried; each retry fed the violations back to the producing agents. No attempts remain');
    expect(md).not.toContain('### Violations\n\n#### `schema`'); // passing metrics list no violations
  });

  it('reports a pass and names required failures', () => {
    expect(gateReport(evaluateGate(input()), { ...context, attemptsTried: 1 })).toContain('**Verdict: passed** — score 1 ≥ pass threshold 0.8.');
    const leaky = 'password = "' + 'Qm7vX2pL' + '9tR4wZ8k"';
    const md = gateReport(evaluateGate(input({ scaffold: [{ path: 'a.py', content: leaky }] })), context);
    expect(md).toContain('required metric(s) failed: `no-secrets`');
    expect(md).toContain('- `a.py:1: credential-assignment`');
  });

  it('stays under 60,000 characters and says what it left out', () => {
    const r = evaluateGate(input({ architecture: weakArchitecture }));
    const huge: GateResult = { ...r, metrics: r.metrics.map((m) => (m.passed === false ? { ...m, violations: Array.from({ length: 3000 }, (_, i) => `violation ${i} ${'y'.repeat(60)}`) } : m)) };
    const md = gateReport(huge, context);
    expect(md.length).toBeLessThanOrEqual(REPORT_MAX_CHARS);
    expect(md).toMatch(/_\d+ violation line\(s\) left out to keep this report under 60,000 characters\._/);
    expect(md).toContain('### What was tried');
  });

  it('escapes model-written text in table cells', () => {
    const m = metric({ id: 'evil', kind: 'count', path: 'artifacts.prd.features', description: 'a | b <img src=x>' });
    const md = gateReport(evaluateGate(input({ phase: phase([m]) })), context);
    expect(md).toContain('a \\| b \\<img src=x\\>');
  });
});
