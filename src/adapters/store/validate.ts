// Input checks and write semantics shared by every StateStore adapter, so they cannot drift.
import type { CommitRequest, FileWrite } from '../../ports/store.js';
import { badInput } from '../../core/errors.js';
import { SLUG_PATTERN } from '../../core/idea.js';
import { stateBranch } from '../../core/run-id.js';

export const stateRef = (slug: string): string => `refs/heads/${stateBranch(slug)}`;
export const STATE_REF_PREFIX = stateRef('');

export function checkSlug(slug: string): void {
  if (!SLUG_PATTERN.test(slug)) {
    throw badInput(`state store: slug "${slug}" is not valid`, ['use lower-case letters, digits and single dashes, e.g. "todo-app"']);
  }
}

/** A repository-relative path: no leading slash, no "." / ".." / empty segments, no ".git", no control characters. */
export function checkPath(path: string, what = 'path'): void {
  const bad = (why: string): never => {
    throw badInput(`state store: ${what} "${path}" ${why}`, ['use a relative path like ".ideamine/runs/<run-id>/run.json"']);
  };
  if (path.length === 0) bad('is empty');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(path)) bad('contains a control character or a backslash');
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') bad('has an empty, "." or ".." segment');
    if (segment.toLowerCase() === '.git') bad('points into .git');
  }
}

/** A directory argument for list(): "" (or ".") is the root; a trailing slash is allowed. */
export function normaliseDir(dir: string): string {
  const trimmed = dir.replace(/\/+$/, '');
  if (trimmed === '' || trimmed === '.') return '';
  checkPath(trimmed, 'directory');
  return trimmed;
}

const TRAILER_KEY = /^[A-Za-z0-9][A-Za-z0-9-]*$/;

/** The commit message: the message, a blank line, then one "Key: value" trailer per line. */
export function commitMessage(message: string, trailers: Readonly<Record<string, string>>): string {
  const body = message.replace(/\s+$/, '');
  if (body.length === 0) throw badInput('state store: commit message is empty', ['pass a one-line summary as message']);
  const lines: string[] = [];
  for (const [key, value] of Object.entries(trailers)) {
    if (!TRAILER_KEY.test(key)) throw badInput(`state store: trailer key "${key}" is not valid`, ['use letters, digits and dashes, e.g. "IdeaMine-Run"']);
    if (/[\r\n]/.test(value)) throw badInput(`state store: trailer "${key}" has a line break in its value`, ['trailer values are single lines']);
    lines.push(`${key}: ${value}`);
  }
  return lines.length === 0 ? `${body}\n` : `${body}\n\n${lines.join('\n')}\n`;
}

export function checkCommitRequest(slug: string, request: CommitRequest): void {
  checkSlug(slug);
  for (const write of request.writes) checkPath(write.path);
  commitMessage(request.message, request.trailers);
}

export const isUnder = (path: string, prefix: string): boolean => path === prefix || path.startsWith(`${prefix}/`);

/** What a list of writes amounts to, applied in order: prefixes to delete, then files to write. */
export interface WritePlan {
  readonly deletes: readonly string[];
  readonly adds: ReadonlyMap<string, string>;
}

/** Later writes win: a delete drops earlier writes under it; a write after a delete restores that path. */
export function planWrites(writes: readonly FileWrite[]): WritePlan {
  const deletes: string[] = [];
  const adds = new Map<string, string>();
  for (const write of writes) {
    if (write.content === null) {
      for (const path of [...adds.keys()]) if (isUnder(path, write.path)) adds.delete(path);
      deletes.push(write.path);
    } else {
      adds.set(write.path, write.content);
    }
  }
  return { deletes, adds };
}

/** Applies a plan to a flat path → content map (the memory adapter's tree, and a reference for git). */
export function applyPlan(files: ReadonlyMap<string, string>, plan: WritePlan): Map<string, string> {
  const next = new Map<string, string>();
  for (const [path, content] of files) {
    if (!plan.deletes.some((prefix) => isUnder(path, prefix))) next.set(path, content);
  }
  for (const [path, content] of plan.adds) {
    // A file replaces a directory of the same name and vice versa, as in git.
    for (const existing of [...next.keys()]) {
      if (isUnder(existing, path) || isUnder(path, existing)) next.delete(existing);
    }
    next.set(path, content);
  }
  return next;
}
