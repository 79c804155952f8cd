// The offline drafter: valid against every artifact schema, deterministic, and steered by x-draft hints.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Json } from '../src/core/canonical.js';
import { draft, type DraftContext } from '../src/core/draft.js';
import { validateAgainst } from '../src/core/validate.js';

const pantry = {
  name: 'Tidy Pantry',
  description: 'A pantry tracker that cuts food waste for households.',
  complexity: 'medium',
  category: 'consumer',
  target_users: ['busy parents', 'students'],
  core_features: ['barcode scanning', 'expiry reminders', 'shopping list sync'],
  technical_requirements: { platform: 'mobile', expected_users: 10000, budget: '$20k', timeline: '3 months' },
  constraints: ['offline first'],
  integrations: ['Stripe'],
  compliance: ['GDPR'],
} satisfies Json;
const sparse = { name: 'X', description: '', target_users: [], core_features: [] } satisfies Json;
const ctx = (idea: Json = pantry, artifacts: Record<string, Json> = {}, item: Json | null = null): DraftContext => ({ idea, artifacts, item });

const schemaDir = 'schemas/artifacts';
const artifactSchemas = readdirSync(schemaDir)
  .filter((f) => f.endsWith('.schema.json'))
  .sort()
  .map((f) => [f, JSON.parse(readFileSync(join(schemaDir, f), 'utf8')) as Json] as const);

describe('draft against the artifact schemas', () => {
  it('finds the artifact schemas to test', () => {
    expect(artifactSchemas.length).toBeGreaterThan(0);
  });

  it.each([
    ['a full idea', pantry],
    ['a sparse idea', sparse],
  ])('drafts a valid artifact for every schema, feeding earlier drafts forward, from %s', (_label, idea) => {
    for (const seed of ['s1', 's2', 's3']) {
      const artifacts: Record<string, Json> = {};
      for (const [file, schema] of artifactSchemas) {
        const out = draft(schema, ctx(idea, artifacts, { name: 'fan-out item', id: 'F1' }), `${seed}/${file}`);
        expect(validateAgainst(schema, out), `${file} (${seed})`).toEqual([]);
        artifacts[file.replace('.schema.json', '')] = out;
      }
    }
  });
});

describe('draft determinism', () => {
  const schema: Json = { type: 'object', properties: { a: { type: 'string' }, n: { type: 'integer' }, l: { type: 'array', items: { type: 'string' } } } };
  it('gives the same output for the same schema, context and seed', () => {
    expect(draft(schema, ctx(), 'k')).toEqual(draft(schema, ctx(), 'k'));
  });
  it('varies with the seed', () => {
    const outs = new Set(['a', 'b', 'c', 'd'].map((s) => JSON.stringify(draft(schema, ctx(), s))));
    expect(outs.size).toBeGreaterThan(1);
  });
  it('writes about the idea', () => {
    const text = JSON.stringify(draft({ type: 'object', properties: { summary: { type: 'string' }, name: { type: 'string' } } }, ctx(), 'k'));
    expect(/Tidy Pantry|barcode scanning|expiry reminders|shopping list sync|busy parents|students/.test(text)).toBe(true);
  });
});

describe('draft honours JSON Schema constraints', () => {
  const cases: [string, Json][] = [
    ['enum and const', { type: 'object', properties: { p: { enum: ['must', 'should'] }, c: { const: 42 } }, required: ['p', 'c'] }],
    ['integer bounds', { type: 'integer', minimum: 7, maximum: 9 }],
    ['exclusive bounds and multipleOf', { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, multipleOf: 0.25 }],
    ['negative range', { type: 'integer', maximum: -5 }],
    ['string lengths', { type: 'string', minLength: 300, maxLength: 320 }],
    ['tiny maxLength', { type: 'string', maxLength: 3 }],
    ['formats', { type: 'object', properties: { at: { type: 'string', format: 'date-time' }, d: { type: 'string', format: 'date' }, u: { type: 'string', format: 'uri' }, e: { type: 'string', format: 'email' }, id: { type: 'string', format: 'uuid' } } }],
    ['patterns', { type: 'object', properties: { code: { type: 'string', pattern: '^[A-Z]{2,4}-\\d{3}$' }, tag: { type: 'string', pattern: '^(alpha|beta)-[a-z0-9]+$' }, v: { type: 'string', pattern: '^v\\d+\\.\\d+(\\.\\d+)?$' } } }],
    ['array bounds and uniqueness', { type: 'array', minItems: 5, maxItems: 6, uniqueItems: true, items: { type: 'string', maxLength: 50 } }],
    ['unique enum items', { type: 'array', minItems: 2, uniqueItems: true, items: { enum: ['a', 'b', 'c'] } }],
    ['refs, anyOf and nullable types', { $defs: { item: { type: 'object', required: ['id'], properties: { id: { type: 'string' } }, additionalProperties: false } }, type: 'object', properties: { one: { $ref: '#/$defs/item' }, any: { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'string' }] }, maybe: { type: ['null', 'boolean'] } } }],
    ['allOf and required without properties', { type: 'object', allOf: [{ type: 'object', properties: { a: { type: 'string' } } }, { type: 'object', required: ['a', 'b'] }] }],
    ['minProperties with additionalProperties', { type: 'object', minProperties: 2, additionalProperties: { type: 'integer' } }],
    ['tuple items', { type: 'array', items: [{ type: 'string' }, { type: 'boolean' }], minItems: 2, additionalItems: false }],
  ];
  it.each(cases)('%s', (_label, schema) => {
    for (const seed of ['1', '2', '3', '4', '5']) expect(validateAgainst(schema, draft(schema, ctx(), seed))).toEqual([]);
  });
});

