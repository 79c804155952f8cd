// Chaos, model faults: each fault kind of the loopback Messages API through the CLI, the circuit breaker's pause
// with a durable timer, and its continuation by a later `ideamine run` and by the Action's phase job.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { reportFigures } from './support/chaos-report.js';
import { tuningFromEnv } from '../src/adapters/model/index.js';
import { canonicalJson, type Json } from '../src/core/canonical.js';
import { IdeaMineError } from '../src/core/errors.js';
import { appendEvents, type LedgerEntry, type NewEvent } from '../src/core/ledger.js';
import { replay } from '../src/core/run-state.js';
import { MAX_TIMER_WAIT_MS, planTimers } from '../src/engine/run.js';
import { startActionHarness } from './support/action-harness.js';
import { competentModel, exampleIdea, jsonOf, makeIdeaRepo, runCli, type IdeaRepo, type LedgerLine, type RunJson } from './support/cli.js';
import { startMessagesServer, type Fault, type MessagesServer, type RecordedRequest, type ServedUsage } from './support/messages-server.js';

const SLUG = 'shared-grocery-list';
const IDEA = `ideas/${SLUG}.yaml`;
const KEY = 'chaos-model-key-0123456789';
/** Our backoff base in the child (default 1 s): short, so any longer wait between attempts is the server's retry-after. */
const FAST = { IDEAMINE_MODEL_BACKOFF_MS: '20' };

type Respond = (toolName: string, body: Record<string, unknown>) => Json | undefined;

/** A competent model that answers a repair turn as it would have answered the first ask (whose data is in message 1). */
function model(): Respond {
  const competent = competentModel();
  return (tool, body) => {
    const messages = Array.isArray(body.messages) ? body.messages : [];
    return competent(tool, messages.length > 1 ? { ...body, messages: messages.slice(0, 1) } : body);
  };
}

const envFor = (server: MessagesServer, extra: Record<string, string> = {}): Record<string, string> =>
  ({ ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: server.url, ...FAST, ...extra });

const usageOf = (u: ServedUsage | undefined): Json =>
  u ? { inputTokens: u.input_tokens, outputTokens: u.output_tokens, cacheReadTokens: u.cache_read_input_tokens, cacheWriteTokens: u.cache_creation_input_tokens } : null;

/** The same ask: same tool and same first message (a retry repeats it; a repair turn extends it). */
const askOf = (r: RecordedRequest): string => canonicalJson([(r.body?.tools as { name: string }[] | undefined)?.[0]?.name ?? null, (r.body?.messages as Json[] | undefined)?.[0] ?? null]);
const bodyOf = (r: RecordedRequest): string => canonicalJson(r.body ?? null);

type Entry = LedgerLine & { readonly time: string };
const ofType = (ledger: readonly LedgerLine[], type: string): Entry[] => ledger.filter((e) => e.type === type) as Entry[];
const finishedByModel = (ledger: readonly LedgerLine[]): Entry[] => ofType(ledger, 'task.finished').filter((e) => e.data.reused === false);

