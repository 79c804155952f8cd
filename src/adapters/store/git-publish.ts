// Publishing: commits files on the user's current branch touching only those paths, or says why not.
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { FileWrite, PublishResult } from '../../ports/store.js';
import { IdeaMineError, ErrorCode, badInput } from '../../core/errors.js';
import { checkPath, commitMessage, planWrites } from './validate.js';
import { gitOut, runGit } from './git-exec.js';
import { buildTree, type Repo } from './git-tree.js';
import { userIndexSidecar } from './locks.js';
import type { ObjectWriter } from './objects.js';

const IN_PROGRESS: readonly [string, string][] = [
  ['MERGE_HEAD', 'a merge'],
  ['rebase-merge', 'a rebase'],
  ['rebase-apply', 'a rebase or git am'],
  ['CHERRY_PICK_HEAD', 'a cherry-pick'],
  ['REVERT_HEAD', 'a revert'],
];

const refused = (why: string): PublishResult => ({ committed: false, where: `${why}, so the files stay on the state branch` });

/** Why publishing now would be unsafe, or null. Unborn HEAD is fine: the files become the first commit. */
async function unsafeBecause(repo: Repo, paths: readonly string[]): Promise<string | null> {
  if (!repo.hasWorkTree) return 'the repository is bare (no working tree)';
  const branch = await runGit(repo.ctx, ['symbolic-ref', '-q', 'HEAD'], { okCodes: [1] });
  if (branch.code !== 0) return 'HEAD is detached (no current branch)';
  for (const [file, what] of IN_PROGRESS) {
    if (existsSync(join(repo.gitDir, file))) return `${what} is in progress`;
  }
  if (existsSync(join(repo.gitDir, 'index.lock'))) return 'another git command holds .git/index.lock';
  // Any staged, unstaged, untracked or ignored version of these paths would be overwritten: refuse.
  const status = await runGit(
    repo.ctx,
    ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--ignored=matching', '--', ...paths],
    { env: { GIT_LITERAL_PATHSPECS: '1', GIT_OPTIONAL_LOCKS: '0' } },
  );
  const first = status.stdout.split('\0').find((entry) => entry.length > 3);
  if (first !== undefined) return `"${first.slice(3)}" has uncommitted changes in the working tree or index`;
  return null;
}

export async function publishFiles(repo: Repo, writer: ObjectWriter, files: readonly FileWrite[], message: string): Promise<PublishResult> {
  if (files.length === 0) throw badInput('publish: no files given', ['pass at least one file, e.g. dossiers/<slug>/RELEASE_DOSSIER.md']);
  for (const file of files) checkPath(file.path, 'publish path');
  const text = commitMessage(message, {});
  const plan = planWrites(files);
  const why = await unsafeBecause(repo, [...new Set(files.map((file) => file.path))]);
  if (why !== null) return refused(why);

  const heads = await runGit(repo.ctx, ['rev-parse', '-q', '--verify', 'HEAD^{commit}'], { okCodes: [1] });
  const head = heads.code === 0 ? heads.stdout.trim() : null;
  const branchRef = await gitOut(repo.ctx, ['symbolic-ref', '-q', 'HEAD']);
  const branch = branchRef.replace(/^refs\/heads\//, '');
  const built = await buildTree(repo, writer, 'publish', head, plan);
  if (head !== null && built.tree === (await gitOut(repo.ctx, ['rev-parse', `${head}^{tree}`]))) {
    return { committed: true, where: `${branch} (already up to date)`, commit: head };
  }
  const commit = await gitOut(repo.ctx, ['commit-tree', built.tree, ...(head ? ['-p', head] : []), '-F', '-'], { input: text });
  const subject = text.split('\n', 1)[0] ?? '';
  const moved = await runGit(
    repo.ctx,
    ['update-ref', '-m', `commit: ${subject}`, 'HEAD', commit, head ?? '0'.repeat(repo.oidLength)],
    { okCodes: [1, 128] },
  );
  if (moved.code !== 0) return refused(`${branch} moved while publishing (${moved.stderr.trim()})`);

  try {
    await syncWorkTree(repo, built.blobs, built.removed, plan.adds);
  } catch (cause) {
    throw new IdeaMineError(ErrorCode.internal, `publish: committed ${commit} on ${branch} but could not update the working tree or index`, {
      cause,
      details: [`to match the commit, run: git checkout HEAD -- ${[...plan.adds.keys(), ...built.removed].join(' ')}`],
    });
  }
  return { committed: true, where: branch, commit };
}

/** Brings only the published paths of the user's index and working tree to the new commit. */
async function syncWorkTree(
  repo: Repo,
  blobs: ReadonlyMap<string, string>,
  removed: readonly string[],
  adds: ReadonlyMap<string, string>,
): Promise<void> {
  const root = repo.ctx.cwd;
  for (const path of removed) if (!adds.has(path)) await rm(join(root, path), { force: true });
  for (const [path, content] of adds) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  const zero = '0'.repeat(repo.oidLength);
  const records = [
    ...removed.filter((path) => !adds.has(path)).map((path) => `0 ${zero}\t${path}\0`),
    ...[...blobs].map(([path, oid]) => `100644 ${oid}\t${path}\0`),
  ];
  // The sidecar names us as index.lock's owner, so a kill mid-update leaves a lock cleanStaleLocks may remove.
  const sidecar = userIndexSidecar(repo.gitDir);
  await writeFile(sidecar, `${process.pid}\n`);
  try {
    await runGit(repo.ctx, ['update-index', '--add', '--replace', '-z', '--index-info'], { input: records.join('') });
  } finally {
    await rm(sidecar, { force: true });
  }
}
