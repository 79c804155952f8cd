// StateStore on git: state branches refs/heads/ideamine/<slug>, objects written in-process, CAS via update-ref.
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { CommitRequest, FileWrite, PublishResult, StateStore } from '../../ports/store.js';
import { IdeaMineError, ErrorCode, badInput } from '../../core/errors.js';
import { SLUG_PATTERN } from '../../core/idea.js';
import { CatFile } from './cat-file.js';
import { DEFAULT_IDENTITY, GitCommandError, gitEnvironment, gitOut, runGit, type GitIdentity } from './git-exec.js';
import type { Repo } from './git-tree.js';
import { publishFiles } from './git-publish.js';
import { cleanStaleLocks, registerOwner } from './locks.js';
import { ObjectWriter, parseTree, serializeCommit } from './objects.js';
import { TreeCache, buildStateTree } from './state-tree.js';
import { STATE_REF_PREFIX, checkCommitRequest, checkPath, checkSlug, commitMessage, normaliseDir, planWrites, stateRef } from './validate.js';

export { cleanStaleLocks } from './locks.js';

export interface GitStoreOptions {
  /** Any directory inside the repository (or the git dir of a bare one). */
  readonly repoDir: string;
  readonly identity?: GitIdentity;
  /** Lock files older than this are candidates for cleanup at creation (default 60 s). */
  readonly staleLockMs?: number;
}

export interface GitStore extends StateStore {
  readonly gitDir: string;
  /** Stops the reader process and unregisters this process as a lock owner. */
  close(): Promise<void>;
}

// "cannot lock ref ...: is at X but expected Y" / "reference already exists" / "File exists" (a racing lock).
const LOST_RACE = /cannot lock ref|but expected|already exists|unable to resolve reference/i;
const OID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

async function openRepo(repoDir: string, identity: GitIdentity): Promise<Repo> {
  const env = gitEnvironment(identity);
  if (!existsSync(repoDir)) throw badInput(`state store: directory ${repoDir} does not exist`, ['pass an existing repository directory']);
  const probe = await runGit(
    { cwd: repoDir, env },
    ['rev-parse', '--absolute-git-dir', '--git-common-dir', '--is-bare-repository', '--show-object-format', '--git-path', 'objects'],
    { okCodes: [128] },
  ).catch((cause: unknown) => {
    throw badInput(`state store: cannot open ${repoDir}`, [String(cause instanceof Error ? cause.message : cause)]);
  });
  const [gitDir, common, bare, format, objects] = probe.stdout.trim().split('\n');
  if (probe.code !== 0 || !gitDir || !common || !objects) {
    throw badInput(`state store: ${repoDir} is not inside a git repository`, ['run `git init` there, or pass the repository directory']);
  }
  const commonDir = isAbsolute(common) ? common : resolve(repoDir, common);
  const hasWorkTree = bare !== 'true';
  // Paths and pathspecs are relative to the top of the working tree, whatever subdirectory we were given.
  const cwd = hasWorkTree ? await gitOut({ cwd: repoDir, env }, ['rev-parse', '--show-toplevel']) : gitDir;
  const objectsDir = isAbsolute(objects) ? objects : resolve(repoDir, objects);
  return { ctx: { cwd, env }, gitDir, commonDir, objectsDir, oidLength: format === 'sha256' ? 64 : 40, hasWorkTree };
}

