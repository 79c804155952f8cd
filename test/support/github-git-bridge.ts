// Makes the GitHub stand-in's Git data (what the REST API reads and writes) and the bare repository served over
// smart HTTP (what `git fetch`/`git push` see) one repository, as they are on GitHub. `sync()` copies every branch
// that moved on one side since the last sync to the other side, with its objects, checking each object's SHA;
// a branch that moved on both sides is an error. State branches (ideamine/*) stay git-only unless asked for.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import type { CommitObject, GitPerson, TreeEntry } from './github-standin/git.js';
import type { RepoState } from './github-standin/state.js';
import { testGitEnv } from './git-repo.js';

export interface GitBridge {
  /** Copies moved branches across; returns the refs copied, as "api→git heads/x" or "git→api heads/x". */
  sync(): string[];
}

const sha1 = (kind: string, body: Buffer): string => createHash('sha1').update(Buffer.concat([Buffer.from(`${kind} ${body.length}\0`), body])).digest('hex');

/** The exact bytes the stand-in hashed (github-standin/git.ts writes UTC times). */
const stamp = (p: GitPerson): string => `${p.name} <${p.email}> ${Math.floor(Date.parse(p.date) / 1000)} +0000`;
const commitBody = (c: CommitObject): Buffer =>
  Buffer.from([`tree ${c.tree}`, ...c.parents.map((p) => `parent ${p}`), `author ${stamp(c.author)}`, `committer ${stamp(c.committer)}`, '', c.message].join('\n'));
const treeBody = (entries: readonly TreeEntry[]): Buffer =>
  Buffer.concat(entries.map((e) => Buffer.concat([Buffer.from(`${e.mode === '040000' ? '40000' : e.mode} ${e.name}\0`), Buffer.from(e.sha, 'hex')])));

function parsePerson(line: string, sha: string): GitPerson {
  const match = /^(.*) <(.*)> (\d+) ([+-]\d{4})$/.exec(line);
  if (!match?.[1] || match[2] === undefined || !match[3]) throw new Error(`bridge: commit ${sha} has an unreadable person line "${line}"`);
  if (match[4] !== '+0000') throw new Error(`bridge: commit ${sha} is dated in zone ${match[4] ?? ''}; the stand-in stores UTC only (commit with TZ=UTC)`);
  return { name: match[1], email: match[2], date: new Date(Number(match[3]) * 1000).toISOString() };
}

function parseTree(body: Buffer): TreeEntry[] {
  const entries: TreeEntry[] = [];
  let at = 0;
  while (at < body.length) {
    const space = body.indexOf(0x20, at);
    const nul = body.indexOf(0, space);
    const mode = body.subarray(at, space).toString('latin1');
    const name = body.subarray(space + 1, nul).toString('utf8');
    const sha = body.subarray(nul + 1, nul + 21).toString('hex');
    const type = mode === '40000' ? 'tree' : mode === '160000' ? 'commit' : 'blob';
    entries.push({ name, sha, type, mode: (mode === '40000' ? '040000' : mode) as TreeEntry['mode'] });
    at = nul + 21;
  }
  return entries;
}

