// publish() on the git store: commits only the given paths on the current branch, or refuses and says why.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createGitStore, type GitStore } from '../src/adapters/store/git.js';
import { makeRepo, type TempRepo } from './support/git-repo.js';

const DOSSIER = 'dossiers/todo-app/RELEASE_DOSSIER.md';
const DIAGRAM = 'dossiers/todo-app/assets/diagram.mmd';

describe('git store publish', () => {
  let repo: TempRepo;
  let store: GitStore;
  const open = async (): Promise<GitStore> => {
    store = await createGitStore({ repoDir: repo.dir });
    return store;
  };
  afterEach(async () => {
    await store.close();
    repo.cleanup();
  });

  it('commits only the dossier paths and leaves staged, unstaged and untracked changes exactly as they were', async () => {
    repo = makeRepo();
    repo.write('notes.txt', 'committed notes\n');
    repo.git('add', 'notes.txt');
    repo.git('commit', '-q', '-m', 'notes');
    repo.write('notes.txt', 'staged notes\n');
    repo.git('add', 'notes.txt');
    repo.write('notes.txt', 'staged notes\nplus an unstaged line\n');
    repo.write('README.md', 'unstaged readme\n');
    repo.write('scratch.txt', 'untracked\n');
    const statusBefore = repo.git('status', '--porcelain=v1', '--untracked-files=all');
    const stagedBefore = repo.git('diff', '--cached');
    const unstagedBefore = repo.git('diff');
    const oldHead = repo.git('rev-parse', 'HEAD');

    const result = await (await open()).publish(
      [{ path: DOSSIER, content: '# Release dossier\n' }, { path: DIAGRAM, content: 'graph TD\n  A-->B\n' }],
      'Release dossier: todo-app',
    );

    expect(result).toEqual({ committed: true, where: 'main', commit: repo.git('rev-parse', 'HEAD') });
    expect(repo.git('rev-parse', 'HEAD~1')).toBe(oldHead);
    expect(repo.git('diff', '--name-only', 'HEAD~1', 'HEAD').split('\n').sort()).toEqual([DOSSIER, DIAGRAM].sort());
    expect(repo.git('log', '-1', '--format=%s|%an')).toBe('Release dossier: todo-app|IdeaMine');
    // The staged change was not swept into the commit, and nothing else moved.
    expect(repo.git('show', 'HEAD:notes.txt')).toBe('committed notes');
    expect(repo.git('status', '--porcelain=v1', '--untracked-files=all')).toBe(statusBefore);
    expect(repo.git('diff', '--cached')).toBe(stagedBefore);
    expect(repo.git('diff')).toBe(unstagedBefore);
    expect(repo.git('status', '--porcelain=v1', '--', 'dossiers')).toBe('');
    expect(repo.read(DOSSIER)).toBe('# Release dossier\n');
    expect(await store.readPublished(DOSSIER)).toBe('# Release dossier\n');
  });

  it('updates and deletes published files, keeping the index in step', async () => {
    repo = makeRepo();
    await (await open()).publish([{ path: DOSSIER, content: 'v1\n' }, { path: DIAGRAM, content: 'd\n' }], 'dossier v1');
    const result = await store.publish([{ path: DOSSIER, content: 'v2\n' }, { path: 'dossiers/todo-app/assets', content: null }], 'dossier v2');
    expect(result.committed).toBe(true);
    expect(repo.git('ls-tree', '-r', '--name-only', 'HEAD', 'dossiers')).toBe(DOSSIER);
    expect(repo.git('status', '--porcelain=v1', '--untracked-files=all')).toBe('');
    expect(repo.read(DOSSIER)).toBe('v2\n');
    expect(await store.readPublished(DIAGRAM)).toBeNull();
  });

  it('makes the first commit on an unborn branch, leaving staged files staged', async () => {
    repo = makeRepo({ initialCommit: false });
    repo.write('staged.txt', 's\n');
    repo.git('add', 'staged.txt');
    const result = await (await open()).publish([{ path: DOSSIER, content: 'first\n' }], 'dossier');
    expect(result.committed).toBe(true);
    expect(repo.git('rev-list', '--count', 'HEAD')).toBe('1');
    expect(repo.git('ls-tree', '-r', '--name-only', 'HEAD')).toBe(DOSSIER);
    expect(repo.git('status', '--porcelain=v1')).toBe('A  staged.txt');
  });

  const refusals: [string, (repo: TempRepo) => void, RegExp][] = [
    ['a detached HEAD', (r) => r.git('checkout', '-q', '--detach'), /^HEAD is detached/],
    ['a rebase in progress', (r) => mkdirSync(join(r.gitDir, 'rebase-merge')), /^a rebase is in progress/],
    ['a cherry-pick in progress', (r) => r.write('.git/CHERRY_PICK_HEAD', `${r.git('rev-parse', 'HEAD')}\n`), /^a cherry-pick is in progress/],
    ['an unstaged edit of a dossier file', (r) => r.write(DOSSIER, 'my own edit\n'), /^"dossiers\/todo-app\/RELEASE_DOSSIER.md" has uncommitted changes/],
    [
      'a staged edit of a dossier file',
      (r) => {
        r.write(DOSSIER, 'staged edit\n');
        r.git('add', DOSSIER);
      },
      /has uncommitted changes/,
    ],
    ['an untracked file at a new dossier path', (r) => r.write(DIAGRAM, 'mine\n'), /^"dossiers\/todo-app\/assets\/diagram.mmd" has uncommitted/],
  ];
  for (const [name, arrange, reason] of refusals) {
    it(`refuses on ${name}, changing nothing`, async () => {
      repo = makeRepo();
      repo.write(DOSSIER, 'v1\n');
      repo.git('add', DOSSIER);
      repo.git('commit', '-q', '-m', 'dossier v1');
      arrange(repo);
      const head = repo.git('rev-parse', 'HEAD');
      const status = repo.git('status', '--porcelain=v1', '--untracked-files=all');
      const result = await (await open()).publish([{ path: DOSSIER, content: 'v2\n' }, { path: DIAGRAM, content: 'd\n' }], 'dossier v2');
      expect(result.committed).toBe(false);
      expect(result.where).toMatch(reason);
      expect(result.where).toMatch(/so the files stay on the state branch$/);
      expect(repo.git('rev-parse', 'HEAD')).toBe(head);
      expect(repo.git('status', '--porcelain=v1', '--untracked-files=all')).toBe(status);
    });
  }

  it('refuses during a real merge with conflicts', async () => {
    repo = makeRepo();
    repo.git('checkout', '-q', '-b', 'other');
    repo.write('README.md', 'other side\n');
    repo.git('commit', '-q', '-am', 'other');
    repo.git('checkout', '-q', 'main');
    repo.write('README.md', 'main side\n');
    repo.git('commit', '-q', '-am', 'main');
    expect(() => repo.git('merge', '-q', 'other')).toThrow();
    const head = repo.git('rev-parse', 'HEAD');
    const result = await (await open()).publish([{ path: DOSSIER, content: 'v\n' }], 'dossier');
    expect(result).toEqual({ committed: false, where: 'a merge is in progress, so the files stay on the state branch' });
    expect(repo.git('rev-parse', 'HEAD')).toBe(head);
  });

  it('reads published files from HEAD, not from the working tree', async () => {
    repo = makeRepo();
    await (await open()).publish([{ path: DOSSIER, content: 'committed\n' }], 'dossier');
    repo.write(DOSSIER, 'edited but not committed\n');
    expect(await store.readPublished(DOSSIER)).toBe('committed\n');
    expect(await store.readPublished('README.md')).toBe('# test repository\n');
    expect(await store.readPublished('dossiers')).toBeNull();
  });
});
