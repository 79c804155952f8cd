// Stale lock cleanup: old locks of dead owners go, fresh locks and locks of live processes stay.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanStaleLocks, createGitStore } from '../src/adapters/store/git.js';
import { makeRepo, type TempRepo } from './support/git-repo.js';
import type { IdeaMineError } from '../src/core/errors.js';
import { request } from './store.contract.js';

/** A pid that certainly belonged to a process which has exited. */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid ?? 999_999;

function touch(path: string, ageMs: number, content = ''): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, content);
  const when = new Date(Date.now() - ageMs);
  utimesSync(path, when, when);
  return path;
}

const TEN_MINUTES = 10 * 60_000;

describe('cleanStaleLocks', () => {
  let repo: TempRepo;
  afterEach(() => repo.cleanup());

  it('removes old locks of dead owners and any ref lock when no IdeaMine process is alive; keeps live owners\' ones', async () => {
    repo = makeRepo();
    const g = repo.gitDir;
    const dead = deadPid();
    const staleRef = touch(join(g, 'refs/heads/ideamine/old.lock'), TEN_MINUTES);
    const freshRef = touch(join(g, 'refs/heads/ideamine/busy.lock'), 0);
    const deadIndex = touch(join(g, `ideamine/index-demo-${dead}-1`), TEN_MINUTES);
    const deadIndexLock = touch(join(g, `ideamine/index-demo-${dead}-1.lock`), TEN_MINUTES);
    const liveIndex = touch(join(g, `ideamine/index-demo-${process.pid}-2`), TEN_MINUTES);
    const youngDeadIndex = touch(join(g, `ideamine/index-demo-${dead}-3`), 0);
    // An old index.lock nobody claims might be a user's `git commit` waiting in an editor: it stays.
    const userLock = touch(join(g, 'index.lock'), TEN_MINUTES);

    const removed = await cleanStaleLocks(g, { olderThanMs: 60_000 });

    expect(removed.sort()).toEqual([deadIndex, deadIndexLock, staleRef, freshRef].sort());
    for (const kept of [liveIndex, youngDeadIndex, userLock]) expect(existsSync(kept)).toBe(true);
  });

  it('removes index.lock only when our sidecar names a dead IdeaMine process as its creator', async () => {
    repo = makeRepo();
    const g = repo.gitDir;
    touch(join(g, 'index.lock.ideamine'), TEN_MINUTES + 500, `${process.pid}\n`);
    const lock = touch(join(g, 'index.lock'), TEN_MINUTES);
    expect(await cleanStaleLocks(g, { olderThanMs: 60_000 })).toEqual([]);

    touch(join(g, 'index.lock.ideamine'), TEN_MINUTES + 500, `${deadPid()}\n`);
    expect(await cleanStaleLocks(g, { olderThanMs: TEN_MINUTES * 2 })).toEqual([]);
    expect(await cleanStaleLocks(g, { olderThanMs: 60_000 })).toEqual([lock]);
    expect(existsSync(join(g, 'index.lock.ideamine'))).toBe(false);

    // A lock made long after the dead owner's sidecar belongs to someone else.
    touch(join(g, 'index.lock.ideamine'), TEN_MINUTES * 3, `${deadPid()}\n`);
    touch(join(g, 'index.lock'), TEN_MINUTES);
    expect(await cleanStaleLocks(g, { olderThanMs: 60_000 })).toEqual([]);
    expect(existsSync(lock)).toBe(true);
  });

  it('keeps old ref locks while another IdeaMine process that registered is alive', async () => {
    repo = makeRepo();
    const g = repo.gitDir;
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      touch(join(g, 'ideamine/owners', String(sleeper.pid)), 0);
      const lock = touch(join(g, 'refs/heads/ideamine/demo.lock'), TEN_MINUTES);
      expect(await cleanStaleLocks(g, { olderThanMs: 60_000 })).toEqual([]);
      sleeper.kill();
      await new Promise((resolve) => sleeper.once('exit', resolve));
      expect(await cleanStaleLocks(g, { olderThanMs: 60_000 })).toEqual([lock]);
      expect(existsSync(join(g, 'ideamine/owners', String(sleeper.pid)))).toBe(false);
    } finally {
      sleeper.kill();
    }
  });

  it('runs on store creation, so a leftover ref lock no longer blocks commits, while a live process\'s one does', async () => {
    repo = makeRepo();
    const first = await createGitStore({ repoDir: repo.dir });
    const tip = await first.commit('demo', request(null, [{ path: 'a', content: '1' }]));
    await first.close();

    // A lock taken while a registered IdeaMine process is alive blocks (and is never cleaned under it).
    const blocked = await createGitStore({ repoDir: repo.dir });
    const fresh = touch(join(repo.gitDir, 'refs/heads/ideamine/demo.lock'), 0);
    const error = await blocked.commit('demo', request(tip, [{ path: 'a', content: '2' }])).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'CONFLICT', retryable: true });
    expect((error as IdeaMineError).details.join('\n')).toMatch(/demo\.lock': File exists/);
    expect(existsSync(fresh)).toBe(true);
    await blocked.close();

    // With no live IdeaMine process left, the lock is a leftover of a killed one: removed at once.
    const store = await createGitStore({ repoDir: repo.dir, staleLockMs: 60_000 });
    expect(existsSync(fresh)).toBe(false);
    const next = await store.commit('demo', request(tip, [{ path: 'a', content: '2' }]));
    expect(repo.git('rev-parse', 'ideamine/demo')).toBe(next);
    await store.close();
    expect(existsSync(join(repo.gitDir, 'ideamine/owners', String(process.pid)))).toBe(false);
  });
});
