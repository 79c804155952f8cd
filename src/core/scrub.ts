// Redaction of known secret values and pattern-detected tokens before anything is stored, logged or traced.
import type { Json } from './canonical.js';
import { findSecretSpans } from './secrets.js';

export const REDACTED = '[REDACTED]';
/** Shorter values would redact ordinary words ("true", "admin") everywhere; tokens are longer. */
export const MIN_SCRUB_LENGTH = 8;

/**
 * Known values longest first, so a secret that contains another is removed whole. A value with
 * quotes or backslashes also appears JSON-escaped in ledger lines and traces: both forms count.
 */
function knownValues(secrets: readonly string[]): string[] {
  const forms = secrets.filter((s) => s.length >= MIN_SCRUB_LENGTH).flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]);
  return [...new Set(forms)].sort((a, b) => b.length - a.length);
}

function scrubWith(text: string, known: readonly string[]): string {
  let out = text;
  for (const secret of known) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  const spans = findSecretSpans(out);
  if (spans.length === 0) return out;
  let result = '';
  let at = 0;
  for (const span of spans) {
    result += out.slice(at, span.start) + REDACTED;
    at = span.end;
  }
  return result + out.slice(at);
}

/**
 * Replaces every occurrence of each given secret value (length >= 8) and every token the
 * secrets scanner recognises with "[REDACTED]". Idempotent: scrubbing twice changes nothing more.
 */
export function scrub(text: string, secrets: readonly string[]): string {
  return scrubWith(text, knownValues(secrets));
}

/**
 * Scrubs every string in a JSON value (object keys included). A credential assignment split
 * across a key and its value (`{"password": "..."}`) is caught by scanning the value's own
 * JSON text once more in the context of its key.
 */
export function scrubJson(value: Json, secrets: readonly string[]): Json {
  const known = knownValues(secrets);
  const walk = (node: Json, key: string | null): Json => {
    if (typeof node === 'string') {
      const plain = scrubWith(node, known);
      if (key === null || plain !== node) return plain;
      // The scanner needs the key to judge a bare value: look at `"key": "value"` as one line.
      const pair = scrubWith(`${JSON.stringify(key)}: ${JSON.stringify(node)}`, known);
      return pair.endsWith(`: ${JSON.stringify(node)}`) ? node : REDACTED;
    }
    if (Array.isArray(node)) return node.map((item) => walk(item, null));
    if (node !== null && typeof node === 'object') {
      const out: { [key: string]: Json } = {};
      for (const [k, v] of Object.entries(node)) out[scrubWith(k, known)] = walk(v, k);
      return out;
    }
    return node;
  };
  return walk(value, null);
}
