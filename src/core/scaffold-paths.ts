// Confinement of model-chosen scaffold paths: relative, portable, outside .git/.github, within size limits.
//
// Paths are checked exactly as given and never normalised: "a//b" or "./a" is rejected, not
// rewritten, so what is written is what the model asked for and two spellings cannot collide
// silently. Symlinks cannot arise: scaffold files are written as regular blobs (mode 100644)
// with git plumbing, never through a working tree, so no path can be made to point elsewhere.
import type { ScaffoldFile } from './gate-types.js';

export type Confined = { readonly ok: true; readonly path: string } | { readonly ok: false; readonly reason: string };

export const SCAFFOLD_LIMITS = { maxPathLength: 200, maxSegments: 12, maxFiles: 200, maxTotalBytes: 1_048_576 } as const;

/** Names git itself treats specially; .gitmodules could point a later checkout at another repository. */
const GIT_NAMES = new Set(['.git', '.github', '.gitmodules', 'git~1']);
const WINDOWS_RESERVED = /^(?:con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$/i;
/** C0/C1 controls and characters some file systems ignore (".g\u200cit" is ".git" on HFS+). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]/u;
/** Characters Windows refuses in file names; a checkout there would fail. */
const WINDOWS_FORBIDDEN = /[<>:"|?*]/;

const reject = (reason: string): Confined => ({ ok: false, reason });

function checkSegment(segment: string): string | null {
  if (segment === '') return 'empty segment (duplicate or leading slash)';
  if (segment === '.' || segment === '..') return `"${segment}" segment (paths must be plain and relative)`;
  if (GIT_NAMES.has(segment.toLowerCase())) return `"${segment}" is reserved for git and the workflow files`;
  if (/[. ]$/.test(segment)) return `segment "${segment}" ends in a dot or space`;
  if (WINDOWS_RESERVED.test((segment.split('.')[0] ?? '').trimEnd())) return `segment "${segment}" is a reserved Windows device name`;
  return null;
}

/** Accepts a scaffold path only if it is safe and portable; otherwise says why not. */
export function confinePath(path: string): Confined {
  if (path === '') return reject('empty path');
  if (INVISIBLE.test(path)) return reject('control or invisible character in path');
  if (path.length > SCAFFOLD_LIMITS.maxPathLength) return reject(`longer than ${SCAFFOLD_LIMITS.maxPathLength} characters`);
  if (path.includes('\\')) return reject('backslash in path (use "/")');
  if (path.startsWith('/')) return reject('absolute path');
  if (/^[A-Za-z]:/.test(path)) return reject('absolute path (drive letter)');
  if (WINDOWS_FORBIDDEN.test(path)) return reject('character not allowed in file names (< > : " | ? *)');
  if (path.endsWith('/')) return reject('trailing slash (a file path is needed)');
  const segments = path.split('/');
  if (segments.length > SCAFFOLD_LIMITS.maxSegments) return reject(`more than ${SCAFFOLD_LIMITS.maxSegments} segments`);
  for (const segment of segments) {
    const problem = checkSegment(segment);
    if (problem !== null) return reject(problem);
  }
  return { ok: true, path };
}

/** UTF-8 byte length without allocating (core has no Buffer). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/** Case-folded key: two paths that differ only in case collide on macOS and Windows checkouts. */
const foldKey = (path: string): string => path.normalize('NFC').toLowerCase();

export interface ConfinedScaffold {
  readonly accepted: ScaffoldFile[];
  readonly rejected: { path: string; reason: string }[];
}

/**
 * Splits files into accepted and rejected, in input order. Besides confinePath: duplicates
 * (case-insensitive), a file where another needs a directory ("a" and "a/b"), and files past
 * the count or total-size limit are rejected; earlier files win.
 */
export function confineScaffold(
  files: readonly ScaffoldFile[],
  limits: { readonly maxFiles: number; readonly maxTotalBytes: number } = SCAFFOLD_LIMITS,
): ConfinedScaffold {
  const accepted: ScaffoldFile[] = [];
  const rejected: { path: string; reason: string }[] = [];
  const filesByKey = new Map<string, string>();
  const dirsByKey = new Map<string, string>();
  let totalBytes = 0;
  for (const file of files) {
    const confined = confinePath(file.path);
    if (!confined.ok) {
      rejected.push({ path: file.path, reason: confined.reason });
      continue;
    }
    const key = foldKey(file.path);
    const segments = key.split('/');
    const parents = segments.slice(0, -1).map((_, i) => segments.slice(0, i + 1).join('/'));
    const clash = filesByKey.get(key) ?? dirsByKey.get(key);
    const parentFile = parents.map((p) => filesByKey.get(p)).find((p) => p !== undefined);
    const bytes = utf8Length(file.content);
    let reason: string | null = null;
    if (filesByKey.has(key)) reason = `duplicate of "${clash ?? ''}" (paths are compared case-insensitively)`;
    else if (clash !== undefined) reason = `"${clash}" needs this path to be a directory`;
    else if (parentFile !== undefined) reason = `"${parentFile}" is a file, so it cannot be a directory here`;
    else if (accepted.length >= limits.maxFiles) reason = `more than ${limits.maxFiles} files`;
    else if (totalBytes + bytes > limits.maxTotalBytes) reason = `total size would exceed ${limits.maxTotalBytes} bytes`;
    if (reason !== null) {
      rejected.push({ path: file.path, reason });
      continue;
    }
    accepted.push(file);
    totalBytes += bytes;
    filesByKey.set(key, file.path);
    for (const p of parents) if (!dirsByKey.has(p)) dirsByKey.set(p, file.path);
  }
  return { accepted, rejected };
}
