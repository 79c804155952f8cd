// The memory StateStore: the shared contract plus what only the stand-in offers (log, publish refusal).
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../src/adapters/store/memory.js';
import { request, stateStoreContract } from './store.contract.js';

stateStoreContract('memory', () => Promise.resolve({ store: createMemoryStore(), cleanup: () => Promise.resolve() }));

describe('memory store extras', () => {
  it('keeps a log with messages and trailers, newest first', async () => {
    const store = createMemoryStore();
    const first = await store.commit('demo', request(null, [{ path: 'a', content: '1' }], 'first'));
    const second = await store.commit('demo', request(first, [{ path: 'a', content: '2' }], 'second'));
    const log = store.log('demo');
    expect(log.map((commit) => commit.id)).toEqual([second, first]);
    expect(log[0]?.message).toBe('second\n\nIdeaMine-Run: todo-app-1a2b3c4d\nIdeaMine-Seq: 1\n');
    expect(log[1]?.parent).toBeNull();
  });

  it('gives identical requests distinct commit ids', async () => {
    const store = createMemoryStore();
    const a = await store.commit('one', request(null, [{ path: 'a', content: '1' }]));
    const b = await store.commit('two', request(null, [{ path: 'a', content: '1' }]));
    expect(a).not.toBe(b);
  });

  it('refuses to publish when told to, like a detached HEAD would', async () => {
    const store = createMemoryStore({ refusePublish: 'HEAD is detached (no current branch)' });
    const result = await store.publish([{ path: 'dossiers/x/RELEASE_DOSSIER.md', content: 'x' }], 'dossier');
    expect(result).toEqual({ committed: false, where: 'HEAD is detached (no current branch), so the files stay on the state branch' });
    expect(await store.readPublished('dossiers/x/RELEASE_DOSSIER.md')).toBeNull();
  });
});
