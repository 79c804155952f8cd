// Builds a tree with git's own index machinery in a private scratch index (never the user's): used by publish.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { WritePlan } from './validate.js';
import { gitOut, runGit, type GitContext } from './git-exec.js';
import { privateDir } from './locks.js';
import type { ObjectWriter } from './objects.js';

export interface Repo {
  readonly ctx: GitContext;
  /** Per-worktree git dir (HEAD, index, MERGE_HEAD). */
  readonly gitDir: string;
  /** Shared git dir (refs, objects, our scratch files). */
  readonly commonDir: string;
  /** Hex length of an object id: 40 (sha1) or 64 (sha256). */
  readonly oidLength: number;
  /** False in a bare repository. */
  readonly hasWorkTree: boolean;
  readonly objectsDir: string;
}

let scratchCounter = 0;
/** Scratch names carry our pid so cleanStaleLocks can tell a dead owner's leftovers from a live one's. */
export const scratchPath = (repo: Repo, kind: string): string =>
  join(privateDir(repo.commonDir), `${kind}-${process.pid}-${(scratchCounter += 1)}`);

export interface BuiltTree {
  readonly tree: string;
  /** Blob ids of the written files. */
  readonly blobs: ReadonlyMap<string, string>;
  /** Files that existed in the base and were deleted. */
  readonly removed: readonly string[];
}

/** base: a commit or tree to start from, or null for an empty tree. */
export async function buildTree(repo: Repo, writer: ObjectWriter, label: string, base: string | null, plan: WritePlan): Promise<BuiltTree> {
  await mkdir(privateDir(repo.commonDir), { recursive: true });
  const index = scratchPath(repo, `index-${label}`);
  // Scratch index: a split index would leave shared files behind in the user's git dir.
  const env = { GIT_INDEX_FILE: index };
  const cfg = ['-c', 'core.splitIndex=false'];
  try {
    if (base !== null) await runGit(repo.ctx, [...cfg, 'read-tree', base], { env });
    let removed: string[] = [];
    if (plan.deletes.length > 0 && base !== null) {
      const out = await runGit(repo.ctx, ['ls-files', '-z', '--', ...plan.deletes], { env: { ...env, GIT_LITERAL_PATHSPECS: '1' } });
      removed = out.stdout.split('\0').filter((path) => path.length > 0);
    }
    const paths = [...plan.adds.keys()];
    const oids = await Promise.all([...plan.adds.values()].map((content) => writer.write('blob', Buffer.from(content, 'utf8'))));
    const blobs = new Map(paths.map((path, i) => [path, oids[i] ?? '']));
    const zero = '0'.repeat(repo.oidLength);
    const records = [
      ...removed.map((path) => `0 ${zero}\t${path}\0`),
      ...paths.map((path) => `100644 ${blobs.get(path) ?? ''}\t${path}\0`),
    ];
    if (records.length > 0) {
      await runGit(repo.ctx, [...cfg, 'update-index', '--add', '--replace', '-z', '--index-info'], { env, input: records.join('') });
    }
    const tree = await gitOut(repo.ctx, [...cfg, 'write-tree'], { env });
    return { tree, blobs, removed };
  } finally {
    await rm(index, { force: true });
  }
}
