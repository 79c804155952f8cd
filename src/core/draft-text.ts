// Text pieces for the offline drafter: a seeded PRNG, the idea's vocabulary, formats and simple patterns.
import { sha256Hex, type Json } from './canonical.js';

export interface Rng {
  next(): number;
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
}

/** xorshift128 seeded from SHA-256 of the seed text: deterministic and well spread. */
export function createRng(seed: string): Rng {
  const hex = sha256Hex(seed);
  const s = [0, 1, 2, 3].map((i) => parseInt(hex.slice(i * 8, i * 8 + 8), 16) >>> 0 || 0x9e3779b9);
  const next = (): number => {
    let t = s[3] ?? 0;
    const first = s[0] ?? 0;
    s[3] = s[2] ?? 0;
    s[2] = s[1] ?? 0;
    s[1] = first;
    t ^= t << 11;
    t ^= t >>> 8;
    s[0] = (t ^ first ^ (first >>> 19)) >>> 0;
    return (s[0] >>> 0) / 0x100000000;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  return { next, int, pick };
}

/** What the drafter may say: phrases taken from the idea itself, so drafts read as about the idea. */
export interface Vocabulary {
  readonly name: string;
  readonly slug: string;
  readonly features: readonly string[];
  readonly users: readonly string[];
  readonly words: readonly string[];
  readonly description: string;
}

const asStrings = (value: Json | undefined): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v.trim() !== '') : [];

export function vocabularyOf(idea: Json): Vocabulary {
  const record = idea !== null && typeof idea === 'object' && !Array.isArray(idea) ? idea : {};
  const name = typeof record.name === 'string' && record.name.trim() ? record.name.trim() : 'The product';
  const description = typeof record.description === 'string' ? record.description.trim() : '';
  const features = asStrings(record.core_features);
  const users = asStrings(record.target_users);
  const text = [name, description, ...features, ...users].join(' ');
  const words = [...new Set(text.split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 2).map((w) => w.toLowerCase()))];
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'product';
  return {
    name,
    slug,
    features: features.length > 0 ? features : [`core workflow of ${name}`],
    users: users.length > 0 ? users : ['early adopters'],
    words: words.length > 0 ? words : ['product', 'users', 'value', 'workflow'],
    description: description || `${name} helps its users`,
  };
}

const humanise = (key: string): string => key.replace(/[_-]+/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase().trim();

const capital = (s: string): string => s.replace(/^\p{Ll}/u, (c) => c.toUpperCase());

/** A short label (names, titles). */
export function phrase(v: Vocabulary, rng: Rng): string {
  const feature = rng.pick(v.features);
  return rng.next() < 0.5 ? feature : capital(`${rng.pick(v.words)} ${feature}`);
}

/** A sentence about the idea, shaped by the field it fills. */
export function sentence(v: Vocabulary, rng: Rng, key: string): string {
  const topic = humanise(key) || 'this point';
  const feature = rng.pick(v.features);
  const user = rng.pick(v.users);
  const forms = [
    `${v.name}, ${topic}: ${feature} for ${user}.`,
    `For ${user}, ${v.name} handles ${topic} through ${feature}.`,
    `${capital(feature)} gives ${user} a clear answer on ${topic} in ${v.name}.`,
    `${v.name} treats ${topic} as part of ${feature}, checked with ${user}.`,
  ];
  return rng.pick(forms);
}

export function identifier(key: string, index: number): string {
  const base = humanise(key).replace(/\bid\b/g, '').trim().replace(/\s+/g, '-') || 'item';
  return `${base}-${index}`;
}

export function formatted(format: string, v: Vocabulary, rng: Rng, key: string): string | undefined {
  const day = new Date(Date.UTC(2026, 0, 1) + rng.int(0, 364) * 86_400_000);
  switch (format) {
    case 'date-time':
      return day.toISOString().replace('.000Z', 'Z');
    case 'date':
      return day.toISOString().slice(0, 10);
    case 'uri':
    case 'url':
      return `https://example.com/${v.slug}/${identifier(key, rng.int(1, 99))}`;
    case 'email':
      return `team@${v.slug}.example.com`;
    case 'uuid': {
      const hex = sha256Hex(`${v.slug}/${key}/${rng.next()}`);
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
    }
    default:
      return undefined;
  }
}

/** Generates a string for a simple regular expression (classes, groups, alternation, quantifiers). */
export function fromPattern(pattern: string, rng: Rng): string {
  let pos = 0;
  const ranges: Record<string, string> = { d: '0123456789', w: 'abcdefghijklmnopqrstuvwxyz0123456789_', s: ' ' };
  const klass = (): string => {
    let chars = '';
    const negate = pattern[pos] === '^';
    if (negate) pos += 1;
    while (pos < pattern.length && pattern[pos] !== ']') {
      let c = pattern[pos++] ?? '';
      if (c === '\\') {
        const e = pattern[pos++] ?? '';
        chars += ranges[e] ?? e;
        continue;
      }
      if (pattern[pos] === '-' && pattern[pos + 1] !== ']' && pos + 1 < pattern.length) {
        const end = pattern[pos + 1] ?? c;
        pos += 2;
        for (let code = c.charCodeAt(0); code <= end.charCodeAt(0); code += 1) chars += String.fromCharCode(code);
        c = '';
      }
      chars += c;
    }
    pos += 1;
    return negate ? 'abcdefghijklmnopqrstuvwxyz'.split('').filter((c) => !chars.includes(c)).join('') : chars;
  };
  const sequence = (): string => {
    let out = '';
    while (pos < pattern.length && pattern[pos] !== '|' && pattern[pos] !== ')') {
      const c = pattern[pos++] ?? '';
      let gen: () => string;
      if (c === '^' || c === '$') continue;
      if (c === '(') {
        if (pattern.startsWith('?:', pos)) pos += 2;
        const start = pos;
        alternation();
        const body = pattern.slice(start, pos);
        pos += 1;
        gen = () => fromPattern(body, rng);
      } else if (c === '[') {
        const chars = klass() || 'a';
        gen = () => chars[rng.int(0, chars.length - 1)] ?? 'a';
      } else if (c === '\\') {
        const e = pattern[pos++] ?? '';
        const chars = ranges[e];
        gen = chars ? () => chars[rng.int(0, chars.length - 1)] ?? 'a' : () => e;
      } else if (c === '.') gen = () => rng.pick(['a', 'b', 'c', 'x']);
      else gen = () => c;
      let [min, max] = [1, 1];
      const q = /^(?:\{(\d+)(?:(,)(\d*))?\}|([*+?]))/.exec(pattern.slice(pos));
      if (q) {
        pos += q[0].length;
        if (q[4] === '*') [min, max] = [0, 3];
        else if (q[4] === '+') [min, max] = [1, 4];
        else if (q[4] === '?') [min, max] = [0, 1];
        else {
          min = Number(q[1]);
          max = q[2] ? (q[3] ? Number(q[3]) : min + 3) : min;
        }
      }
      const count = rng.int(min, Math.min(max, min + 6));
      for (let i = 0; i < count; i += 1) out += gen();
    }
    return out;
  };
  const alternation = (): string => {
    const options = [sequence()];
    while (pattern[pos] === '|') {
      pos += 1;
      options.push(sequence());
    }
    return rng.pick(options);
  };
  return alternation();
}
