// Writes git objects (blob, tree, commit) as loose objects in-process: the state hot path needs no spawns.
// The format is git's own: zlib("<type> <size>\0<body>"), named by its SHA-1 (or SHA-256) hex digest.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, mkdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { deflate } from 'node:zlib';
import type { GitIdentity } from './git-exec.js';

const deflateAsync = promisify(deflate);

export type ObjectType = 'blob' | 'tree' | 'commit';

export interface TreeEntry {
  /** "100644" file, "40000" directory, or whatever mode an entry already had (kept as-is). */
  readonly mode: string;
  readonly oid: string;
}

export const TREE_MODE = '40000';
export const FILE_MODE = '100644';

let tempCounter = 0;

export class ObjectWriter {
  constructor(
    private readonly objectsDir: string,
    private readonly oidLength: number,
  ) {}

  oidOf(type: ObjectType, body: Buffer): string {
    return createHash(this.oidLength === 64 ? 'sha256' : 'sha1')
      .update(`${type} ${body.length}\0`)
      .update(body)
      .digest('hex');
  }

  /** Stores the object unless it is already loose; temp file then link, as git does, so readers never see half. */
  async write(type: ObjectType, body: Buffer): Promise<string> {
    const oid = this.oidOf(type, body);
    const dir = join(this.objectsDir, oid.slice(0, 2));
    const final = join(dir, oid.slice(2));
    if (existsSync(final)) return oid;
    const data = await deflateAsync(Buffer.concat([Buffer.from(`${type} ${body.length}\0`), body]));
    await mkdir(dir, { recursive: true });
    const temp = join(dir, `tmp_obj_ideamine_${process.pid}_${(tempCounter += 1)}`);
    await writeFile(temp, data, { mode: 0o444 });
    try {
      await link(temp, final);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      await unlink(temp);
    }
    return oid;
  }
}

/** Git orders tree entries by name bytes, comparing a directory as if its name ended in "/". */
function sortKey(name: string, mode: string): Buffer {
  return Buffer.from(mode === TREE_MODE ? `${name}/` : name, 'utf8');
}

export function serializeTree(entries: ReadonlyMap<string, TreeEntry>): Buffer {
  const sorted = [...entries].sort(([a, ea], [b, eb]) => Buffer.compare(sortKey(a, ea.mode), sortKey(b, eb.mode)));
  return Buffer.concat(
    sorted.flatMap(([name, entry]) => [Buffer.from(`${entry.mode} ${name}\0`, 'utf8'), Buffer.from(entry.oid, 'hex')]),
  );
}

export function parseTree(content: Buffer, oidLength: number): Map<string, TreeEntry> {
  const entries = new Map<string, TreeEntry>();
  const oidBytes = oidLength / 2;
  let at = 0;
  while (at < content.length) {
    const space = content.indexOf(32, at);
    const nul = content.indexOf(0, space);
    if (space < 0 || nul < 0) break;
    const mode = content.subarray(at, space).toString('latin1');
    const name = content.subarray(space + 1, nul).toString('utf8');
    entries.set(name, { mode, oid: content.subarray(nul + 1, nul + 1 + oidBytes).toString('hex') });
    at = nul + 1 + oidBytes;
  }
  return entries;
}

/** "<unix seconds> <+hhmm>" in the local time zone, as git writes it. */
export function gitTimestamp(date: Date): string {
  const offset = -date.getTimezoneOffset();
  const abs = Math.abs(offset);
  const zone = `${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
  return `${Math.floor(date.getTime() / 1000)} ${zone}`;
}

export function serializeCommit(tree: string, parents: readonly string[], identity: GitIdentity, message: string, date: Date): Buffer {
  const who = `${identity.name} <${identity.email}> ${gitTimestamp(date)}`;
  const header = [`tree ${tree}`, ...parents.map((parent) => `parent ${parent}`), `author ${who}`, `committer ${who}`];
  return Buffer.from(`${header.join('\n')}\n\n${message}`, 'utf8');
}