interface PausedJson extends Omit<RunJson, 'status'> {
  readonly status: 'completed' | 'blocked' | 'paused';
  readonly paused: { readonly id: string; readonly reason: string; readonly phase: string | null; readonly notBefore: string; readonly retryable: boolean; readonly continueWith: string } | null;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function serve(): Promise<MessagesServer> {
  const server = await startMessagesServer({ respond: model() });
  cleanups.push(() => server.close());
  return server;
}

function ideaRepo(): IdeaRepo {
  const repo = makeIdeaRepo({ [IDEA]: exampleIdea(`${SLUG}.yaml`) });
  cleanups.push(() => repo.cleanup());
  return repo;
}

interface FaultCase {
  readonly name: string;
  readonly fault: Fault;
  readonly env?: Record<string, string>;
  /** The faulted attempt's model.call entry. */
  readonly outcome: 'error' | 'invalid-output';
  readonly status?: number;
  readonly error: RegExp;
  /** Least milliseconds between the faulted request and its retry. */
  readonly minGapMs?: number;
}

const FAULT_AT = 2;
const CASES: readonly FaultCase[] = [
  { name: '429 with retry-after', fault: { kind: 'status', status: 429, headers: { 'retry-after': '2' }, message: 'rate limited' }, outcome: 'error', status: 429, error: /^HTTP 429: rate limited/, minGapMs: 2000 },
  { name: '529 overloaded', fault: { kind: 'status', status: 529, message: 'Overloaded' }, outcome: 'error', status: 529, error: /^HTTP 529: Overloaded/ },
  { name: '500', fault: { kind: 'status', status: 500 }, outcome: 'error', status: 500, error: /^HTTP 500/ },
  { name: 'connection reset', fault: { kind: 'reset' }, outcome: 'error', error: /^connection error/ },
  { name: 'a response that never ends', fault: { kind: 'hang' }, env: { IDEAMINE_MODEL_TIMEOUT_MS: '2000' }, outcome: 'error', error: /^timed out/, minGapMs: 1950 },
  { name: 'malformed JSON', fault: { kind: 'malformed' }, outcome: 'error', error: /^malformed response/ },
  { name: 'output failing the schema', fault: { kind: 'invalid-output', input: { unexpected: 7 } }, outcome: 'invalid-output', error: /./ },
];

describe('model faults: the run completes, every attempt is in the ledger, nothing is paid twice', () => {
  it.concurrent.each(CASES)('$name', async (c) => {
    const server = await serve();
    server.faultAt(FAULT_AT, c.fault);
    const repo = ideaRepo();
    const result = await repo.cli(['run', IDEA, '--model', 'anthropic', '--json'], envFor(server, c.env));
    expect(result.code, result.stderr).toBe(0);
    const run = jsonOf<RunJson>(result);
    expect(run.status).toBe('completed');
    const ledger = repo.ledger(SLUG, run.runId);
    const calls = ofType(ledger, 'model.call');

    // One request per ledger entry; only the injected one failed, and it says how.
    const faulted = server.requests[FAULT_AT];
    expect(faulted?.outcome).toBe(c.fault.kind);
    expect(calls).toHaveLength(server.requests.length);
    const failed = calls.filter((e) => e.data.outcome !== 'ok');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.data).toMatchObject({ outcome: c.outcome, ...(c.status === undefined ? {} : { status: c.status }) });
    expect(String(failed[0]?.data.error)).toMatch(c.error);

    // Usage where the server billed it (the schema-failing answer was billed), none where it did not.
    const billed = server.requests.filter((r) => r.usage).map((r) => canonicalJson(usageOf(r.usage))).sort();
    const recorded = calls.filter((e) => e.data.usage !== null).map((e) => canonicalJson(e.data.usage as Json)).sort();
    expect(recorded).toEqual(billed);
    if (c.outcome === 'invalid-output') {
      expect(failed[0]?.data.usage).toEqual(usageOf(faulted?.usage));
      expect(failed[0]?.data.costUsd).toBeGreaterThan(0);
    } else {
      expect(failed[0]?.data).toMatchObject({ usage: null, costUsd: null });
    }

    // Nothing repaid: requests = tasks the model answered + the one fault, and no answered ask was sent twice.
    expect(server.requests.length).toBe(finishedByModel(ledger).length + 1);
    const answered = server.requests.filter((r) => r.outcome === 'ok').map(bodyOf);
    expect(new Set(answered).size).toBe(answered.length);

    // The faulted ask was sent again and answered (as a repair turn carrying the errors, for invalid output).
    const retry = server.requests.slice(FAULT_AT + 1).find((r) => faulted !== undefined && askOf(r) === askOf(faulted));
    expect(retry?.outcome).toBe('ok');
    if (c.outcome === 'invalid-output') expect(retry?.body?.messages).toHaveLength(3);
    else expect(retry && bodyOf(retry)).toBe(faulted && bodyOf(faulted));
    const gap = (retry?.receivedAt ?? 0) - (faulted?.receivedAt ?? 0);
    if (c.minGapMs !== undefined) expect(gap).toBeGreaterThanOrEqual(c.minGapMs);
    else expect(gap, 'our own backoff is at most 20 ms here (plus the machine\'s delays)').toBeLessThan(1500);

    const verified = await repo.cli(['verify', run.runId]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    reportFigures('model-faults', { faults: { [c.name]: 1 } });
  });
});

describe('circuit breaker: the run pauses on a durable timer and a later run continues it', () => {
  it.concurrent('opens after N consecutive failures, pauses with timer.set, --no-wait stops at once, a later run waits, fires it and completes', async () => {
    const first = await serve();
    for (let i = 1; i < 40; i += 1) first.faultAt(i, { kind: 'status', status: 503, message: 'upstream unavailable' });
    // The cooldown leaves room for the checks below on a busy machine; the wait overlaps the other cases.
    const env = { IDEAMINE_BREAKER_THRESHOLD: '3', IDEAMINE_BREAKER_COOLDOWN_MS: '8000' };
    const repo = ideaRepo();
    const r1 = await repo.cli(['run', IDEA, '--model', 'anthropic', '--json'], envFor(first, env));
    const openedBy = Date.now();
    expect(r1.code, r1.stderr).toBe(1);
    const p1 = jsonOf<PausedJson>(r1);
    expect(p1.status).toBe('paused');
    expect(p1.exitCode).toBe(1);
    expect(p1.paused).toMatchObject({ reason: 'circuit-open', phase: 'intake', retryable: true, continueWith: `ideamine run ${IDEA}` });
    const notBefore = p1.paused?.notBefore ?? '';
    expect(Date.parse(notBefore) - openedBy).toBeLessThanOrEqual(8000);
    expect(Date.parse(notBefore) - openedBy).toBeGreaterThan(4000);

    const ledger1 = repo.ledger(SLUG, p1.runId);
    const timers = ofType(ledger1, 'timer.set');
    expect(timers.map((e) => [e.phase, e.data])).toEqual([['intake', { id: p1.paused?.id, reason: 'circuit-open', notBefore }]]);
    expect(ofType(ledger1, 'task.failed').map((e) => e.data.circuitOpen)).toEqual([true]);
    // Three consecutive 503s opened it: the third attempt was the last request; nothing was sent while open.
    const calls1 = ofType(ledger1, 'model.call');
    expect(calls1).toHaveLength(first.requests.length);
    expect(calls1.map((e) => e.data.status ?? e.data.outcome)).toEqual(['ok', 503, 503, 503]);
    expect(first.requests.length).toBe(finishedByModel(ledger1).length + first.requests.filter((r) => r.outcome === 'status').length);
    expect(ledger1.at(-1)?.type).toBe('lease.released');
    reportFigures('model-faults', { faults: { 'circuit breaker opened (3 × 503)': 1 } });

    // Before notBefore, --no-wait stops at once: no request, no write, the time and the way on named.
    const second = await serve();
    const tip = repo.git('rev-parse', `ideamine/${SLUG}`);
    const [r2, statusJson, statusText] = await Promise.all([
      repo.cli(['run', IDEA, '--model', 'anthropic', '--no-wait'], envFor(second, env)),
      repo.cli(['status', '--json']),
      repo.cli(['status']),
    ]);
    expect(Date.now(), 'the machine took longer than the cooldown').toBeLessThan(Date.parse(notBefore));
    expect(r2.code, r2.stderr).toBe(1);
    expect(r2.stdout).toContain(`the run continues not before ${notBefore}`);
    expect(r2.stdout).toContain(`\`ideamine run ${IDEA}\``);
    expect(r2.stdout).toContain('tick');
    expect(second.requests).toHaveLength(0);
    expect(repo.git('rev-parse', `ideamine/${SLUG}`)).toBe(tip);

    const status = jsonOf<{ runId: string; timers: unknown[] }[]>(statusJson);
    expect(status.find((s) => s.runId === p1.runId)?.timers).toEqual([{ id: p1.paused?.id, reason: 'circuit-open', phase: 'intake', notBefore, firedAt: null }]);
    expect(statusText.stdout).toContain(`paused: circuit-open in intake, not before ${notBefore}`);

    // A later run started before notBefore waits until then (saying so), fires the timer and completes.
    const early = Date.parse(notBefore) - Date.now() > 500;
    const r3 = await repo.cli(['run', IDEA, '--model', 'anthropic'], envFor(second, env));
    expect(r3.code, r3.stderr).toBe(0);
    if (early) expect(r3.stderr).toContain(`Waiting until ${notBefore}`);
    else expect(r3.stderr, 'started after notBefore: no wait').not.toContain('Waiting until');
    const ledger = repo.ledger(SLUG, p1.runId);
    const fired = ofType(ledger, 'timer.fired');
    expect(fired.map((e) => [e.phase, e.data])).toEqual([['intake', { id: p1.paused?.id }]]);
    expect(Date.parse(fired[0]?.time ?? '')).toBeGreaterThanOrEqual(Date.parse(notBefore));
    expect(ledger.some((e) => e.type === 'run.completed')).toBe(true);

    // Tasks finished before the pause were not asked again; the one that failed was.
    const answeredFirst = new Set(first.requests.filter((r) => r.outcome === 'ok').map(bodyOf));
    expect(second.requests.filter((r) => answeredFirst.has(bodyOf(r)))).toEqual([]);
    expect(second.requests.some((r) => askOf(r) === askOf(first.requests[1] as RecordedRequest))).toBe(true);
    expect(second.requests.every((r) => r.outcome === 'ok')).toBe(true);
    expect(finishedByModel(ledger).length).toBe(answeredFirst.size + second.requests.length);
    expect(ofType(ledger, 'model.call')).toHaveLength(first.requests.length + second.requests.length);

    const verified = await repo.cli(['verify', p1.runId]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
  });

  it.concurrent('the Action phase job: a timer not due exits 0 with "not before" in the summary; once due it fires and the phase goes on', async () => {
    const h = await startActionHarness({ label: 'chaos-model', ideas: [SLUG] });
    cleanups.push(() => h.close());
    const first = await serve();
    for (let i = 1; i < 20; i += 1) first.faultAt(i, { kind: 'status', status: 503 });
    // The pause is set by a local run in the same repository and pushed: the timer lives on the state branch.
    const r1 = await runCli(['run', IDEA, '--model', 'anthropic', '--json'], { cwd: h.repo.dir, env: envFor(first, { IDEAMINE_BREAKER_THRESHOLD: '2', IDEAMINE_BREAKER_COOLDOWN_MS: '10000' }) });
    const p1 = jsonOf<PausedJson>(r1);
    expect(p1.status, r1.stderr).toBe('paused');
    const notBefore = p1.paused?.notBefore ?? '';
    h.repo.git('push', '-q', 'origin', `ideamine/${SLUG}`);

    const second = await serve();
    const inputs = { command: 'phase', phase: 'intake', slug: SLUG, 'anthropic-api-key': KEY };
    // The harness defaults INPUT_MODEL to offline; "auto" is Claude when a key is given.
    const extra = { INPUT_MODEL: 'auto', ANTHROPIC_BASE_URL: second.url };
    const a1 = await h.runAction(inputs, extra);
    expect(Date.now(), 'the machine took longer than the cooldown').toBeLessThan(Date.parse(notBefore));
    expect(a1.code, a1.stdout + a1.stderr).toBe(0);
    expect(a1.outputs).toMatchObject({ status: 'paused', 'run-id': p1.runId });
    expect(a1.summary).toContain(`not before ${notBefore}`);
    expect(second.requests).toHaveLength(0);

    await sleep(Math.max(0, Date.parse(notBefore) - Date.now() + 50));
    const a2 = await h.runAction(inputs, extra);
    expect(a2.code, a2.stdout + a2.stderr).toBe(0);
    expect(a2.outputs.status).toBe('done');
    const remote = h.remoteGit('show', `ideamine/${SLUG}:.ideamine/runs/${p1.runId}/ledger.jsonl`).split('\n').filter(Boolean).map((l) => JSON.parse(l) as LedgerLine);
    expect(ofType(remote, 'timer.fired').map((e) => e.data.id)).toEqual([p1.paused?.id]);
    expect(remote.some((e) => e.type === 'phase.passed' && e.phase === 'intake')).toBe(true);
    expect(second.requests.length).toBeGreaterThan(0);
    expect(second.requests.every((r) => r.outcome === 'ok')).toBe(true);
  });
});

describe('planTimers: the decision a run takes on its pending timers', () => {
  const ledger = (events: readonly NewEvent[]): LedgerEntry[] => {
    const started: NewEvent = { type: 'run.started', phase: null, data: { runId: 'x-00000000', slug: 'x', phases: ['intake'] } };
    return appendEvents(null, [started, ...events], '2026-11-24T12:00:00.000Z');
  };
  const set = (id: string, notBefore: string): NewEvent => ({ type: 'timer.set', phase: 'intake', data: { id, reason: 'circuit-open', notBefore } });
  const now = new Date('2026-11-24T12:00:00.000Z');

  it('goes when no timer is pending or all are due, waits for the latest within the limit, else pauses', () => {
    expect(planTimers(replay(ledger([])), now, MAX_TIMER_WAIT_MS)).toEqual({ action: 'go' });
    expect(planTimers(replay(ledger([set('a', '2026-11-24T11:59:59.000Z')])), now, 0)).toEqual({ action: 'go' });
    const two = replay(ledger([set('a', '2026-11-24T12:01:00.000Z'), set('b', '2026-11-24T12:10:00.000Z')]));
    expect(planTimers(two, now, MAX_TIMER_WAIT_MS)).toMatchObject({ action: 'wait', ms: 600_000, timer: { id: 'b' } });
    expect(planTimers(two, now, 0)).toMatchObject({ action: 'pause', ms: 600_000, timer: { id: 'b' } });
    expect(planTimers(replay(ledger([set('c', '2026-11-24T12:16:00.000Z')])), now, MAX_TIMER_WAIT_MS)).toMatchObject({ action: 'pause', timer: { id: 'c' } });
    const firedOne = replay(ledger([set('a', '2026-11-24T12:01:00.000Z'), { type: 'timer.fired', phase: 'intake', data: { id: 'a' } }]));
    expect(planTimers(firedOne, now, 0)).toEqual({ action: 'go' });
  });
});

describe('tuning knobs for the anthropic adapter', () => {
  it('reads the breaker, backoff and timeout variables and refuses a bad value naming it', () => {
    expect(tuningFromEnv({})).toEqual({});
    expect(tuningFromEnv({ IDEAMINE_BREAKER_COOLDOWN_MS: '2500', IDEAMINE_MODEL_BACKOFF_MS: '20', IDEAMINE_MODEL_TIMEOUT_MS: '900' }))
      .toEqual({ breaker: { threshold: 5, cooldownMs: 2500 }, backoff: { baseMs: 20 }, attemptTimeoutMs: 900 });
    const error = (() => {
      try {
        return tuningFromEnv({ IDEAMINE_BREAKER_THRESHOLD: 'three' });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(IdeaMineError);
    expect(error).toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining('IDEAMINE_BREAKER_THRESHOLD: "three"') as unknown });
    expect((error as IdeaMineError).details.join(' ')).toContain('IDEAMINE_BREAKER_THRESHOLD=5');
  });
});
