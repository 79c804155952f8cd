// End to end with Claude's wire protocol: the real SDK against the loopback Messages API — tokens, cost and key scrubbing.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { costOf, priceFor } from '../src/adapters/model/prices.js';
import type { DossierJson } from '../src/core/dossier.js';
import type { TokenTotals } from '../src/core/run-state.js';
import type { Usage } from '../src/ports/model.js';
import { testGitEnv } from './support/git-repo.js';
import { competentModel, exampleIdea, jsonOf, makeIdeaRepo, PACKAGE_ROOT, PHASES, userText, type CliResult, type IdeaRepo, type RunJson } from './support/cli.js';
import { startMessagesServer, type MessagesServer } from './support/messages-server.js';

// Not shaped like any token the pattern scanner knows, so only the environment-based scrubbing can catch it.
const KEY = `e2e-secret-${randomBytes(12).toString('hex')}`;
const SLUG = 'shared-grocery-list';
const IDEA = `ideas/${SLUG}.yaml`;

/** Which phase a request belongs to: by its tool (artifact) name, or for the judge by the rubric's metric id. */
function phaseIndex(): { byOutput: Map<string, string>; byMetric: Map<string, string> } {
  const byOutput = new Map<string, string>();
  const byMetric = new Map<string, string>();
  for (const file of readdirSync(join(PACKAGE_ROOT, 'phases'))) {
    const phase = parse(readFileSync(join(PACKAGE_ROOT, 'phases', file), 'utf8')) as { id: string; agents: { output: string }[]; gate: { metrics: { id: string }[] } };
    for (const agent of phase.agents) byOutput.set(agent.output, phase.id);
    for (const metric of phase.gate.metrics) byMetric.set(metric.id, phase.id);
  }
  return { byOutput, byMetric };
}

interface Served {
  readonly phase: string;
  readonly usage: Usage;
}

let server: MessagesServer;
let repo: IdeaRepo;
let result: CliResult;
let run: RunJson;
let served: Served[];
const cassette = (): string => join(repo.root, 'recorded.json');

beforeAll(async () => {
  server = await startMessagesServer({ respond: competentModel() });
  const idea = exampleIdea(`${SLUG}.yaml`).replace('  - no ads\n', `  - no ads\n  - the support desk shares the token ${KEY} only by phone\n`);
  expect(idea).toContain(KEY);
  repo = makeIdeaRepo({ [IDEA]: idea });
  result = await repo.cli(['run', IDEA, '--model', 'anthropic', '--json', '--record', cassette()], { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: server.url });
  run = jsonOf<RunJson>(result);
  const { byOutput, byMetric } = phaseIndex();
  served = server.requests.map((r) => {
    const body = r.body ?? {};
    const tool = String((body.tools as { name?: unknown }[] | undefined)?.[0]?.name);
    const metric = /Rubric for "([^"]+)"/.exec(userText(body))?.[1] ?? '';
    const phase = (tool === 'judgement' ? byMetric.get(metric) : byOutput.get(tool)) ?? `unmapped ${tool} ${metric}`;
    const u = r.usage;
    return { phase, usage: { inputTokens: u?.input_tokens ?? NaN, outputTokens: u?.output_tokens ?? NaN, cacheReadTokens: u?.cache_read_input_tokens ?? NaN, cacheWriteTokens: u?.cache_creation_input_tokens ?? NaN } };
  });
});
afterAll(async () => {
  await server.close();
  repo.cleanup();
});

const totalsOf = (list: readonly Served[]): TokenTotals => ({
  input: list.reduce((n, s) => n + s.usage.inputTokens, 0),
  output: list.reduce((n, s) => n + s.usage.outputTokens, 0),
  cacheRead: list.reduce((n, s) => n + s.usage.cacheReadTokens, 0),
  cacheWrite: list.reduce((n, s) => n + s.usage.cacheWriteTokens, 0),
});

