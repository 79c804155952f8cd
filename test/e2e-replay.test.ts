// End to end, the waiver path: record block → waive → resume against the loopback Messages API, then replay it offline.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cassette } from '../src/adapters/model/replay.js';
import type { DossierJson } from '../src/core/dossier.js';
import type { RunState } from '../src/core/run-state.js';
import { competentModel, exampleIdea, jsonOf, makeIdeaRepo, PHASES, type IdeaRepo, type RunJson } from './support/cli.js';
import { startMessagesServer, type MessagesServer } from './support/messages-server.js';

const IDEA = 'ideas/plant-watering-reminder.yaml';
const JUSTIFICATION = 'Two features are the whole product; a third would be padding';
const APPROVER = 'Ada Lovelace';
const CONTROL = 'Re-scope at beta review';
const PRINTED_WAIVE = /^ {2}ideamine waive (\S+) (\S+) --justification "<[^"]+>" --by "<[^"]+>" --expires (\S+) --control "<[^"]+>"$/m;

let server: MessagesServer;
let tmp: string;
const repos: IdeaRepo[] = [];
const newRepo = (): IdeaRepo => {
  const repo = makeIdeaRepo({ [IDEA]: exampleIdea('plant-watering-reminder.yaml') });
  repos.push(repo);
  return repo;
};
const recorded = { runId: '', merged: '', statusA: null as RunState | null };

