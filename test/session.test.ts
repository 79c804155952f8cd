// RunSession: a moved tip re-chains our events after theirs; a higher epoch on our scope fences us.
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../src/adapters/store/memory.js';
import { checkLedger } from '../src/core/ledger.js';
import { decideLease } from '../src/core/lease.js';
import type { LeaseState } from '../src/core/run-state.js';
import type { Clock } from '../src/ports/clock.js';
import { RunSession, type SessionDeps } from '../src/engine/session.js';

const clock: Clock = { now: () => new Date('2026-11-24T12:00:00Z'), sleep: () => Promise.resolve() };
const started = { type: 'run.started' as const, phase: null, data: { runId: 'demo-00000000', slug: 'demo', phases: ['security', 'story-loop'], budget: { usd: 1 } } };

async function twoSessions(): Promise<{ deps: SessionDeps; a: RunSession; b: RunSession }> {
  const deps: SessionDeps = { store: createMemoryStore(), clock, scrub: (t) => t.replaceAll('sk-secret-value', '[REDACTED]') };
  await RunSession.create(deps, 'demo', 'demo-00000000', started);
  const a = await RunSession.open(deps, 'demo', 'demo-00000000');
  const b = await RunSession.open(deps, 'demo', 'demo-00000000');
  if (!a || !b) throw new Error('sessions did not open');
  return { deps, a, b };
}

describe('RunSession rebase', () => {
  it('re-chains events of two parallel phase jobs into one valid ledger', async () => {
    const { deps, a, b } = await twoSessions();
    a.claim = { scope: 'phase:security', epoch: 1 };
    b.claim = { scope: 'phase:story-loop', epoch: 1 };
    await a.record([{ type: 'phase.started', phase: 'security', data: { attempt: 1 } }], [{ path: 'x/security.json', content: '{}' }]);
    await b.record([{ type: 'phase.started', phase: 'story-loop', data: { attempt: 1 } }], [{ path: 'x/story.json', content: '{}' }]);
    await a.record([{ type: 'phase.passed', phase: 'security', data: { attempt: 1, score: 1 } }]);
    const final = await RunSession.open(deps, 'demo', 'demo-00000000');
    const text = (await deps.store.read('demo', ['.ideamine/runs/demo-00000000/ledger.jsonl'])).get('.ideamine/runs/demo-00000000/ledger.jsonl') ?? '';
    expect(checkLedger(text).problem).toBeNull();
    expect(final?.ledger.map((e) => e.type)).toEqual(['run.started', 'phase.started', 'phase.started', 'phase.passed']);
    expect(final?.state.phases['security']?.status).toBe('passed');
    expect(final?.state.phases['story-loop']?.status).toBe('running');
    const files = await deps.store.read('demo', ['x/security.json', 'x/story.json']);
    expect([...files.values()]).toEqual(['{}', '{}']);
  });

  it('stops a process whose lease was taken over with a higher epoch (fencing)', async () => {
    const { a, b } = await twoSessions();
    a.claim = { scope: 'run', epoch: 1 };
    await a.record([{ type: 'lease.acquired', phase: null, data: { scope: 'run', owner: 'h/1/a', epoch: 1, expiresAt: '2026-11-24T12:10:00Z' } }]);
    b.claim = { scope: 'run', epoch: 2 };
    await b.record([{ type: 'lease.acquired', phase: null, data: { scope: 'run', owner: 'h/2/b', epoch: 2, expiresAt: '2026-11-24T12:10:00Z' } }]);
    await expect(a.record([{ type: 'phase.started', phase: 'security', data: { attempt: 1 } }])).rejects.toMatchObject({ code: 'LEASE_LOST' });
  });

  it('scrubs secrets from event data before hashing them', async () => {
    const { deps, a } = await twoSessions();
    await a.record([{ type: 'waiver.granted', phase: 'security', data: { phase: 'security', by: 'ada', justification: 'key sk-secret-value leaked', control: null, expiresAt: null, source: 'cli' } }]);
    const text = (await deps.store.read('demo', ['.ideamine/runs/demo-00000000/ledger.jsonl'])).get('.ideamine/runs/demo-00000000/ledger.jsonl') ?? '';
    expect(text).not.toContain('sk-secret-value');
    expect(checkLedger(text).problem).toBeNull();
  });
});

describe('scoped leases', () => {
  const now = new Date('2026-11-24T12:00:00Z');
  const lease = (scope: string, owner: string, epoch: number, expiresAt = '2026-11-24T12:05:00Z'): LeaseState => ({ scope, owner, epoch, expiresAt });
  const alive = (): boolean => true;

  it('lets two phase jobs hold their own phases at once', () => {
    const leases = { 'phase:security': lease('phase:security', 'runner-a/1/x', 1) };
    expect(decideLease(leases, 'phase:story-loop', 'runner-b/1/y', now, () => 'unknown')).toMatchObject({ action: 'acquire', epoch: 1 });
  });

  it('refuses a live holder of the same scope, and a whole-run driver while a phase job is live', () => {
    const leases = { 'phase:security': lease('phase:security', 'runner-a/1/x', 3) };
    expect(decideLease(leases, 'phase:security', 'runner-b/1/y', now, alive)).toMatchObject({ action: 'refuse' });
    expect(decideLease(leases, 'run', 'laptop/9/z', now, alive)).toMatchObject({ action: 'refuse' });
  });

  it('takes over an expired or dead holder with a higher epoch', () => {
    const expired = { run: lease('run', 'h/1/x', 4, '2026-11-24T11:00:00Z') };
    expect(decideLease(expired, 'run', 'h/2/y', now, alive)).toMatchObject({ action: 'acquire', epoch: 5 });
    const dead = { run: lease('run', 'h/1/x', 4) };
    expect(decideLease(dead, 'run', 'h/2/y', now, () => false)).toMatchObject({ action: 'acquire', epoch: 5 });
  });
});