describe('--model anthropic through the SDK against the loopback Messages API', () => {
  it('completes all 13 phases, every request answered and sent with the key', () => {
    expect(result.code, result.stderr).toBe(0);
    expect(run.model.provenance).toBe('anthropic');
    expect(run.phases.map((p) => [p.phase, p.status])).toEqual(PHASES.map((p) => [p, 'passed']));
    expect(server.requests.every((r) => r.outcome === 'ok')).toBe(true);
    expect(served.filter((s) => s.phase.startsWith('unmapped'))).toEqual([]);
    expect(new Set(served.map((s) => s.phase))).toEqual(new Set(PHASES));
    expect(server.requests.every((r) => r.headers.authorization === `Bearer ${KEY}` || r.headers['x-api-key'] === KEY)).toBe(true);
    // The idea text (with the key the user wrote into it) does reach the model: scrubbing is about what is stored.
    expect(server.requests.some((r) => JSON.stringify(r.body).includes(KEY))).toBe(true);
  });

  it('reports per-phase tokens and cost equal to what the server reported, priced from the table', () => {
    const { price } = priceFor(run.model.id);
    const dossier = JSON.parse(repo.show('HEAD', `dossiers/${SLUG}/release-dossier.json`) ?? '{}') as DossierJson;
    for (const phase of PHASES) {
      const mine = served.filter((s) => s.phase === phase);
      const tokens = totalsOf(mine);
      const cost = mine.reduce((n, s) => n + costOf(s.usage, price), 0);
      const row = run.phases.find((p) => p.phase === phase);
      expect(row?.modelCalls, phase).toBe(mine.length);
      expect(row?.tokens, phase).toBe(tokens.input + tokens.output);
      expect(row?.costUsd, phase).toBeCloseTo(cost, 9);
      const d = dossier.phases.find((p) => p.id === phase);
      expect(d?.tokens, phase).toEqual(tokens);
      expect(d?.costUsd, phase).toBeCloseTo(cost, 9);
      expect(cost, phase).toBeGreaterThan(0);
    }
    const all = totalsOf(served);
    const total = served.reduce((n, s) => n + costOf(s.usage, price), 0);
    expect(all.cacheRead, 'the stand-in reports cache reads after the first sight of a system prompt').toBeGreaterThan(0);
    expect(run.budget.spentTokens).toBe(all.input + all.output);
    expect(run.budget.spentUsd).toBeCloseTo(total, 9);
    expect(dossier.totals.tokens).toEqual(all);
    expect(dossier.totals.costUsd).toBeCloseTo(total, 9);
    expect(dossier.totals.modelCalls).toBe(served.length);
    expect(dossier.model).toMatchObject({ id: run.model.id, provenance: 'anthropic' });
  });

  it('records each call in the ledger with the usage and cost the server reported', () => {
    const { price } = priceFor(run.model.id);
    const calls = repo.ledger(SLUG, run.runId).filter((e) => e.type === 'model.call');
    const row = (phase: string | null, u: Usage, cost: number | null): string => `${phase} ${u.inputTokens}/${u.outputTokens}/${u.cacheReadTokens}/${u.cacheWriteTokens} ${cost?.toFixed(9)}`;
    const fromLedger = calls.map((e) => row(e.phase, e.data.usage as Usage, e.data.costUsd as number)).sort();
    const fromServer = served.map((s) => row(s.phase, s.usage, costOf(s.usage, price))).sort();
    expect(fromLedger).toEqual(fromServer);
  });

  // KNOWN BUG, reported: src/engine/complete.ts computes the dossier digest before the key in the idea is scrubbed
  // from the written JSON, so both dossier copies fail their digest check. Turn this into `it` once fixed.
  it('verify passes', async () => {
    const verified = await repo.cli(['verify', run.runId]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
  });
});

describe('ANTHROPIC_API_KEY is scrubbed (it is also in the idea text)', () => {
  const commits = (): string[] => repo.git('rev-list', `ideamine/${SLUG}`).split('\n');
  /** Files of the state branch's commits holding the key, as "<commit>:<path>:<line>". */
  const stateHits = (): string[] => {
    try {
      return execFileSync('git', ['grep', '-n', '-F', '-e', KEY, ...commits()], { cwd: repo.dir, env: testGitEnv(), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).split('\n').filter(Boolean);
    } catch (error) {
      if ((error as { status?: number }).status === 1) return [];
      throw error;
    }
  };

  it('is not in the published dossier, the state commit messages, or any state file but the ledger', () => {
    expect(repo.read(IDEA)).toContain(KEY);
    for (const file of ['RELEASE_DOSSIER.md', 'release-dossier.json']) {
      const text = repo.show('HEAD', `dossiers/${SLUG}/${file}`) ?? '';
      expect(text.length).toBeGreaterThan(1000);
      expect(text).not.toContain(KEY);
    }
    expect(repo.show('HEAD', `dossiers/${SLUG}/release-dossier.json`)).toContain(`the token [REDACTED] only by phone`);
    expect(commits().length).toBeGreaterThan(13);
    expect(repo.git('log', '--format=%B', `ideamine/${SLUG}`)).not.toContain(KEY);
    expect(stateHits().filter((hit) => !hit.includes('/ledger.jsonl:'))).toEqual([]);
    expect(repo.show(`ideamine/${SLUG}`, `.ideamine/runs/${run.runId}/dossier/release-dossier.json`)).toContain('[REDACTED]');
  });

  // KNOWN BUG, reported: the run.started event (ledger line 1) holds the idea as given; RunSession scrubs the files it
  // writes but not the ledger lines, so the key is on the state branch. Turn this into `it` once fixed.
  it('is in no commit of the state branch, the ledger included', () => {
    expect(stateHits()).toEqual([]);
  });

  // KNOWN BUG, reported: `run --record` writes the cassette unscrubbed (src/cli/run-command.ts), so the key in the
  // idea comes back in recorded outputs; the README says the key is "never written anywhere".
  it('is not in the cassette written by --record', () => {
    expect(readFileSync(cassette(), 'utf8')).not.toContain(KEY);
  });
});
