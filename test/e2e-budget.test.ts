// Budgets: a call whose estimate does not fit is never made; the run blocks (exit 3) until a waiver lifts it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { competentModel, exampleIdea, jsonOf, makeIdeaRepo, type IdeaRepo, type RunJson } from './support/cli.js';
import { startMessagesServer, type MessagesServer } from './support/messages-server.js';

const IDEA = 'ideas/shared-grocery-list.yaml';

describe('an exhausted budget', () => {
  let server: MessagesServer;
  let repo: IdeaRepo;
  let env: Record<string, string>;
  beforeAll(async () => {
    server = await startMessagesServer({ respond: competentModel() });
    repo = makeIdeaRepo({ [IDEA]: exampleIdea('shared-grocery-list.yaml') });
    env = { ANTHROPIC_API_KEY: 'test-key-budget', ANTHROPIC_BASE_URL: server.url };
  });
  afterAll(async () => {
    await server.close();
    repo.cleanup();
  });

  it('blocks before paying, names the waiver, and finishes after a budget waiver', async () => {
    const blocked = await repo.cli(['run', IDEA, '--model', 'anthropic', '--budget-usd', '0.01', '--json'], env);
    expect(blocked.code, blocked.stderr).toBe(3);
    const first = jsonOf<RunJson & { blocked: { phase: string; reason: string; waiveCommand: string }[] }>(blocked);
    expect(first.blocked).toEqual([expect.objectContaining({ phase: 'intake', reason: 'budget' })]);
    expect(server.requests).toHaveLength(0);
    const ledger = repo.ledger('shared-grocery-list', first.runId);
    expect(ledger.some((e) => e.type === 'budget.exceeded' && e.phase === 'intake')).toBe(true);

    const waived = await repo.cli(['waive', first.runId, 'intake', '--justification', 'Approved spend for the pilot run', '--by', 'Grace'], env);
    expect(waived.code, waived.stderr).toBe(0);
    const resumed = await repo.cli(['run', IDEA, '--model', 'anthropic', '--json'], env);
    expect(resumed.code, resumed.stderr).toBe(0);
    const done = jsonOf<RunJson>(resumed);
    expect(done.status).toBe('completed');
    expect(server.requests.length).toBeGreaterThan(13);
    // The spend beyond the original budget is measured and shown, not hidden.
    expect((done as unknown as { budget: { spentUsd: number; usd: number } }).budget.spentUsd).toBeGreaterThan(0.01);
  });
});