export async function createGitStore(options: GitStoreOptions): Promise<GitStore> {
  const identity = options.identity ?? DEFAULT_IDENTITY;
  if (/[<>\n]/.test(identity.name + identity.email) || identity.name.trim() === '' || !identity.email.includes('@')) {
    throw badInput(`state store: identity "${identity.name} <${identity.email}>" is not valid`, ['pass a name and an e-mail address without < > or line breaks']);
  }
  const repo = await openRepo(options.repoDir, identity);
  await cleanStaleLocks(repo.gitDir, { olderThanMs: options.staleLockMs ?? 60_000, commonDir: repo.commonDir });
  const unregister = await registerOwner(repo.commonDir);
  const cat = new CatFile(repo.ctx);
  const writer = new ObjectWriter(repo.objectsDir, repo.oidLength);
  const trees = new TreeCache(cat, repo.oidLength);

  const tip = async (slug: string): Promise<string | null> => {
    checkSlug(slug);
    const [object] = await cat.get([stateRef(slug)]);
    return object?.type === 'commit' ? object.oid : null;
  };

  const commitAt = async (slug: string, at: string | undefined): Promise<string | null> => {
    if (at === undefined) return tip(slug);
    checkSlug(slug);
    if (!OID.test(at)) throw badInput(`state store: "${at}" is not a commit id`, ['pass a full 40-character commit hash']);
    const [object] = await cat.get([at]);
    if (object?.type !== 'commit') throw new IdeaMineError(ErrorCode.notFound, `state store: commit ${at} does not exist in ${repo.gitDir}`);
    return at;
  };

  return {
    gitDir: repo.gitDir,
    tip,

    async read(slug, paths, at) {
      for (const path of paths) checkPath(path);
      const commit = await commitAt(slug, at);
      const result = new Map<string, string | null>(paths.map((path) => [path, null]));
      if (commit === null) return result;
      const objects = await cat.get(paths.map((path) => `${commit}:${path}`));
      paths.forEach((path, i) => {
        const object = objects[i];
        result.set(path, object?.type === 'blob' ? object.content.toString('utf8') : null);
      });
      return result;
    },

    async list(slug, dir) {
      const path = normaliseDir(dir);
      const commit = await tip(slug);
      if (commit === null) return [];
      const [object] = await cat.get([path === '' ? `${commit}^{tree}` : `${commit}:${path}`]);
      return object?.type === 'tree' ? [...parseTree(object.content, repo.oidLength).keys()].sort() : [];
    },

    async commit(slug: string, request: CommitRequest): Promise<string> {
      checkCommitRequest(slug, request);
      const ref = stateRef(slug);
      // A leftover lock looks like a lost race too; git's own words (in details) tell them apart.
      const conflict = (found: string | null, cause?: GitCommandError): IdeaMineError =>
        new IdeaMineError(
          ErrorCode.conflict,
          `state branch ideamine/${slug} moved: expected ${request.expectedTip ?? 'no branch'}, found ${found ?? 'no branch'}`,
          { retryable: true, ...(cause ? { cause, details: [cause.result.stderr.trim()] } : {}) },
        );
      // Fail fast on a stale tip; update-ref's old-value check below is what makes it safe.
      const [head] = await cat.get([ref]);
      const current = head?.type === 'commit' ? head.oid : null;
      if (current !== request.expectedTip) throw conflict(current);
      const baseTree = head?.type === 'commit' ? (/^tree ([0-9a-f]+)/.exec(head.content.toString('latin1'))?.[1] ?? null) : null;
      // Objects are written in-process (no index, no spawn); only the ref update runs git.
      const tree = await buildStateTree(trees, writer, baseTree, planWrites(request.writes));
      const parents = current === null ? [] : [current];
      const message = commitMessage(request.message, request.trailers);
      const commit = await writer.write('commit', serializeCommit(tree, parents, identity, message, new Date()));
      const old = request.expectedTip ?? '0'.repeat(repo.oidLength);
      try {
        await runGit(repo.ctx, ['update-ref', '-m', `ideamine: ${message.split('\n', 1)[0] ?? ''}`, ref, commit, old]);
      } catch (error) {
        if (!(error instanceof GitCommandError) || !LOST_RACE.test(error.result.stderr)) throw error;
        throw conflict(await tip(slug).catch(() => null), error);
      }
      return commit;
    },

    async slugs() {
      const out = await gitOut(repo.ctx, ['for-each-ref', '--format=%(refname)', STATE_REF_PREFIX]);
      return out
        .split('\n')
        .map((ref) => ref.slice(STATE_REF_PREFIX.length))
        .filter((slug) => SLUG_PATTERN.test(slug))
        .sort();
    },

    publish(files: readonly FileWrite[], message: string): Promise<PublishResult> {
      return publishFiles(repo, writer, files, message);
    },

    async readPublished(path) {
      checkPath(path);
      const [object] = await cat.get([`HEAD:${path}`]);
      return object?.type === 'blob' ? object.content.toString('utf8') : null;
    },

    async close() {
      cat.close();
      await unregister();
    },
  };
}
