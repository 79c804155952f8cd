// The offline drafter: a seeded, schema-driven generator (no per-agent templates) steered by `x-draft` hints.
import { canonicalJson, type Json } from './canonical.js';
import { select } from './paths.js';
import { createRng, formatted, fromPattern, identifier, phrase, sentence, vocabularyOf } from './draft-text.js';
import type { Rng, Vocabulary } from './draft-text.js';
import { coerceNumber, coerceTo, decimals, isRecord, mergeSchemas, num, typeOf, type Schema } from './draft-schema.js';

export interface DraftContext {
  readonly idea: Json;
  readonly artifacts: Record<string, Json>;
  readonly item: Json | null;
}

interface Hint {
  readonly each?: string;
  readonly from?: string;
  readonly template?: string;
}
interface Scope {
  readonly element?: unknown;
  readonly elementIndex?: number;
  readonly position: number;
  readonly depth: number;
}

/** Unhinted strings stay short enough to read; schemas may ask for less. */
const MAX_STRING = 240;
const MAX_DEPTH = 8;


/** Drafts a value valid against `schema`, deterministic in (schema, context, seed). */
export function draft(schema: Json, context: DraftContext, seed: string): Json {
  const root = { idea: context.idea, artifacts: context.artifacts, item: context.item };
  const rng = createRng(`${seed}\n${canonicalJson(schema)}`);
  const vocab = vocabularyOf(context.idea);
  const rootSchema = isRecord(schema) ? schema : {};
  return new Drafter(root, rng, vocab, rootSchema).value(schema, { position: 1, depth: 0 }, '');
}

class Drafter {
  constructor(
    private readonly root: unknown,
    private readonly rng: Rng,
    private readonly vocab: Vocabulary,
    private readonly rootSchema: Schema,
  ) {}

  /** Like resolve, but a single selected array stands for its elements (`idea.core_features` = `[*]`). */
  resolveMany(path: string, scope: Scope): unknown[] {
    const values = this.resolve(path, scope);
    return values.length === 1 && Array.isArray(values[0]) ? (values[0] as unknown[]) : values;
  }

  resolve(path: string, scope: Scope): unknown[] {
    if (path === '$index') return [scope.elementIndex ?? scope.position];
    if (path === '$') return scope.element === undefined ? [] : [scope.element];
    if (path.startsWith('$.')) return scope.element === undefined ? [] : select(scope.element, path.slice(2));
    return select(this.root, path);
  }