beforeAll(async () => {
  server = await startMessagesServer({ respond: competentModel() });
  tmp = mkdtempSync(join(tmpdir(), 'ideamine-cassettes-'));
});
afterAll(async () => {
  await server.close();
  for (const repo of repos) repo.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

describe('waiver path with a recorded cassette', () => {
  it('records block (exit 3), waiver and resume (exit 0) against the loopback API, one cassette per invocation', async () => {
    const a = newRepo();
    const env = { ANTHROPIC_API_KEY: 'test-key-recording', ANTHROPIC_BASE_URL: server.url };
    const [c1, c2] = [join(tmp, 'blocked.json'), join(tmp, 'resumed.json')];
    const blocked = await a.cli(['run', IDEA, '--model', 'anthropic', '--record', c1], env);
    expect(blocked.code, blocked.stderr).toBe(3);
    const printed = PRINTED_WAIVE.exec(blocked.stdout);
    expect(printed, blocked.stdout).not.toBeNull();
    const runId = printed?.[1] ?? '';
    expect(printed?.[2]).toBe('intake');
    const afterBlock = server.requests.length;
    expect(afterBlock).toBeGreaterThan(0);

    const waived = await a.cli(['waive', runId, 'intake', '--justification', JUSTIFICATION, '--by', APPROVER, '--expires', '30d', '--control', CONTROL]);
    expect(waived.code, waived.stderr).toBe(0);
    expect(server.requests.length, 'waive calls no model').toBe(afterBlock);

    const resumed = await a.cli(['run', IDEA, '--model', 'anthropic', '--record', c2, '--json'], env);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(jsonOf<RunJson>(resumed).runId).toBe(runId);

    const first = JSON.parse(readFileSync(c1, 'utf8')) as Cassette;
    const second = JSON.parse(readFileSync(c2, 'utf8')) as Cassette;
    // Recorded against a loopback stand-in (ANTHROPIC_BASE_URL set), not the real API: labelled synthetic.
    expect(first.provenance).toBe('synthetic');
    expect(second.provenance).toBe('synthetic');
    expect(first.modelId).toBe(second.modelId);
    // Each invocation's cassette holds exactly that invocation's successful calls: together, every request made.
    const keys1 = Object.keys(first.entries);
    const keys2 = Object.keys(second.entries);
    expect(keys1.length).toBe(afterBlock);
    expect(keys1.length + keys2.length).toBe(server.requests.length);
    expect(keys2.filter((k) => keys1.includes(k))).toEqual([]);
    const merged: Cassette = { ...first, entries: { ...first.entries, ...second.entries } };
    recorded.merged = join(tmp, 'whole-path.json');
    writeFileSync(recorded.merged, JSON.stringify(merged, null, 2));
    recorded.runId = runId;
    recorded.statusA = jsonOf<RunState[]>(await a.cli(['status', runId, '--json']))[0] ?? null;
    expect(recorded.statusA?.status).toBe('completed');
  });

  it('replays the whole path in a fresh repository without a single request to any server', async () => {
    expect(recorded.merged, 'needs the recording test').not.toBe('');
    const b = newRepo();
    const quiet = await startMessagesServer();
    const seenBefore = server.requests.length;
    // A key and endpoint are present, so a replay that reached for the API would show up on one of the servers.
    const env = { ANTHROPIC_API_KEY: 'test-key-replaying', ANTHROPIC_BASE_URL: quiet.url };
    try {
      const model = `replay:${recorded.merged}`;
      const blocked = await b.cli(['run', IDEA, '--model', model], env);
      expect(blocked.code, blocked.stderr).toBe(3);
      expect(blocked.stdout).toContain('Blocked at intake (gate)');
      const printed = PRINTED_WAIVE.exec(blocked.stdout);
      expect(printed, blocked.stdout).not.toBeNull();
      const [, runId = '', phase = '', expires = ''] = printed ?? [];
      expect(runId).toBe(recorded.runId);

      // The printed command, with its placeholders filled in by a person.
      const waived = await b.cli(['waive', runId, phase, '--justification', JUSTIFICATION, '--by', APPROVER, '--expires', expires, '--control', CONTROL]);
      expect(waived.code, waived.stderr).toBe(0);
      expect(waived.stdout).toContain(`Waiver recorded for intake of ${runId} by ${APPROVER}, expires `);

      const done = await b.cli(['run', IDEA, '--model', model, '--json'], env);
      expect(done.code, done.stderr).toBe(0);
      const run = jsonOf<RunJson>(done);
      expect(run.model.provenance).toBe('replay-synthetic');
      expect(run.phases.map((p) => [p.phase, p.status])).toEqual(PHASES.map((p) => [p, p === 'intake' ? 'waived' : 'passed']));
      expect((await b.cli(['verify', runId])).code).toBe(0);

      expect(quiet.requests).toHaveLength(0);
      expect(server.requests.length).toBe(seenBefore);

      // Same outputs, same usage: the replayed run matches the recorded one artifact for artifact and token for token.
      const statusB = jsonOf<RunState[]>(await b.cli(['status', runId, '--json']))[0];
      // JSON artifacts only: each Markdown rendering names the model provenance (anthropic vs replay-synthetic).
      const jsonOnly = (artifacts: Record<string, string> = {}): [string, string][] => Object.entries(artifacts).filter(([path]) => path.endsWith('.json'));
      expect(jsonOnly(statusB?.artifacts).length).toBeGreaterThan(13);
      expect(jsonOnly(statusB?.artifacts)).toEqual(jsonOnly(recorded.statusA?.artifacts));
      for (const p of PHASES) expect(statusB?.phases[p]?.tokens, p).toEqual(recorded.statusA?.phases[p]?.tokens);

      const dossier = JSON.parse(b.show('HEAD', 'dossiers/plant-watering-reminder/release-dossier.json') ?? '{}') as DossierJson;
      expect(dossier.waivers).toHaveLength(1);
      const [w] = dossier.waivers;
      expect(w).toMatchObject({ phase: 'intake', by: APPROVER, justification: JUSTIFICATION, control: CONTROL, source: 'cli' });
      const days = (Date.parse(w?.expiresAt ?? '') - Date.parse(w?.grantedAt ?? '')) / 86_400_000;
      expect(days).toBeCloseTo(30, 2);
      expect(dossier.phases.find((p) => p.id === 'intake')?.status).toBe('waived');
      const md = b.show('HEAD', 'dossiers/plant-watering-reminder/RELEASE_DOSSIER.md') ?? '';
      for (const text of [APPROVER, JUSTIFICATION, CONTROL, (w?.expiresAt ?? '?').slice(0, 10)]) expect(md).toContain(text);
    } finally {
      await quiet.close();
    }
  });

  // KNOWN BUG, reported: task keys hash prompts that embed upstream outputs with JSON.stringify, so key order counts.
  // A live answer keeps the model's order; the same output read back from a cassette or the task store is
  // key-sorted (prettyJson), so the judge's task key differs on replay and the cassette "has no entry" for it.
  // The competent stand-in answers key-sorted to sidestep this above; answering in schema order shows it.
  it('replays a cassette recorded from a model that answers in schema key order', async () => {
    const schemaOrder = await startMessagesServer({ respond: competentModel({ order: 'schema' }) });
    try {
      const [c, d] = [newRepo(), newRepo()];
      const file = join(tmp, 'schema-order.json');
      const env = { ANTHROPIC_API_KEY: 'test-key-schema-order', ANTHROPIC_BASE_URL: schemaOrder.url };
      expect((await c.cli(['run', IDEA, '--model', 'anthropic', '--record', file], env)).code).toBe(3);
      const replayed = await d.cli(['run', IDEA, '--model', `replay:${file}`]);
      expect(replayed.stderr).not.toContain('has no entry for task');
      expect(replayed.code).toBe(3);
    } finally {
      await schemaOrder.close();
    }
  });
});
