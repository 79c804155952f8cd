// The git StateStore: the shared contract on a real temp repository, then git-only behaviour.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createGitStore, type GitStore } from '../src/adapters/store/git.js';
import { CatFile } from '../src/adapters/store/cat-file.js';
import { gitEnvironment, DEFAULT_IDENTITY } from '../src/adapters/store/git-exec.js';
import { buildTree } from '../src/adapters/store/git-tree.js';
import { ObjectWriter } from '../src/adapters/store/objects.js';
import { TreeCache, buildStateTree } from '../src/adapters/store/state-tree.js';
import { planWrites } from '../src/adapters/store/validate.js';
import { makeRepo, type TempRepo } from './support/git-repo.js';
import { codeOf, request, stateStoreContract } from './store.contract.js';

stateStoreContract('git', async () => {
  const repo = makeRepo();
  const store = await createGitStore({ repoDir: repo.dir });
  return {
    store,
    cleanup: async () => {
      await store.close();
      repo.cleanup();
    },
  };
});

/** Everything a state commit must leave alone. */
function userState(repo: TempRepo): Record<string, string> {
  return {
    head: repo.git('rev-parse', 'HEAD'),
    branch: repo.git('symbolic-ref', 'HEAD'),
    status: repo.git('status', '--porcelain=v1', '--untracked-files=all'),
    index: createHash('sha256').update(readFileSync(join(repo.gitDir, 'index'))).digest('hex'),
  };
}

function hook(repo: TempRepo, name: string): void {
  mkdirSync(join(repo.gitDir, 'hooks'), { recursive: true });
  const file = join(repo.gitDir, 'hooks', name);
  writeFileSync(file, `#!/bin/sh\ntouch "${join(repo.dir, `hook-ran-${name}`)}"\nexit 1\n`);
  chmodSync(file, 0o755);
}