  /** Follows local $refs and folds allOf/anyOf/oneOf into one schema to draft from. */
  normalise(input: Json, depth = 0): Schema {
    if (!isRecord(input) || depth > 16) return {};
    let schema: Schema = input;
    const ref = schema.$ref;
    if (typeof ref === 'string' && ref.startsWith('#/')) {
      let target: unknown = this.rootSchema;
      for (const part of ref.slice(2).split('/')) target = isRecord(target) ? target[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
      const { $ref: _ref, ...rest } = schema;
      schema = { ...this.normalise(target as Json, depth + 1), ...rest };
    }
    const branch = Array.isArray(schema.anyOf) ? schema.anyOf[0] : Array.isArray(schema.oneOf) ? schema.oneOf[0] : undefined;
    if (branch !== undefined) {
      const { anyOf: _a, oneOf: _o, ...rest } = schema;
      schema = mergeSchemas(rest, this.normalise(branch, depth + 1));
    }
    if (Array.isArray(schema.allOf)) {
      const { allOf, ...rest } = schema;
      schema = allOf.reduce<Schema>((acc, part) => mergeSchemas(acc, this.normalise(part, depth + 1)), rest);
    }
    return schema;
  }

  value(input: Json, scope: Scope, key: string): Json {
    const schema = this.normalise(input);
    if ('const' in schema && schema.const !== undefined) return schema.const;
    if (Array.isArray(schema.enum) && schema.enum.length > 0) return this.rng.pick(schema.enum);
    const hint = isRecord(schema['x-draft']) ? (schema['x-draft'] as Hint) : {};
    switch (typeOf(schema)) {
      case 'null':
        return null;
      case 'boolean':
        return this.fromHint(hint, scope, (v) => (typeof v === 'boolean' ? v : undefined)) ?? this.rng.next() < 0.5;
      case 'integer':
      case 'number':
        return this.fromHint(hint, scope, (v) => coerceNumber(v, schema)) ?? this.number(schema);
      case 'array':
        return this.array(schema, hint, scope, key);
      case 'object':
        return this.object(schema, scope);
      default:
        return this.string(schema, hint, scope, key);
    }
  }

  fromHint<T>(hint: Hint, scope: Scope, coerce: (v: unknown) => T | undefined): T | undefined {
    if (typeof hint.from !== 'string') return undefined;
    for (const v of this.resolve(hint.from, scope)) {
      const out = coerce(v);
      if (out !== undefined) return out;
    }
    return undefined;
  }

  number(schema: Schema): number {
    const integer = typeOf(schema) === 'integer';
    const step = num(schema.multipleOf) ?? (integer ? 1 : 0.01);
    const exMin = num(schema.exclusiveMinimum);
    const exMax = num(schema.exclusiveMaximum);
    let lo = num(schema.minimum) ?? (exMin !== undefined ? exMin + step : undefined);
    let hi = num(schema.maximum) ?? (exMax !== undefined ? exMax - step : undefined);
    lo ??= hi !== undefined ? Math.min(0, hi) : 1;
    hi ??= lo + (integer ? 20 : 100);
    const first = Math.ceil(lo / step - 1e-9);
    const last = Math.floor(hi / step + 1e-9);
    if (last < first) return lo;
    const value = this.rng.int(first, last) * step;
    return integer ? Math.round(value) : Number(value.toFixed(decimals(step)));
  }

  array(schema: Schema, hint: Hint, scope: Scope, key: string): Json[] {
    const minItems = num(schema.minItems) ?? 0;
    const maxItems = Math.max(minItems, num(schema.maxItems) ?? Number.POSITIVE_INFINITY);
    const tuple = Array.isArray(schema.prefixItems) ? schema.prefixItems : Array.isArray(schema.items) ? schema.items : null;
    if (tuple) return tuple.map((s, i) => this.value(s, { ...scope, position: i + 1, depth: scope.depth + 1 }, key));
    const itemSchema: Json = isRecord(schema.items) ? schema.items : {};
    const out: Json[] = [];
    const seen = new Set<string>();
    const push = (value: Json): void => {
      const k = canonicalJson(value);
      if (schema.uniqueItems === true && seen.has(k)) return;
      seen.add(k);
      out.push(value);
    };
    const child = (i: number, element?: unknown): Scope =>
      element === undefined
        ? { position: i, depth: scope.depth + 1 }
        : { element, elementIndex: i, position: i, depth: scope.depth + 1 };
    if (typeof hint.each === 'string') {
      this.resolveMany(hint.each, scope).forEach((element, i) => {
        if (out.length < maxItems) push(this.value(itemSchema, child(i + 1, element), key));
      });
    } else if (typeof hint.from === 'string') {
      const item = this.normalise(itemSchema);
      for (const v of this.resolveMany(hint.from, scope)) {
        const coerced = coerceTo(v, item);
        if (coerced !== undefined && out.length < maxItems) push(typeof coerced === 'string' ? fitLength(coerced, item, this.vocab) : coerced);
      }
    }
    const hinted = typeof hint.each === 'string' || typeof hint.from === 'string';
    const target = hinted || scope.depth >= MAX_DEPTH ? minItems : Math.min(maxItems, Math.max(minItems, this.rng.int(2, 4)));
    for (let i = out.length + 1, tries = 0; out.length < target && tries < target * 4 + 8; tries += 1, i += 1) {
      push(this.value(itemSchema, child(i), key));
    }
    return out;
  }

  object(schema: Schema, scope: Scope): Json {
    const props = isRecord(schema.properties) ? schema.properties : {};
    const required = Array.isArray(schema.required) ? schema.required.filter((k): k is string => typeof k === 'string') : [];
    const out: Record<string, Json> = {};
    const inner: Scope = { ...scope, depth: scope.depth + 1 };
    for (const [key, sub] of Object.entries(props)) out[key] = this.inherited(key, sub, scope) ?? this.value(sub, inner, key);
    for (const key of required) if (!(key in out)) out[key] = this.value({}, inner, key);
    const extra = isRecord(schema.additionalProperties) ? schema.additionalProperties : {};
    for (let i = 1; Object.keys(out).length < (num(schema.minProperties) ?? 0); i += 1) out[`entry-${i}`] = this.value(extra, inner, 'entry');
    return out;
  }

  /** Inside an `each`, a field takes the element's own value when it fits, so items mirror their source. */
  inherited(key: string, sub: Json, scope: Scope): Json | undefined {
    const element = scope.element;
    if (element === undefined) return undefined;
    const schema = this.normalise(sub);
    if (isRecord(schema['x-draft']) || 'const' in schema || Array.isArray(schema.enum)) return undefined;
    const kind = typeOf(schema);
    if (isRecord(element) && key in element) {
      const v = element[key];
      if (kind === 'string' && typeof v === 'string' && !schema.pattern && !schema.format) return fitLength(v, schema, this.vocab);
      if ((kind === 'number' || kind === 'integer') && coerceNumber(v, schema) !== undefined) return v;
      if (kind === 'boolean' && typeof v === 'boolean') return v;
      return undefined;
    }
    if (typeof element === 'string' && kind === 'string' && /^(name|title|label|feature|summary|statement|text)$/.test(key)) {
      return schema.pattern || schema.format ? undefined : fitLength(element, schema, this.vocab);
    }
    return undefined;
  }

  string(schema: Schema, hint: Hint, scope: Scope, key: string): string {
    const pattern = typeof schema.pattern === 'string' ? schema.pattern : undefined;
    const matches = (s: string): boolean => pattern === undefined || new RegExp(pattern, 'u').test(s);
    const candidates: (string | undefined)[] = [
      typeof hint.template === 'string' ? this.interpolate(hint.template, scope) : undefined,
      this.fromHint(hint, scope, (v) => (typeof v === 'string' ? v : v === undefined ? undefined : JSON.stringify(v))),
    ];
    for (const c of candidates) {
      if (c !== undefined && c.trim() !== '') {
        const fitted = fitLength(c, schema, this.vocab);
        if (matches(fitted)) return fitted;
      }
    }
    const format = typeof schema.format === 'string' ? formatted(schema.format, this.vocab, this.rng, key) : undefined;
    if (format !== undefined) return format;
    if (pattern !== undefined) {
      let last = '';
      for (let i = 0; i < 8; i += 1) {
        last = fromPattern(pattern, this.rng);
        if (matches(last) && last.length >= (num(schema.minLength) ?? 0) && last.length <= (num(schema.maxLength) ?? Infinity)) return last;
      }
      return last;
    }
    const max = num(schema.maxLength) ?? MAX_STRING;
    let text: string;
    if (/(^|_|-)(id|key|slug|ref)$/i.test(key) || /Id$/.test(key)) text = identifier(key, scope.elementIndex ?? scope.position);
    else if (max <= 60 || /name|title|label|heading|tag/i.test(key)) text = phrase(this.vocab, this.rng);
    else text = sentence(this.vocab, this.rng, key);
    return fitLength(text, schema, this.vocab);
  }

  interpolate(template: string, scope: Scope): string {
    return template
      .replace(/\{([A-Za-z0-9_$.*[\]-]+)\}/g, (_m, path: string) => {
        const [first] = this.resolve(path, scope);
        return first === undefined ? '' : typeof first === 'string' ? first : JSON.stringify(first);
      })
      .replace(/\s+/g, ' ')
      .trim();
  }
}

/** Pads with the idea's words up to minLength and cuts at maxLength (also after interpolation). */
function fitLength(text: string, schema: Schema, vocab: Vocabulary): string {
  const min = num(schema.minLength) ?? 0;
  const max = num(schema.maxLength) ?? MAX_STRING;
  let out = text;
  for (let i = 0; [...out].length < min; i += 1) out += ` ${vocab.words[i % vocab.words.length] ?? 'detail'}`;
  const chars = [...out];
  if (chars.length > max) out = chars.slice(0, max).join('').trimEnd();
  while ([...out].length < min) out += '.';
  return out;
}
