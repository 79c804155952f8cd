// The StateStore contract, run against every adapter (git and memory) so the stand-in cannot drift.
import { afterEach, describe, expect, it } from 'vitest';
import type { CommitRequest, StateStore } from '../src/ports/store.js';
import { IdeaMineError } from '../src/core/errors.js';

export interface StoreFixture {
  readonly store: StateStore;
  cleanup(): Promise<void>;
}

export const request = (expectedTip: string | null, writes: CommitRequest['writes'], message = 'checkpoint'): CommitRequest => ({
  writes,
  message,
  trailers: { 'IdeaMine-Run': 'todo-app-1a2b3c4d', 'IdeaMine-Seq': '1' },
  expectedTip,
});

/** Resolves to the error code a promise rejects with (fails the test if it resolves). */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => expect.fail('expected a rejection'),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(IdeaMineError);
  return (error as IdeaMineError).code;
}

export function stateStoreContract(name: string, makeFixture: () => Promise<StoreFixture>): void {
  describe(`StateStore contract: ${name}`, () => {
    let fixture: StoreFixture | undefined;
    const open = async (): Promise<StateStore> => {
      fixture = await makeFixture();
      return fixture.store;
    };
    afterEach(async () => {
      await fixture?.cleanup();
      fixture = undefined;
    });

    it('creates a branch from expectedTip null and reads it back', async () => {
      const store = await open();
      expect(await store.tip('todo-app')).toBeNull();
      expect(await store.slugs()).toEqual([]);
      const tip = await store.commit('todo-app', request(null, [{ path: '.ideamine/runs/r1/run.json', content: '{"a":1}\n' }]));
      expect(tip).toMatch(/^[0-9a-f]{40}$/);
      expect(await store.tip('todo-app')).toBe(tip);
      const files = await store.read('todo-app', ['.ideamine/runs/r1/run.json', 'missing.txt']);
      expect(Object.fromEntries(files)).toEqual({ '.ideamine/runs/r1/run.json': '{"a":1}\n', 'missing.txt': null });
      expect(Object.fromEntries(await store.read('other-idea', ['x.txt']))).toEqual({ 'x.txt': null });
    });

    it('keeps content byte-exact (unicode, CRLF, empty files)', async () => {
      const store = await open();
      const content = { 'a.txt': 'line one\r\nline two\r\n', 'b.md': 'café ✓ 漢字\n', 'empty.txt': '' };
      await store.commit('demo', request(null, Object.entries(content).map(([path, text]) => ({ path, content: text }))));
      expect(Object.fromEntries(await store.read('demo', Object.keys(content)))).toEqual(content);
    });

    it('rejects a commit on a stale tip with CONFLICT and leaves the branch alone', async () => {
      const store = await open();
      const first = await store.commit('demo', request(null, [{ path: 'a.txt', content: '1' }]));
      const second = await store.commit('demo', request(first, [{ path: 'a.txt', content: '2' }]));
      expect(await codeOf(store.commit('demo', request(first, [{ path: 'a.txt', content: '3' }])))).toBe('CONFLICT');
      expect(await codeOf(store.commit('demo', request(null, [{ path: 'a.txt', content: '4' }])))).toBe('CONFLICT');
      expect(await codeOf(store.commit('fresh', request(second, [{ path: 'a.txt', content: '5' }])))).toBe('CONFLICT');
      expect(await store.tip('demo')).toBe(second);
      expect(await store.tip('fresh')).toBeNull();
      expect((await store.read('demo', ['a.txt'])).get('a.txt')).toBe('2');
    });

    it('lets exactly one of 10 commits racing from the same tip win', async () => {
      const store = await open();
      const base = await store.commit('race', request(null, [{ path: 'n.txt', content: 'base' }]));
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => store.commit('race', request(base, [{ path: 'n.txt', content: `writer ${i}` }]))),
      );
      const winners = results.filter((result) => result.status === 'fulfilled');
      const losers = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
      expect(winners).toHaveLength(1);
      expect(losers.map((loser) => (loser.reason as IdeaMineError).code)).toEqual(Array(9).fill('CONFLICT'));
      expect(await store.tip('race')).toBe(winners[0]?.value);
    });

    it('deletes a file, a whole directory, and ignores a missing path', async () => {
      const store = await open();
      const tip1 = await store.commit('demo', request(null, [
        { path: 'keep.txt', content: 'k' },
        { path: 'gone.txt', content: 'g' },
        { path: 'dir/a.txt', content: 'a' },
        { path: 'dir/sub/b.txt', content: 'b' },
        { path: 'dirty/x.txt', content: 'x' },
      ]));
      const tip2 = await store.commit('demo', request(tip1, [
        { path: 'gone.txt', content: null },
        { path: 'dir', content: null },
        { path: 'never-existed.txt', content: null },
        { path: 'dirty', content: null },
        { path: 'dirty/y.txt', content: 'written after the delete survives' },
      ]));
      expect(await store.list('demo', '')).toEqual(['dirty', 'keep.txt']);
      expect(await store.list('demo', 'dirty')).toEqual(['y.txt']);
      const after = await store.read('demo', ['keep.txt', 'gone.txt', 'dir/a.txt', 'dir/sub/b.txt', 'dirty/x.txt'], tip2);
      expect(Object.fromEntries(after)).toEqual({ 'keep.txt': 'k', 'gone.txt': null, 'dir/a.txt': null, 'dir/sub/b.txt': null, 'dirty/x.txt': null });
    });

    it('replaces a file with a directory of the same name and back', async () => {
      const store = await open();
      const tip1 = await store.commit('demo', request(null, [{ path: 'a', content: 'file' }]));
      const tip2 = await store.commit('demo', request(tip1, [{ path: 'a/b.txt', content: 'nested' }]));
      expect(await store.list('demo', '')).toEqual(['a']);
      expect(Object.fromEntries(await store.read('demo', ['a', 'a/b.txt']))).toEqual({ a: null, 'a/b.txt': 'nested' });
      await store.commit('demo', request(tip2, [{ path: 'a', content: 'file again' }]));
      expect(Object.fromEntries(await store.read('demo', ['a', 'a/b.txt']))).toEqual({ a: 'file again', 'a/b.txt': null });
    });

    it('reads at an older commit', async () => {
      const store = await open();
      const v1 = await store.commit('demo', request(null, [{ path: 'ledger.jsonl', content: 'e1\n' }]));
      const v2 = await store.commit('demo', request(v1, [{ path: 'ledger.jsonl', content: 'e1\ne2\n' }, { path: 'new.txt', content: 'n' }]));
      expect((await store.read('demo', ['ledger.jsonl'], v1)).get('ledger.jsonl')).toBe('e1\n');
      expect((await store.read('demo', ['new.txt'], v1)).get('new.txt')).toBeNull();
      expect((await store.read('demo', ['ledger.jsonl'], v2)).get('ledger.jsonl')).toBe('e1\ne2\n');
      expect((await store.read('demo', ['ledger.jsonl'])).get('ledger.jsonl')).toBe('e1\ne2\n');
      expect(await codeOf(store.read('demo', ['ledger.jsonl'], 'f'.repeat(40)))).toBe('NOT_FOUND');
      expect(await codeOf(store.read('demo', ['ledger.jsonl'], 'HEAD'))).toBe('BAD_INPUT');
    });

    it('lists immediate children of a directory', async () => {
      const store = await open();
      expect(await store.list('demo', '.ideamine/runs')).toEqual([]);
      await store.commit('demo', request(null, [
        { path: '.ideamine/runs/r2/ledger.jsonl', content: '' },
        { path: '.ideamine/runs/r1/ledger.jsonl', content: '' },
        { path: '.ideamine/runs/r1/artifacts/prd.json', content: '{}' },
        { path: '.ideamine/cas/k.json', content: '{}' },
        { path: 'top.txt', content: 't' },
      ]));
      expect(await store.list('demo', '.ideamine/runs')).toEqual(['r1', 'r2']);
      expect(await store.list('demo', '.ideamine/runs/')).toEqual(['r1', 'r2']);
      expect(await store.list('demo', '.ideamine/runs/r1')).toEqual(['artifacts', 'ledger.jsonl']);
      expect(await store.list('demo', '')).toEqual(['.ideamine', 'top.txt']);
      expect(await store.list('demo', 'nope')).toEqual([]);
      expect(await store.list('demo', 'top.txt')).toEqual([]);
      expect((await store.read('demo', ['.ideamine/runs'])).get('.ideamine/runs')).toBeNull();
    });

    it('lists slugs that have a state branch', async () => {
      const store = await open();
      await store.commit('zeta', request(null, [{ path: 'a', content: '1' }]));
      await store.commit('alpha', request(null, [{ path: 'a', content: '1' }]));
      expect(await store.slugs()).toEqual(['alpha', 'zeta']);
    });

    it('rejects bad slugs, paths and trailers as BAD_INPUT', async () => {
      const store = await open();
      expect(await codeOf(store.tip('Bad Slug'))).toBe('BAD_INPUT');
      for (const path of ['../escape', '/abs', 'a//b', '.git/config', 'a/./b', 'line\nbreak']) {
        expect(await codeOf(store.commit('demo', request(null, [{ path, content: 'x' }])))).toBe('BAD_INPUT');
      }
      expect(await codeOf(store.read('demo', ['../x']))).toBe('BAD_INPUT');
      const badTrailer = { ...request(null, [{ path: 'a', content: '1' }]), trailers: { 'Bad Key': 'v' } };
      expect(await codeOf(store.commit('demo', badTrailer))).toBe('BAD_INPUT');
      expect(await codeOf(store.commit('demo', request(null, [{ path: 'a', content: '1' }], '  ')))).toBe('BAD_INPUT');
      expect(await store.tip('demo')).toBeNull();
    });

    it('publishes files to the current branch and reads them back', async () => {
      const store = await open();
      const path = 'dossiers/todo-app/RELEASE_DOSSIER.md';
      expect(await store.readPublished(path)).toBeNull();
      const first = await store.publish([{ path, content: '# Dossier v1\n' }], 'Release dossier: todo-app');
      expect(first).toMatchObject({ committed: true, where: 'main' });
      expect(first.commit).toMatch(/^[0-9a-f]{40}$/);
      expect(await store.readPublished(path)).toBe('# Dossier v1\n');
      const again = await store.publish([{ path, content: '# Dossier v1\n' }], 'Release dossier: todo-app');
      expect(again).toEqual({ committed: true, where: 'main (already up to date)', commit: first.commit });
      const second = await store.publish([{ path, content: '# Dossier v2\n' }], 'Release dossier: todo-app');
      expect(second.committed).toBe(true);
      expect(second.commit).not.toBe(first.commit);
      expect(await store.readPublished(path)).toBe('# Dossier v2\n');
      expect(await codeOf(store.publish([], 'nothing'))).toBe('BAD_INPUT');
    });
  });
}