describe('git store', () => {
  let repo: TempRepo;
  const opened: GitStore[] = [];
  const open = async (dir = repo.dir): Promise<GitStore> => {
    const next = await createGitStore({ repoDir: dir });
    opened.push(next);
    return next;
  };
  afterEach(async () => {
    for (const each of opened.splice(0)) await each.close();
    repo.cleanup();
  });

  it('writes commits whose trailers, message and identity read as the ledger in git log', async () => {
    repo = makeRepo();
    const store = await open();
    const tip = await store.commit('todo-app', {
      writes: [{ path: '.ideamine/runs/r1/ledger.jsonl', content: '{"seq":1}\n' }],
      message: 'phase intake: started',
      trailers: { 'IdeaMine-Run': 'todo-app-1a2b3c4d', 'IdeaMine-Phase': 'intake', 'IdeaMine-Seq': '1' },
      expectedTip: null,
    });
    expect(repo.git('rev-parse', 'refs/heads/ideamine/todo-app')).toBe(tip);
    expect(repo.git('log', '-1', '--format=%an <%ae>|%cn <%ce>', 'ideamine/todo-app')).toBe(
      'IdeaMine <ideamine@users.noreply.github.com>|IdeaMine <ideamine@users.noreply.github.com>',
    );
    expect(repo.git('log', '-1', '--format=%s', 'ideamine/todo-app')).toBe('phase intake: started');
    expect(repo.git('log', '-1', '--format=%(trailers:key=IdeaMine-Phase,valueonly)', 'ideamine/todo-app').trim()).toBe('intake');
    expect(repo.git('log', '-1', '--format=%(trailers:key=IdeaMine-Run,valueonly)', 'ideamine/todo-app').trim()).toBe('todo-app-1a2b3c4d');
    expect(repo.git('show', 'ideamine/todo-app:.ideamine/runs/r1/ledger.jsonl')).toBe('{"seq":1}');
    // A state branch is its own history: a root commit, unrelated to the user's branch.
    expect(repo.git('rev-list', '--count', 'ideamine/todo-app')).toBe('1');
  });

  it('never touches HEAD, the index or the working tree, despite failing hooks, gpgsign, autocrlf and stray GIT_* variables', async () => {
    repo = makeRepo();
    repo.write('staged.txt', 'staged\n');
    repo.git('add', 'staged.txt');
    repo.write('README.md', 'unstaged edit\n');
    repo.write('untracked.txt', 'u\n');
    for (const name of ['pre-commit', 'commit-msg', 'post-commit', 'reference-transaction']) hook(repo, name);
    repo.git('config', 'commit.gpgsign', 'true');
    repo.git('config', 'gpg.program', 'false');
    repo.git('config', 'core.autocrlf', 'true');
    const before = userState(repo);
    const saved = { GIT_DIR: process.env['GIT_DIR'], GIT_INDEX_FILE: process.env['GIT_INDEX_FILE'], GIT_WORK_TREE: process.env['GIT_WORK_TREE'] };
    process.env['GIT_DIR'] = join(repo.dir, 'nowhere');
    process.env['GIT_INDEX_FILE'] = join(repo.gitDir, 'index');
    process.env['GIT_WORK_TREE'] = join(repo.dir, 'nowhere');
    try {
      const store = await open();
      const t1 = await store.commit('demo', request(null, [{ path: 'a.txt', content: 'one\r\ntwo\r\n' }, { path: 'd/b.txt', content: 'b' }]));
      const t2 = await store.commit('demo', request(t1, [{ path: 'd', content: null }, { path: 'README.md', content: 'state copy' }]));
      expect(await store.list('demo', '')).toEqual(['README.md', 'a.txt']);
      expect(repo.git('rev-parse', 'ideamine/demo')).toBe(t2);
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
    expect(userState(repo)).toEqual(before);
    expect(repo.read('README.md')).toBe('unstaged edit\n');
    expect(spawnSync('git', ['cat-file', 'blob', 'ideamine/demo:a.txt'], { cwd: repo.dir, encoding: 'utf8' }).stdout).toBe('one\r\ntwo\r\n');
    for (const name of ['pre-commit', 'commit-msg', 'post-commit', 'reference-transaction']) {
      expect(existsSync(join(repo.dir, `hook-ran-${name}`))).toBe(false);
    }
    expect(repo.git('log', '-1', '--format=%G?', 'ideamine/demo')).toBe('N');
  });

  it('lets exactly one of 10 separate store instances racing from the same tip win', async () => {
    repo = makeRepo();
    const first = await open();
    const base = await first.commit('race', request(null, [{ path: 'n.txt', content: 'base' }]));
    const stores = await Promise.all(Array.from({ length: 10 }, () => open()));
    const results = await Promise.allSettled(
      stores.map((store, i) => store.commit('race', request(base, [{ path: 'n.txt', content: `writer ${i}` }]))),
    );
    const winners = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const codes = await Promise.all(
      results.flatMap((result) => (result.status === 'rejected' ? [codeOf(Promise.reject(result.reason as Error))] : [])),
    );
    expect(winners).toHaveLength(1);
    expect(codes).toEqual(Array(9).fill('CONFLICT'));
    expect(repo.git('rev-parse', 'ideamine/race')).toBe(winners[0]);
    expect(repo.git('rev-parse', 'ideamine/race~1')).toBe(base);
  });

  it('sees commits made by other processes (the long-lived reader is not stale)', async () => {
    repo = makeRepo();
    const reader = await open();
    const writer = await open();
    expect(await reader.tip('demo')).toBeNull();
    const t1 = await writer.commit('demo', request(null, [{ path: 'a.txt', content: 'v1' }]));
    expect(await reader.tip('demo')).toBe(t1);
    expect((await reader.read('demo', ['a.txt'])).get('a.txt')).toBe('v1');
    // A tip moved by plain git (e.g. a fetch) is seen too, and a commit on the old tip conflicts.
    const outside = repo.git('commit-tree', '-p', t1, '-m', 'outside', repo.git('rev-parse', `${t1}^{tree}`));
    repo.git('update-ref', 'refs/heads/ideamine/demo', outside);
    repo.git('pack-refs', '--all');
    expect(await reader.tip('demo')).toBe(outside);
    expect(await codeOf(reader.commit('demo', request(t1, [{ path: 'a.txt', content: 'v2' }])))).toBe('CONFLICT');
    expect(await reader.slugs()).toEqual(['demo']);
  });

  it('works on a bare repository and from a subdirectory of a working tree', async () => {
    repo = makeRepo({ bare: true });
    const bare = await open();
    const tip = await bare.commit('demo', request(null, [{ path: 'a.txt', content: 'bare' }]));
    expect(repo.git('rev-parse', 'ideamine/demo')).toBe(tip);
    expect(repo.git('fsck', '--strict', '--no-dangling')).toBe('');
    const published = await bare.publish([{ path: 'dossiers/demo/RELEASE_DOSSIER.md', content: 'x' }], 'dossier');
    expect(published).toEqual({ committed: false, where: 'the repository is bare (no working tree), so the files stay on the state branch' });
    repo.cleanup();

    repo = makeRepo({ remote: true });
    mkdirSync(join(repo.dir, 'sub', 'deeper'), { recursive: true });
    const nested = await open(join(repo.dir, 'sub', 'deeper'));
    const result = await nested.publish([{ path: 'dossiers/demo/RELEASE_DOSSIER.md', content: 'top-level\n' }], 'dossier');
    expect(result.committed).toBe(true);
    expect(repo.read('dossiers/demo/RELEASE_DOSSIER.md')).toBe('top-level\n');
    // State branches are ordinary refs: plain git pushes them to the file:// remote.
    const state = await nested.commit('demo', request(null, [{ path: 'a.txt', content: 'pushed' }]));
    repo.git('push', '-q', 'origin', 'ideamine/demo');
    expect(repo.git('ls-remote', 'origin', 'refs/heads/ideamine/demo')).toBe(`${state}\trefs/heads/ideamine/demo`);
    await expect(createGitStore({ repoDir: '/' })).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });

  it('commits at a usable speed (median ms per commit logged)', async () => {
    repo = makeRepo();
    const store = await open();
    let tip: string | null = null;
    const times: number[] = [];
    let ledger = '';
    for (let seq = 1; seq <= 60; seq += 1) {
      ledger += `${JSON.stringify({ seq, event: 'task.completed', hash: 'x'.repeat(64) })}\n`;
      const started = performance.now();
      tip = await store.commit('speed', request(tip, [
        { path: '.ideamine/runs/r1/ledger.jsonl', content: ledger },
        { path: `.ideamine/runs/r1/artifacts/a${seq}.json`, content: `{"n":${seq}}\n` },
        { path: `.ideamine/cas/k${seq}.json`, content: `{"k":${seq}}\n` },
      ]));
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const median = times[times.length >> 1] ?? 0;
    console.log(`git store: median ${median.toFixed(1)} ms per commit over 60 commits (3 files each), p90 ${(times[54] ?? 0).toFixed(1)} ms`);
    expect(repo.git('rev-list', '--count', 'ideamine/speed')).toBe('60');
    expect(await store.list('speed', '.ideamine/runs/r1/artifacts')).toHaveLength(60);
    expect(median).toBeLessThan(250);
  });

  it('builds in-process exactly the trees git builds through an index, and fsck finds nothing wrong', async () => {
    repo = makeRepo();
    const ctx = { cwd: repo.dir, env: gitEnvironment(DEFAULT_IDENTITY) };
    const gitRepo = { ctx, gitDir: repo.gitDir, commonDir: repo.gitDir, objectsDir: join(repo.gitDir, 'objects'), oidLength: 40, hasWorkTree: true };
    const writer = new ObjectWriter(gitRepo.objectsDir, 40);
    const cat = new CatFile(ctx);
    const cache = new TreeCache(cat, 40);
    const steps = [
      [{ path: 'b.txt', content: 'b' }, { path: 'a-b/x', content: 'x' }, { path: 'a/y', content: 'y' }, { path: 'a.c', content: 'dot' }],
      [{ path: 'a', content: null }, { path: 'é/ü.md', content: 'unicode names' }, { path: 'deep/er/est/f.json', content: '{}' }],
      [{ path: 'b.txt', content: null }, { path: 'b.txt/now-a-dir', content: 'd' }, { path: 'a-b', content: 'file replacing a dir' }],
      [{ path: 'deep/er/est/f.json', content: null }, { path: 'missing/file', content: null }, { path: 'empty', content: '' }],
      [{ path: 'é', content: null }, { path: 'a-b', content: null }, { path: 'b.txt', content: null }, { path: 'deep', content: null }, { path: 'empty', content: null }, { path: 'a.c', content: null }],
    ];
    try {
      let tree: string | null = null;
      for (const writes of steps) {
        const plan = planWrites(writes);
        const ours = await buildStateTree(cache, writer, tree, plan);
        const theirs = await buildTree(gitRepo, writer, 'oracle', tree, plan);
        expect(ours).toBe(theirs.tree);
        tree = ours;
      }
      expect(tree).toBe('4b825dc642cb6eb9a060e54bf8d69288fbee4904'); // everything deleted: git's empty tree
      const store = await open();
      let tip: string | null = null;
      for (const writes of steps) tip = await store.commit('fsck', request(tip, writes));
      expect(repo.git('fsck', '--strict', '--no-dangling')).toBe('');
      expect(repo.git('cat-file', '-t', 'ideamine/fsck')).toBe('commit');
    } finally {
      cat.close();
    }
  });

  it('works on a sha256 repository', async () => {
    repo = makeRepo({ initialCommit: false });
    repo.cleanup();
    const dir = join(repo.dir, '..', 'sha256');
    mkdirSync(dir, { recursive: true });
    spawnSync('git', ['init', '-q', '--object-format=sha256'], { cwd: dir });
    const store = await open(dir);
    const t1 = await store.commit('demo', request(null, [{ path: 'a/b.txt', content: 'x' }]));
    expect(t1).toMatch(/^[0-9a-f]{64}$/);
    const t2 = await store.commit('demo', request(t1, [{ path: 'a/c.txt', content: 'y' }]));
    expect(await store.list('demo', 'a')).toEqual(['b.txt', 'c.txt']);
    expect(Object.fromEntries(await store.read('demo', ['a/b.txt'], t2))).toEqual({ 'a/b.txt': 'x' });
    expect(spawnSync('git', ['fsck', '--strict'], { cwd: dir }).status).toBe(0);
  });

  it('lets the process exit even when close() is forgotten (the reader process does not hold the event loop)', () => {
    repo = makeRepo();
    const scriptDir = mkdtempSync(join(tmpdir(), 'ideamine-exit-'));
    const script = join(scriptDir, 'forget-close.mts');
    const storeModule = join(process.cwd(), 'src/adapters/store/git.ts');
    writeFileSync(script, [
      `import { createGitStore } from ${JSON.stringify(storeModule)};`,
      `const store = await createGitStore({ repoDir: ${JSON.stringify(repo.dir)} });`,
      `const tip = await store.commit('demo', { writes: [{ path: 'a', content: 'x' }], message: 'm', trailers: {}, expectedTip: null });`,
      `console.log((await store.read('demo', ['a'])).get('a'), tip === (await store.tip('demo')));`,
    ].join('\n'));
    try {
      const started = Date.now();
      const run = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: process.cwd(), encoding: 'utf8', timeout: 20_000 });
      expect(run.stderr).toBe('');
      expect(run.stdout.trim()).toBe('x true');
      expect(run.status).toBe(0);
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      rmSync(scriptDir, { recursive: true, force: true });
    }
  });
});
