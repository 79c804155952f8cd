// In-memory git objects with real SHA-1 ids (blobs, nested trees, commits), as GitHub's Git data API sees them.
import { createHash } from 'node:crypto';

export interface TreeEntry {
  readonly name: string;
  readonly mode: '100644' | '100755' | '040000' | '160000' | '120000';
  readonly type: 'blob' | 'tree' | 'commit';
  readonly sha: string;
}

export interface GitPerson {
  readonly name: string;
  readonly email: string;
  readonly date: string;
}

export interface CommitObject {
  readonly sha: string;
  readonly tree: string;
  readonly parents: readonly string[];
  readonly message: string;
  readonly author: GitPerson;
  readonly committer: GitPerson;
}

/** A change to a tree at a slash path: content writes a blob, sha points at an object, null deletes. */
export interface TreeEdit {
  readonly path: string;
  readonly mode: TreeEntry['mode'];
  readonly type: TreeEntry['type'];
  readonly sha?: string | null;
  readonly content?: string;
}

const hashObject = (kind: string, body: Buffer): string =>
  createHash('sha1').update(Buffer.concat([Buffer.from(`${kind} ${body.length}\0`), body])).digest('hex');

// Git sorts tree entries by name, comparing a subtree's name as if it ended in "/".
const sortKey = (e: TreeEntry): string => (e.type === 'tree' ? `${e.name}/` : e.name);

type Node = { kind: 'leaf'; entry: TreeEntry } | { kind: 'dir'; children: Map<string, Node> };

export class GitStore {
  readonly blobs = new Map<string, Buffer>();
  readonly trees = new Map<string, readonly TreeEntry[]>();
  readonly commits = new Map<string, CommitObject>();

  writeBlob(content: Buffer): string {
    const sha = hashObject('blob', content);
    this.blobs.set(sha, content);
    return sha;
  }

  writeTree(entries: readonly TreeEntry[]): string {
    const sorted = [...entries].sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
    const body = Buffer.concat(sorted.map((e) => Buffer.concat([
      Buffer.from(`${e.mode === '040000' ? '40000' : e.mode} ${e.name}\0`), Buffer.from(e.sha, 'hex'),
    ])));
    const sha = hashObject('tree', body);
    this.trees.set(sha, sorted);
    return sha;
  }

  writeCommit(data: Omit<CommitObject, 'sha'>): string {
    const stamp = (p: GitPerson): string => `${p.name} <${p.email}> ${Math.floor(Date.parse(p.date) / 1000)} +0000`;
    const text = [`tree ${data.tree}`, ...data.parents.map((p) => `parent ${p}`), `author ${stamp(data.author)}`, `committer ${stamp(data.committer)}`, '', data.message].join('\n');
    const sha = hashObject('commit', Buffer.from(text));
    this.commits.set(sha, { sha, ...data });
    return sha;
  }

  private load(treeSha: string | null): Map<string, Node> {
    const map = new Map<string, Node>();
    if (treeSha === null) return map;
    for (const entry of this.trees.get(treeSha) ?? []) {
      map.set(entry.name, entry.type === 'tree' ? { kind: 'dir', children: this.load(entry.sha) } : { kind: 'leaf', entry });
    }
    return map;
  }

  private save(children: Map<string, Node>): string | null {
    const entries: TreeEntry[] = [];
    for (const [name, node] of children) {
      if (node.kind === 'leaf') entries.push(node.entry);
      else {
        const sha = this.save(node.children);
        if (sha !== null) entries.push({ name, mode: '040000', type: 'tree', sha });
      }
    }
    return entries.length === 0 ? null : this.writeTree(entries);
  }

  /** Applies edits on top of a base tree (or none); returns the new tree id. Throws on a bad sha. */
  editTree(baseTree: string | null, edits: readonly TreeEdit[]): string {
    const root = this.load(baseTree);
    for (const edit of edits) {
      const parts = edit.path.split('/');
      const name = parts.pop() ?? '';
      let dir = root;
      for (const part of parts) {
        let next = dir.get(part);
        if (next?.kind !== 'dir') {
          next = { kind: 'dir', children: new Map() };
          dir.set(part, next);
        }
        dir = next.children;
      }
      if (edit.content !== undefined) {
        dir.set(name, { kind: 'leaf', entry: { name, mode: edit.mode, type: 'blob', sha: this.writeBlob(Buffer.from(edit.content, 'utf8')) } });
      } else if (edit.sha === null || edit.sha === undefined) {
        dir.delete(name);
      } else if (edit.type === 'tree') {
        if (!this.trees.has(edit.sha)) throw new Error(`tree ${edit.sha} does not exist`);
        dir.set(name, { kind: 'dir', children: this.load(edit.sha) });
      } else {
        if (edit.type === 'blob' && !this.blobs.has(edit.sha)) throw new Error(`blob ${edit.sha} does not exist`);
        dir.set(name, { kind: 'leaf', entry: { name, mode: edit.mode, type: edit.type, sha: edit.sha } });
      }
    }
    return this.save(root) ?? this.writeTree([]);
  }

  /** The text of a file at a commit, or null. */
  readFile(commitSha: string, path: string): string | null {
    let treeSha = this.commits.get(commitSha)?.tree;
    const parts = path.split('/');
    for (const [i, part] of parts.entries()) {
      const entry = (treeSha ? this.trees.get(treeSha) : undefined)?.find((e) => e.name === part);
      if (!entry) return null;
      if (i === parts.length - 1) return entry.type === 'blob' ? (this.blobs.get(entry.sha)?.toString('utf8') ?? null) : null;
      treeSha = entry.sha;
    }
    return null;
  }

  isAncestor(ancestor: string, of: string): boolean {
    const queue = [of];
    const seen = new Set<string>();
    while (queue.length > 0) {
      const sha = queue.shift() ?? '';
      if (sha === ancestor) return true;
      if (seen.has(sha)) continue;
      seen.add(sha);
      queue.push(...(this.commits.get(sha)?.parents ?? []));
    }
    return false;
  }
}
