// In-memory StateStore with the git adapter's semantics (fake commit hashes), for fast engine tests.
import type { CommitRequest, FileWrite, PublishResult, StateStore } from '../../ports/store.js';
import { IdeaMineError, ErrorCode, badInput } from '../../core/errors.js';
import { sha256Hex } from '../../core/canonical.js';
import { applyPlan, checkCommitRequest, checkPath, checkSlug, commitMessage, normaliseDir, planWrites } from './validate.js';

export interface MemoryCommit {
  readonly id: string;
  readonly parent: string | null;
  readonly message: string;
  readonly trailers: Readonly<Record<string, string>>;
  readonly files: ReadonlyMap<string, string>;
}

export interface MemoryStoreOptions {
  /** Name reported by publish (default "main"). */
  readonly branch?: string;
  /** When set, publish refuses with this reason (as the git adapter does on a detached HEAD). */
  readonly refusePublish?: string;
}

export interface MemoryStore extends StateStore {
  /** The commits of a slug's branch, newest first (for assertions). */
  log(slug: string): MemoryCommit[];
  close(): Promise<void>;
}

/** Runs a synchronous body as a promise, so bad input rejects instead of throwing at the call. */
function lift<T>(body: () => T): Promise<T> {
  try {
    return Promise.resolve(body());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const commits = new Map<string, MemoryCommit>();
  const tips = new Map<string, string>();
  let published = new Map<string, string>();
  let publishedHead: string | null = null;
  let counter = 0;

  // 40 hex characters like a git sha1; the counter keeps identical requests distinct.
  const fakeHash = (payload: unknown): string => sha256Hex(JSON.stringify([(counter += 1), payload])).slice(0, 40);

  const commitAt = (slug: string, at: string | undefined): MemoryCommit | null => {
    checkSlug(slug);
    if (at === undefined) {
      const tip = tips.get(slug);
      return tip === undefined ? null : (commits.get(tip) ?? null);
    }
    if (!/^[0-9a-f]{40}$/.test(at)) throw badInput(`state store: "${at}" is not a commit id`, ['pass a full 40-character commit hash']);
    const found = commits.get(at);
    if (!found) throw new IdeaMineError(ErrorCode.notFound, `state store: commit ${at} does not exist in memory`);
    return found;
  };

  return {
    tip: (slug) =>
      lift(() => {
        checkSlug(slug);
        return tips.get(slug) ?? null;
      }),

    read: (slug, paths, at) =>
      lift(() => {
        for (const path of paths) checkPath(path);
        const commit = commitAt(slug, at);
        return new Map(paths.map((path) => [path, commit?.files.get(path) ?? null]));
      }),

    list: (slug, dir) =>
      lift(() => {
        const base = normaliseDir(dir);
        const commit = commitAt(slug, undefined);
        const names = new Set<string>();
        for (const path of commit?.files.keys() ?? []) {
          if (base !== '' && !path.startsWith(`${base}/`)) continue;
          const rest = base === '' ? path : path.slice(base.length + 1);
          names.add(rest.split('/', 1)[0] ?? rest);
        }
        return [...names].sort();
      }),

    commit: (slug: string, request: CommitRequest) =>
      lift(() => {
        checkCommitRequest(slug, request);
        const current = tips.get(slug) ?? null;
        if (current !== request.expectedTip) {
          const found = current ?? 'no branch';
          throw new IdeaMineError(ErrorCode.conflict, `state branch ideamine/${slug} moved: expected ${request.expectedTip ?? 'no branch'}, found ${found}`, {
            retryable: true,
          });
        }
        const parent = current === null ? undefined : commits.get(current);
        const files = applyPlan(parent?.files ?? new Map<string, string>(), planWrites(request.writes));
        const id = fakeHash({ parent: current, message: request.message, trailers: request.trailers, files: [...files] });
        const message = commitMessage(request.message, request.trailers);
        commits.set(id, { id, parent: current, message, trailers: { ...request.trailers }, files });
        tips.set(slug, id);
        return id;
      }),

    slugs: () => lift(() => [...tips.keys()].sort()),

    publish: (files: readonly FileWrite[], message: string): Promise<PublishResult> =>
      lift(() => {
        if (files.length === 0) throw badInput('publish: no files given', ['pass at least one file, e.g. dossiers/<slug>/RELEASE_DOSSIER.md']);
        for (const file of files) checkPath(file.path, 'publish path');
        commitMessage(message, {});
        if (options.refusePublish !== undefined) {
          return { committed: false, where: `${options.refusePublish}, so the files stay on the state branch` };
        }
        const branch = options.branch ?? 'main';
        const next = applyPlan(published, planWrites(files));
        const same = (a: Map<string, string>, b: Map<string, string>): boolean =>
          a.size === b.size && [...a].every(([path, content]) => b.get(path) === content);
        if (publishedHead !== null && same(next, published)) {
          return { committed: true, where: `${branch} (already up to date)`, commit: publishedHead };
        }
        published = next;
        publishedHead = fakeHash({ published: [...next], message });
        return { committed: true, where: branch, commit: publishedHead };
      }),

    readPublished: (path) =>
      lift(() => {
        checkPath(path);
        return published.get(path) ?? null;
      }),

    log(slug) {
      const out: MemoryCommit[] = [];
      for (let id = tips.get(slug); id !== undefined; ) {
        const commit = commits.get(id);
        if (!commit) break;
        out.push(commit);
        id = commit.parent ?? undefined;
      }
      return out;
    },

    close() {
      return Promise.resolve();
    },
  };
}