export function bridgeGit(state: RepoState, bareDir: string, options: { include?: (ref: string) => boolean } = {}): GitBridge {
  const include = options.include ?? ((ref: string) => !ref.startsWith('heads/ideamine/'));
  const git = (args: readonly string[], input?: string): Buffer =>
    execFileSync('git', args, { cwd: bareDir, env: testGitEnv(), input, maxBuffer: 256 * 1024 * 1024, stdio: ['pipe', 'pipe', 'pipe'] });
  const synced = new Map<string, string>();

  function gitRefs(): Map<string, string> {
    const refs = new Map<string, string>();
    for (const line of git(['for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads']).toString('utf8').split('\n').filter(Boolean)) {
      const [sha = '', name = ''] = line.split(' ');
      refs.set(name.replace(/^refs\//, ''), sha);
    }
    return refs;
  }

  /** Which of these objects the bare repository has (one `cat-file --batch-check`). */
  function present(shas: readonly string[]): Set<string> {
    if (shas.length === 0) return new Set();
    return new Set(git(['cat-file', '--batch-check'], `${shas.join('\n')}\n`).toString('utf8').split('\n')
      .filter((line) => line !== '' && !line.endsWith(' missing')).map((line) => line.split(' ')[0] ?? ''));
  }

  /** git → API: every object reachable from `tip` that the stand-in lacks, read in one `cat-file --batch`. */
  function importCommit(tip: string): void {
    const store = state.git;
    const known = [...present([...store.commits.keys()])];
    const list = git(['rev-list', '--objects', '--reverse', tip, ...(known.length > 0 ? ['--not', ...known] : [])]).toString('utf8')
      .split('\n').filter(Boolean).map((line) => line.split(' ')[0] ?? '');
    if (list.length === 0) return;
    const out = git(['cat-file', '--batch'], `${list.join('\n')}\n`);
    const objects: { sha: string; kind: string; body: Buffer }[] = [];
    let at = 0;
    while (at < out.length) {
      const eol = out.indexOf(0x0a, at);
      const [sha = '', kind = '', size = '0'] = out.subarray(at, eol).toString('latin1').split(' ');
      const body = out.subarray(eol + 1, eol + 1 + Number(size));
      objects.push({ sha, kind, body });
      at = eol + 1 + Number(size) + 1;
    }
    const check = (made: string, sha: string, kind: string): void => {
      if (made !== sha) throw new Error(`bridge: ${kind} ${sha} came out as ${made} in the stand-in`);
    };
    for (const o of objects.filter((x) => x.kind === 'blob')) check(store.writeBlob(o.body), o.sha, 'blob');
    for (const o of objects.filter((x) => x.kind === 'tree')) check(store.writeTree(parseTree(o.body)), o.sha, 'tree');
    for (const o of objects.filter((x) => x.kind === 'commit')) {
      const text = o.body.toString('utf8');
      const split = text.indexOf('\n\n');
      const headers = text.slice(0, split).split('\n');
      const field = (name: string): string[] => headers.filter((h) => h.startsWith(`${name} `)).map((h) => h.slice(name.length + 1));
      if (headers.some((h) => !/^(tree|parent|author|committer) /.test(h))) throw new Error(`bridge: commit ${o.sha} has headers the stand-in cannot store (${headers.join(' | ')})`);
      check(store.writeCommit({
        tree: field('tree')[0] ?? '', parents: field('parent'), message: text.slice(split + 2),
        author: parsePerson(field('author')[0] ?? '', o.sha), committer: parsePerson(field('committer')[0] ?? '', o.sha),
      }), o.sha, 'commit');
    }
  }

  /** API → git: loose objects written straight into the bare repository (zlib of header and body), each SHA checked. */
  function exportCommit(tip: string): void {
    const store = state.git;
    const objects = new Map<string, { kind: string; body: Buffer }>();
    const walkTree = (sha: string): void => {
      if (objects.has(sha)) return;
      const entries = store.trees.get(sha);
      if (!entries) throw new Error(`bridge: the stand-in has no tree ${sha}`);
      objects.set(sha, { kind: 'tree', body: treeBody(entries) });
      for (const e of entries) {
        if (e.type === 'tree') walkTree(e.sha);
        else if (e.type === 'blob' && !objects.has(e.sha)) {
          const blob = store.blobs.get(e.sha);
          if (!blob) throw new Error(`bridge: the stand-in has no blob ${e.sha}`);
          objects.set(e.sha, { kind: 'blob', body: blob });
        }
      }
    };
    const queue = [tip];
    while (queue.length > 0) {
      const sha = queue.pop() ?? '';
      if (objects.has(sha)) continue;
      const commit = store.commits.get(sha);
      if (!commit) throw new Error(`bridge: the stand-in has no commit ${sha}`);
      objects.set(sha, { kind: 'commit', body: commitBody(commit) });
      walkTree(commit.tree);
      queue.push(...commit.parents);
    }
    const have = present([...objects.keys()]);
    for (const sha of [...objects.keys()].filter((x) => !have.has(x))) {
      const { kind, body } = objects.get(sha) ?? { kind: '', body: Buffer.alloc(0) };
      const made = sha1(kind, body);
      if (made !== sha) throw new Error(`bridge: the stand-in's ${kind} ${sha} hashes to ${made} in git's format`);
      const dir = join(bareDir, 'objects', sha.slice(0, 2));
      if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, sha.slice(2)), deflateSync(Buffer.concat([Buffer.from(`${kind} ${body.length}\0`), body])));
    }
  }

  return {
    sync() {
      const moved: string[] = [];
      const fromGit = gitRefs();
      const names = new Set([...fromGit.keys(), ...state.refs.keys()].filter((ref) => ref.startsWith('heads/') && include(ref)));
      for (const ref of [...names].sort()) {
        const inGit = fromGit.get(ref);
        const inApi = state.refs.get(ref);
        const last = synced.get(ref);
        if (inGit === inApi) {
          if (inGit === undefined) synced.delete(ref);
          else synced.set(ref, inGit);
          continue;
        }
        if (inApi === last) {
          if (inGit === undefined) state.refs.delete(ref);
          else {
            importCommit(inGit);
            state.refs.set(ref, inGit);
          }
          moved.push(`git→api ${ref}`);
        } else if (inGit === last) {
          if (inApi === undefined) git(['update-ref', '-d', `refs/${ref}`]);
          else {
            exportCommit(inApi);
            git(['update-ref', `refs/${ref}`, inApi, ...(inGit === undefined ? [] : [inGit])]);
          }
          moved.push(`api→git ${ref}`);
        } else {
          throw new Error(`bridge: ${ref} moved on both sides since the last sync (git ${inGit ?? 'deleted'}, API ${inApi ?? 'deleted'})`);
        }
        const now = inGit === last ? inApi : inGit;
        if (now === undefined) synced.delete(ref);
        else synced.set(ref, now);
      }
      return moved;
    },
  };
}
