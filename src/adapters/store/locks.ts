// Stale lock cleanup: removes lock and scratch files left by a killed git or IdeaMine, never a live one's.
import { readdir, readFile, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface CleanStaleLocksOptions {
  /** Only files older than this are candidates. */
  readonly olderThanMs: number;
  /** Where refs live (`git rev-parse --git-common-dir`); defaults to gitDir. Differs in linked worktrees. */
  readonly commonDir?: string;
  readonly now?: number;
}

/** IdeaMine's private directory inside the git dir: scratch indexes, owner records. */
export const privateDir = (commonDir: string): string => join(commonDir, 'ideamine');
export const ownersDir = (commonDir: string): string => join(privateDir(commonDir), 'owners');
/** Written just before IdeaMine touches the user's index, removed right after; names the owner of index.lock. */
export const userIndexSidecar = (gitDir: string): string => join(gitDir, 'index.lock.ideamine');

// Scratch indexes carry their owner's pid: index-<label>-<pid>-<n>.
const SCRATCH = /^index-.+-(\d+)-\d+(?:\.lock)?$/;

/** True unless the process certainly does not exist (EPERM means it exists under another user). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// Stores open per repository in this process: the owner record goes when the last one closes.
const openStores = new Map<string, number>();

/** Registers this process as a possible owner of ref locks under refs/heads/ideamine/; returns the unregister. */
export async function registerOwner(commonDir: string): Promise<() => Promise<void>> {
  const dir = ownersDir(commonDir);
  await mkdir(dir, { recursive: true });
  const file = join(dir, String(process.pid));
  openStores.set(file, (openStores.get(file) ?? 0) + 1);
  await writeFile(file, `${new Date().toISOString()}\n`);
  let done = false;
  return async () => {
    if (done) return;
    done = true;
    const left = (openStores.get(file) ?? 1) - 1;
    if (left > 0) openStores.set(file, left);
    else {
      openStores.delete(file);
      await rm(file, { force: true });
    }
  };
}

async function ageMs(path: string, now: number): Promise<number | null> {
  try {
    return now - (await stat(path)).mtimeMs;
  } catch {
    return null;
  }
}

async function entries(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

async function findLocks(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await findLocks(path)));
    else if (entry.name.endsWith('.lock')) found.push(path);
  }
  return found;
}

/** Live IdeaMine processes that registered for this repository (dead registrations are dropped). */
async function liveOwners(commonDir: string): Promise<number[]> {
  const live: number[] = [];
  for (const name of await entries(ownersDir(commonDir))) {
    const pid = Number(name);
    if (processAlive(pid) && pid !== process.pid) live.push(pid);
    else if (!processAlive(pid)) await rm(join(ownersDir(commonDir), name), { force: true });
  }
  return live;
}

/**
 * Removes (scratch indexes and index.lock only when older than the threshold):
 * - our scratch indexes and their locks whose owning pid is dead;
 * - `*.lock` under refs/heads/ideamine/, whatever their age, when no other IdeaMine process is alive: git holds
 *   a ref lock for milliseconds inside one call, and every IdeaMine process registers itself before it writes,
 *   so with none alive such a lock is a leftover of a killed one;
 * - index.lock only when our sidecar says an IdeaMine process that is now dead created it
 *   (a user's `git commit` holds index.lock while the editor is open, so an unowned one is left alone).
 * Returns the removed paths.
 */
export async function cleanStaleLocks(gitDir: string, options: CleanStaleLocksOptions): Promise<string[]> {
  const commonDir = options.commonDir ?? gitDir;
  const now = options.now ?? Date.now();
  const old = async (path: string): Promise<boolean> => {
    const age = await ageMs(path, now);
    return age !== null && age > options.olderThanMs;
  };
  const removed: string[] = [];
  const remove = async (path: string): Promise<void> => {
    await rm(path, { force: true, recursive: true });
    removed.push(path);
  };

  for (const name of await entries(privateDir(commonDir))) {
    const match = SCRATCH.exec(name);
    const path = join(privateDir(commonDir), name);
    if (match && !processAlive(Number(match[1])) && (await old(path))) await remove(path);
  }

  const refLocks = await findLocks(join(commonDir, 'refs', 'heads', 'ideamine'));
  if (refLocks.length > 0 && (await liveOwners(commonDir)).length === 0) {
    for (const lock of refLocks) if ((await ageMs(lock, now)) !== null) await remove(lock);
  }

  const indexLock = join(gitDir, 'index.lock');
  const sidecar = userIndexSidecar(gitDir);
  const owner = await readFile(sidecar, 'utf8').then((text) => Number(text.trim()), () => null);
  if (owner !== null && !processAlive(owner)) {
    const lockAge = await ageMs(indexLock, now);
    const sidecarAge = await ageMs(sidecar, now);
    // The lock must date from our git call (written within a minute after the sidecar), not a later user command.
    const ours = lockAge !== null && sidecarAge !== null && lockAge <= sidecarAge + 1_000 && sidecarAge - lockAge < 60_000;
    if (ours && lockAge > options.olderThanMs) await remove(indexLock);
    if (lockAge === null || (ours && lockAge > options.olderThanMs)) await rm(sidecar, { force: true });
  }
  return removed;
}
