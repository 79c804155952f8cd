// Applies a write plan to a base tree in memory and writes only the changed trees: no index, no spawn.
import type { CatFile } from './cat-file.js';
import { FILE_MODE, TREE_MODE, parseTree, serializeTree, type ObjectWriter, type TreeEntry } from './objects.js';
import type { WritePlan } from './validate.js';
import { IdeaMineError, ErrorCode } from '../../core/errors.js';

/** A directory being edited: its entries, where a changed subdirectory is itself a Dir. */
interface Dir {
  readonly entries: Map<string, TreeEntry | Dir>;
}

const isDir = (value: TreeEntry | Dir | undefined): value is Dir => value !== undefined && 'entries' in value;

/** Trees are immutable, so parsed ones are cached by id (bounded: cleared when it grows large). */
export class TreeCache {
  private readonly trees = new Map<string, Map<string, TreeEntry>>();
  constructor(
    private readonly cat: CatFile,
    private readonly oidLength: number,
  ) {}

  /** Loads trees by name ("<tree>:<dir>") or id in one round trip; returns their ids (null when not a tree). */
  async prefetch(names: readonly string[]): Promise<(string | null)[]> {
    const objects = await this.cat.get(names);
    return objects.map((object) => {
      if (object?.type !== 'tree') return null;
      if (this.trees.size > 5_000) this.trees.clear();
      this.trees.set(object.oid, parseTree(object.content, this.oidLength));
      return object.oid;
    });
  }

  async entries(oid: string): Promise<Map<string, TreeEntry>> {
    if (!this.trees.has(oid)) await this.prefetch([oid]);
    const found = this.trees.get(oid);
    if (!found) throw new IdeaMineError(ErrorCode.corrupt, `state store: tree ${oid} is missing from the object database`);
    return new Map(found);
  }
}

const parentDirs = (path: string): string[] => {
  const parts = path.split('/');
  return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join('/'));
};

/** Returns the id of the new root tree: base (a tree id, or null for empty) with the plan applied. */
export async function buildStateTree(cache: TreeCache, writer: ObjectWriter, base: string | null, plan: WritePlan): Promise<string> {
  if (base !== null) {
    // One round trip for every directory on the way to a written path; the walk below then hits the cache.
    const dirs = new Set<string>();
    for (const path of [...plan.deletes, ...plan.adds.keys()]) for (const dir of parentDirs(path)) dirs.add(dir);
    await cache.prefetch([base, ...[...dirs].map((dir) => `${base}:${dir}`)]);
  }
  const root: Dir = { entries: base === null ? new Map<string, TreeEntry | Dir>() : await cache.entries(base) };

  // Opens the Dir at `segments`, loading or (when create) making each level; null when absent.
  const open = async (segments: readonly string[], create: boolean): Promise<Dir | null> => {
    let dir = root;
    for (const name of segments) {
      const child = dir.entries.get(name);
      let next: Dir;
      if (isDir(child)) next = child;
      else if (child?.mode === TREE_MODE) next = { entries: await cache.entries(child.oid) };
      else if (create) next = { entries: new Map() }; // absent, or a file replaced by a directory
      else return null;
      dir.entries.set(name, next);
      dir = next;
    }
    return dir;
  };

  for (const path of plan.deletes) {
    const segments = path.split('/');
    const name = segments.pop() ?? '';
    const dir = await open(segments, false);
    dir?.entries.delete(name);
  }
  const blobIds = await Promise.all([...plan.adds.values()].map((content) => writer.write('blob', Buffer.from(content, 'utf8'))));
  let i = 0;
  for (const path of plan.adds.keys()) {
    const segments = path.split('/');
    const name = segments.pop() ?? '';
    const dir = await open(segments, true);
    dir?.entries.set(name, { mode: FILE_MODE, oid: blobIds[i] ?? '' });
    i += 1;
  }
  return (await flush(writer, root)) ?? (await writer.write('tree', Buffer.alloc(0)));
}

/** Writes changed directories bottom-up; an emptied directory disappears, as in git. */
async function flush(writer: ObjectWriter, dir: Dir): Promise<string | null> {
  const entries = new Map<string, TreeEntry>();
  for (const [name, value] of dir.entries) {
    if (!isDir(value)) {
      entries.set(name, value);
      continue;
    }
    const oid = await flush(writer, value);
    if (oid !== null) entries.set(name, { mode: TREE_MODE, oid });
  }
  if (entries.size === 0) return null;
  return writer.write('tree', serializeTree(entries));
}
