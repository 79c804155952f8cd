// Secret detection over generated text: well-known token formats plus high-entropy credential assignments.

export interface SecretFinding {
  readonly path: string;
  readonly line: number;
  readonly kind: string;
}

/** A detected token inside one text: [start, end) offsets of the secret itself, for scrubbing. */
export interface SecretSpan {
  readonly start: number;
  readonly end: number;
  readonly line: number;
  readonly kind: string;
}

interface TokenPattern {
  readonly kind: string;
  readonly regex: RegExp;
  /** Extra check on the matched text (the loose formats need it to stay quiet on prose). */
  readonly accept?: (token: string) => boolean;
}

const hasLetterAndDigit = (s: string): boolean => /[A-Za-z]/.test(s) && /[0-9]/.test(s);

// Every quantifier is bounded or anchored on a fixed prefix, so scanning stays linear on minified files.
const TOKEN_PATTERNS: readonly TokenPattern[] = [
  { kind: 'private-key', regex: /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]{0,16000}?-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----)?/g },
  { kind: 'aws-access-key-id', regex: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g },
  { kind: 'github-token', regex: /\bgh[pousr]_[A-Za-z0-9]{36,255}\b/g },
  { kind: 'github-token', regex: /\bgithub_pat_[A-Za-z0-9_]{22,255}\b/g },
  { kind: 'anthropic-api-key', regex: /\bsk-ant-[A-Za-z0-9_-]{20,300}/g },
  { kind: 'openai-api-key', regex: /\bsk-(?!ant-)[A-Za-z0-9_-]{20,300}/g, accept: hasLetterAndDigit },
  { kind: 'slack-token', regex: /\bxox[bpars]-[A-Za-z0-9-]{10,250}/g, accept: hasLetterAndDigit },
  { kind: 'google-api-key', regex: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g },
  { kind: 'stripe-secret-key', regex: /\b(?:sk|rk)_live_[0-9A-Za-z]{16,250}/g },
  { kind: 'jwt', regex: /\beyJ[A-Za-z0-9_-]{8,2000}\.eyJ[A-Za-z0-9_-]{8,4000}\.[A-Za-z0-9_-]{16,2000}/g },
];

/** Key words that make an assignment a credential; the key may carry a prefix (DB_PASSWORD, githubToken). */
const CREDENTIAL_KEY = /(password|passwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|client[_-]?secret|credentials?)/gi;
/**
 * From just after the key word: rest of the key, optional closing quote, an operator, then a quoted
 * literal (group 2 quote, group 3 value) or a bare one (group 4) that ends at `;`, `,`, `&` or `=`
 * (base64 padding excepted), so "a=b&token=c" and "token=token=…" stay separate and linear.
 */
const ASSIGNMENT_TAIL = /[A-Za-z0-9_.-]{0,40}["']?[ \t]{0,8}(?::=|=>|=|:)[ \t]{0,8}(?:(["'`])([^\s"'`]{1,512})\1|([^\s"'`;,&=]{1,512}={0,2}))/y;

/** Bits per character above which an assigned literal looks random rather than a word. */
export const ENTROPY_THRESHOLD = 3.0;
const MIN_SECRET_LENGTH = 8;

export function shannonEntropy(text: string): number {
  if (text === '') return 0;
  const counts = new Map<string, number>();
  for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
  const total = [...text].length;
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / total;
    bits -= p * Math.log2(p);
  }
  return bits;
}

const PLACEHOLDER_WORDS = /example|sample|placeholder|changeme|change[_-]me|dummy|your[_-]|<[^>]*>|\$\{|\{\{|%\(|xxxx|\*\*\*\*|\.\.\.|redacted|replace[_-]?me|insert[_-]|todo|not[_-]?set/i;

/** "changeme", "<your-key>", "${API_KEY}", "xxxx", "sk-EXAMPLE...", repeated characters: not secrets. */
export function isPlaceholder(value: string): boolean {
  if (value.trim() === '') return true;
  if (PLACEHOLDER_WORDS.test(value)) return true;
  return new Set(value).size <= 3;
}

const characterClasses = (s: string): number =>
  [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(s)).length;

/** References and code rather than literals: env lookups, dotted names, calls, booleans, numbers. */
function isReference(value: string, quoted: boolean): boolean {
  if (/^(?:true|false|null|none|nil|undefined)$/i.test(value) || /^-?\d+(?:\.\d+)?$/.test(value)) return true;
  if (quoted) return false;
  return /^[$@]|[()[\]{};,]/.test(value) || /^[A-Za-z_$][\w$]*(?:\.[\w$]+)+$/.test(value) || (/^[A-Za-z_]\w*$/.test(value) && !/\d/.test(value));
}

function looksSecret(value: string, quoted: boolean): boolean {
  if (value.length < MIN_SECRET_LENGTH || isPlaceholder(value) || isReference(value, quoted)) return false;
  const bits = shannonEntropy(value);
  return bits >= ENTROPY_THRESHOLD && (characterClasses(value) >= 2 || bits >= 3.8);
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function lineOf(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

/** Every secret-looking token in `text`, in order of position, without overlaps. */
export function findSecretSpans(text: string): SecretSpan[] {
  const raw: { start: number; end: number; kind: string }[] = [];
  for (const pattern of TOKEN_PATTERNS) {
    for (const match of text.matchAll(pattern.regex)) {
      const token = match[0];
      // Documentation keys (AKIAIOSFODNN7EXAMPLE) and xxx-filled templates are not leaks.
      if (/example/i.test(token) || shannonEntropy(token) < 2.5) continue;
      if (pattern.accept && !pattern.accept(token)) continue;
      raw.push({ start: match.index, end: match.index + token.length, kind: pattern.kind });
    }
  }
  for (const key of text.matchAll(CREDENTIAL_KEY)) {
    const keyEnd = key.index + key[0].length;
    // "secretary", "tokenizer": the key word must not run on into a longer lower-case word.
    if (/[a-z]/.test(text.charAt(keyEnd))) continue;
    ASSIGNMENT_TAIL.lastIndex = keyEnd;
    const tail = ASSIGNMENT_TAIL.exec(text);
    if (!tail) continue;
    const quote = tail[1] ?? '';
    const value = tail[2] ?? tail[3] ?? '';
    if (!looksSecret(value, quote !== '')) continue;
    const start = tail.index + tail[0].length - value.length - quote.length;
    raw.push({ start, end: start + value.length, kind: 'credential-assignment' });
  }
  raw.sort((a, b) => a.start - b.start || b.end - a.end);
  const starts = lineStarts(text);
  const spans: SecretSpan[] = [];
  let covered = -1;
  for (const r of raw) {
    if (r.start < covered) continue; // the same secret seen by a more specific pattern first
    spans.push({ ...r, line: lineOf(starts, r.start) });
    covered = r.end;
  }
  return spans;
}

/** Findings over generated files as "where and what kind", never the secret itself. */
export function findSecrets(files: readonly { path: string; content: string }[]): SecretFinding[] {
  const findings: SecretFinding[] = [];
  for (const file of files) {
    for (const span of findSecretSpans(file.content)) findings.push({ path: file.path, line: span.line, kind: span.kind });
  }
  return findings;
}