describe('x-draft hints', () => {
  const features = { type: 'array', minItems: 1, maxItems: 2, 'x-draft': { each: 'idea.core_features' }, items: { type: 'object', required: ['id', 'title', 'n'], additionalProperties: false, properties: { id: { type: 'string', 'x-draft': { template: 'F{$index}' } }, title: { type: 'string', 'x-draft': { from: '$' } }, n: { type: 'integer' } } } } satisfies Json;

  it('each: one item per selected value, capped by maxItems, with $ and $index', () => {
    const out = draft(features, ctx(), 'k') as { id: string; title: string }[];
    expect(out.map((f) => [f.id, f.title])).toEqual([['F1', 'barcode scanning'], ['F2', 'expiry reminders']]);
    expect(validateAgainst(features, out)).toEqual([]);
  });

  it('each: pads to minItems when the path selects too little', () => {
    const out = draft({ ...features, minItems: 2 }, ctx(sparse), 'k') as { id: string }[];
    expect(out).toHaveLength(2);
    expect(validateAgainst({ ...features, minItems: 2 }, out)).toEqual([]);
  });

  it('each over objects resolves $.field and inherits same-named fields', () => {
    const prd = { features: [{ id: 'F1', title: 'Scan', priority: 'must' }, { id: 'F2', title: 'Remind', priority: 'could' }] };
    const schema = { type: 'array', 'x-draft': { each: 'artifacts.prd.features[*]' }, items: { type: 'object', properties: { feature_id: { type: 'string', 'x-draft': { from: '$.id' } }, title: { type: 'string' }, note: { type: 'string', 'x-draft': { template: '{$.title} for {idea.name} #{$index}' } } } } } satisfies Json;
    expect(draft(schema, ctx(pantry, { prd }), 'k')).toEqual([
      { feature_id: 'F1', title: 'Scan', note: 'Scan for Tidy Pantry #1' },
      { feature_id: 'F2', title: 'Remind', note: 'Remind for Tidy Pantry #2' },
    ]);
  });

  it('from: copies values coerced to the item type, and a scalar takes the first', () => {
    const schema = { type: 'object', properties: { tags: { type: 'array', items: { type: 'string' }, 'x-draft': { from: 'idea.technical_requirements[*]' } }, all: { type: 'array', items: { type: 'string' }, 'x-draft': { from: 'idea.technical_requirements' } }, users: { type: 'integer', 'x-draft': { from: 'idea.technical_requirements.expected_users' } }, platform: { type: 'string', 'x-draft': { from: 'idea.technical_requirements.platform' } }, fan: { type: 'string', 'x-draft': { from: 'item.name' } } } } satisfies Json;
    const out = draft(schema, ctx(pantry, {}, { name: 'the item' }), 'k') as Record<string, Json>;
    expect(out.all).toEqual([JSON.stringify(pantry.technical_requirements)]);
    expect(out.users).toBe(10000);
    expect(out.platform).toBe('mobile');
    expect(out.fan).toBe('the item');
  });

  it('from: falls back to generation when nothing is selected', () => {
    const schema = { type: 'object', required: ['a', 'n'], properties: { a: { type: 'array', minItems: 2, items: { type: 'string' }, 'x-draft': { from: 'idea.missing' } }, n: { type: 'integer', minimum: 3, 'x-draft': { from: 'idea.name' } } } } satisfies Json;
    const out = draft(schema, ctx(), 'k');
    expect(validateAgainst(schema, out)).toEqual([]);
  });

  it('template: interpolates paths and truncates to maxLength', () => {
    const schema = { type: 'string', maxLength: 12, 'x-draft': { template: 'Plan for {idea.name} and {idea.core_features[*]}' } } satisfies Json;
    expect(draft(schema, ctx(), 'k')).toBe('Plan for Tid');
    const long = { type: 'string', 'x-draft': { template: '{idea.name}: {idea.description}' } } satisfies Json;
    expect(draft(long, ctx(), 'k')).toBe('Tidy Pantry: A pantry tracker that cuts food waste for households.');
  });

  it('template: ignored when it cannot satisfy the pattern', () => {
    const schema = { type: 'string', pattern: '^[a-z]+-\\d+$', 'x-draft': { template: '{idea.name}' } } satisfies Json;
    const out = draft(schema, ctx(), 'k');
    expect(validateAgainst(schema, out)).toEqual([]);
  });
});
