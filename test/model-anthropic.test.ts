// The Anthropic adapter through the real SDK against the loopback Messages API: usage, cost, retries, repair, breaker.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Json } from '../src/core/canonical.js';
import { IdeaMineError } from '../src/core/errors.js';
import { renderDataBlock } from '../src/core/prompt.js';
import { validateAgainst } from '../src/core/validate.js';
import { createAnthropicModel, type AnthropicModelOptions } from '../src/adapters/model/anthropic.js';
import { PRICES } from '../src/adapters/model/prices.js';
import { ModelCallError, type ModelRequest, type Usage } from '../src/ports/model.js';
import { fakeClock, startMessagesServer, validateRequest, type MessagesServer, type ServedUsage } from './support/messages-server.js';

const schema = {
  type: 'object',
  required: ['title', 'features'],
  additionalProperties: false,
  properties: {
    title: { type: 'string', maxLength: 80, 'x-draft': { template: '{idea.name}' } },
    features: { type: 'array', minItems: 1, items: { type: 'string' }, 'x-draft': { from: 'idea.core_features' } },
  },
} satisfies Json;
const idea = { name: 'Tidy Pantry', description: 'Cuts food waste.', core_features: ['barcode scanning', 'expiry reminders'], target_users: ['parents'] };

const request = (over: Partial<ModelRequest> = {}): ModelRequest => ({
  taskKey: 'task-1',
  system: 'You are the product analyst. Answer with the brief.',
  messages: [{ role: 'user', content: `Write the brief.\n${renderDataBlock('idea', idea)}` }],
  outputName: 'brief',
  outputSchema: schema,
  maxTokens: 4000,
  temperature: 0.2,
  timeoutSeconds: 5,
  retries: 4,
  ...over,
});

const toUsage = (u: ServedUsage | undefined): Usage => ({
  inputTokens: u?.input_tokens ?? NaN,
  outputTokens: u?.output_tokens ?? NaN,
  cacheReadTokens: u?.cache_read_input_tokens ?? NaN,
  cacheWriteTokens: u?.cache_creation_input_tokens ?? NaN,
});

let server: MessagesServer;
let clock: ReturnType<typeof fakeClock>;
beforeEach(async () => {
  server = await startMessagesServer();
  clock = fakeClock();
});
afterEach(async () => {
  await server.close();
});

const model = (over: Partial<AnthropicModelOptions> = {}) =>
  createAnthropicModel({ apiKey: 'sk-ant-test', modelId: 'claude-haiku-4-5', baseURL: server.url, clock, random: () => 0.5, backoff: { baseMs: 100, maxMs: 400 }, ...over });

describe('anthropic adapter: requests, usage and cost', () => {
  it('forces the tool, caches the system prompt, strips x-draft, and reports what the server reported', async () => {
    const m = model();
    const first = await m.generate(request());
    const second = await m.generate(request({ taskKey: 'task-2' }));
    expect(validateAgainst(schema, first.output)).toEqual([]);
    expect(server.requests).toHaveLength(2);
    const body = server.requests[0]?.body ?? {};
    expect(body.model).toBe('claude-haiku-4-5');
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'brief' });
    expect(body.temperature).toBe(0.2);
    expect(body.system).toEqual([{ type: 'text', text: request().system, cache_control: { type: 'ephemeral' } }]);
    expect(JSON.stringify(body.tools)).not.toContain('x-draft');
    expect(server.requests[0]?.headers.authorization ?? server.requests[0]?.headers['x-api-key']).toContain('sk-ant-test');
    expect(server.requests[0]?.headers['x-stainless-retry-count']).toBe('0');

    const served = toUsage(server.requests[0]?.usage);
    expect(first.usage).toEqual(served);
    expect(first.attempts).toEqual([{ attempt: 1, outcome: 'ok', usage: served, costUsd: first.costUsd, ms: 0 }]);
    const p = PRICES['claude-haiku-4-5']?.price;
    const expected = (served.inputTokens * 1 + served.outputTokens * 5 + served.cacheWriteTokens * 1.25 + served.cacheReadTokens * 0.1) / 1e6;
    expect(p?.input).toBe(1);
    expect(first.costUsd).toBeCloseTo(expected, 12);
    // The second call reads the cached prefix the first one wrote.
    expect(served.cacheWriteTokens).toBeGreaterThan(0);
    expect(second.usage?.cacheReadTokens).toBe(served.cacheWriteTokens);
    expect(second.usage).toEqual(toUsage(server.requests[1]?.usage));
  });

  it('the default current Sonnet gets auto tool choice and no temperature (both are 400s there)', async () => {
    const r = await model({ modelId: 'claude-sonnet-5-5' }).generate(request());
    const body = server.requests[0]?.body ?? {};
    expect(body.tool_choice).toEqual({ type: 'auto' });
    expect('temperature' in body).toBe(false);
    expect(validateAgainst(schema, r.output)).toEqual([]);
  });

  it('wraps a non-object output schema in { value } and unwraps the answer', async () => {
    const list = { type: 'array', minItems: 2, maxItems: 2, items: { type: 'string' } } satisfies Json;
    const r = await model().generate(request({ outputSchema: list }));
    expect(validateAgainst(list, r.output)).toEqual([]);
    expect((server.requests[0]?.body?.tools as { input_schema: Json }[])[0]?.input_schema).toMatchObject({ type: 'object', required: ['value'] });
  });

  it('estimates an upper-ish bound above the real cost', async () => {
    const m = model();
    const r = await m.generate(request());
    expect(m.estimateUsd(request())).toBeGreaterThan(r.costUsd ?? Infinity);
  });

  it('refuses a model without a price, saying where to add it', () => {
    let caught: unknown;
    try {
      model({ modelId: 'claude-imaginary-9' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(IdeaMineError);
    const e = caught as IdeaMineError;
    expect(e.code).toBe('BAD_INPUT');
    expect(e.message).toContain('claude-imaginary-9');
    expect(e.details.join('\n')).toContain('src/adapters/model/prices.ts');
  });

  it('the stand-in rejects request shapes the real API would reject', async () => {
    const ok = { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }], tools: [{ name: 't', input_schema: { type: 'object' } }], tool_choice: { type: 'tool', name: 't' } };
    expect(validateRequest(ok)).toBeNull();
    expect(validateRequest({ ...ok, max_tokens: 0 })).toMatch(/max_tokens/);
    expect(validateRequest({ ...ok, messages: [{ role: 'system', content: 'x' }] })).toMatch(/role/);
    expect(validateRequest({ ...ok, tool_choice: { type: 'tool', name: 'other' } })).toMatch(/tool_choice/);
    const res = await fetch(`${server.url}/v1/messages`, { method: 'POST', body: JSON.stringify({ ...ok, tools: [] }) });
    expect(res.status).toBe(400);
    expect(server.requests[0]?.outcome).toBe('invalid-request');
  });

  it('prices dated snapshots by their model row', () => {
    expect(() => model({ modelId: 'claude-haiku-4-5-20251001' })).not.toThrow();
  });
});

describe('anthropic adapter: retries', () => {
  it('retries 429 (honouring retry-after-ms), 529, 500 and a reset connection, with bounded jitter', async () => {
    server.enqueueFault(
      { kind: 'status', status: 429, headers: { 'retry-after-ms': '350' } },
      { kind: 'status', status: 529 },
      { kind: 'status', status: 500 },
      { kind: 'reset' },
    );
    const r = await model({ random: () => 0.999 }).generate(request());
    expect(r.attempts.map((a) => [a.outcome, a.status])).toEqual([['error', 429], ['error', 529], ['error', 500], ['error', undefined], ['ok', undefined]]);
    expect(r.attempts[3]?.error).toMatch(/connection/);
    expect(server.requests).toHaveLength(5);
    expect(clock.sleeps[0]).toBe(350);
    // Full jitter below base * 2^(n-1), capped at maxMs.
    expect(clock.sleeps.slice(1)).toEqual([199, 399, 399]);
    expect(r.usage).toEqual(toUsage(server.requests[4]?.usage));
  });

  it('retries a per-attempt timeout and a malformed body', async () => {
    server.enqueueFault({ kind: 'hang' }, { kind: 'malformed' });
    const started = Date.now();
    const r = await model().generate(request({ timeoutSeconds: 0.3 }));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.attempts.map((a) => a.outcome)).toEqual(['error', 'error', 'ok']);
    expect(r.attempts[0]?.error).toMatch(/timed out/);
    expect(r.attempts[1]?.error).toMatch(/malformed/);
  });

  it.each([400, 401, 403, 404])('does not retry HTTP %i', async (status) => {
    server.enqueueFault({ kind: 'status', status });
    const error = await model().generate(request()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelCallError);
    expect((error as ModelCallError).attempts).toEqual([{ attempt: 1, outcome: 'error', status, error: `HTTP ${status}: scripted ${status}`, usage: null, costUsd: null, ms: 0 }]);
    expect(server.requests).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('gives up after request.retries with every attempt recorded', async () => {
    server.enqueueFault(...Array.from({ length: 3 }, () => ({ kind: 'status' as const, status: 503 })));
    const error = (await model().generate(request({ retries: 2 })).catch((e: unknown) => e)) as ModelCallError;
    expect(error).toBeInstanceOf(ModelCallError);
    expect(error.attempts.map((a) => a.status)).toEqual([503, 503, 503]);
    expect(error.circuitOpen).toBe(false);
    expect(server.requests).toHaveLength(3);
  });
});

describe('anthropic adapter: repair of invalid output', () => {
  it('re-asks with the validation errors as an error tool_result and counts both attempts', async () => {
    server.enqueueFault({ kind: 'invalid-output', input: { title: 7 } });
    const r = await model().generate(request());
    expect(validateAgainst(schema, r.output)).toEqual([]);
    expect(r.attempts.map((a) => a.outcome)).toEqual(['invalid-output', 'ok']);
    expect(r.attempts[0]?.error).toContain('title');
    const messages = server.requests[1]?.body?.messages as { role: string; content: unknown }[];
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(messages[1]?.content).toEqual([{ type: 'tool_use', id: 'toolu_000000', name: 'brief', input: { title: 7 } }]);
    expect(messages[2]?.content).toMatchObject([{ type: 'tool_result', tool_use_id: 'toolu_000000', is_error: true }]);
    const [a, b] = [toUsage(server.requests[0]?.usage), toUsage(server.requests[1]?.usage)];
    expect(r.usage).toEqual({ inputTokens: a.inputTokens + b.inputTokens, outputTokens: a.outputTokens + b.outputTokens, cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens, cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens });
    expect(r.costUsd).toBeCloseTo((r.attempts[0]?.costUsd ?? 0) + (r.attempts[1]?.costUsd ?? 0), 12);
  });

  it('repairs a reply with no tool call', async () => {
    server.enqueueFault({ kind: 'no-tool' });
    const r = await model({ modelId: 'claude-sonnet-5-5' }).generate(request());
    expect(r.attempts.map((a) => a.outcome)).toEqual(['invalid-output', 'ok']);
    expect(r.attempts[0]?.error).toContain('no call to the tool');
  });

  it('stops after the repair bound and reports the paid attempts', async () => {
    server.enqueueFault({ kind: 'invalid-output' }, { kind: 'invalid-output' }, { kind: 'invalid-output' });
    const error = (await model({ maxRepairs: 2 }).generate(request()).catch((e: unknown) => e)) as ModelCallError;
    expect(error).toBeInstanceOf(ModelCallError);
    expect(error.attempts.map((a) => a.outcome)).toEqual(['invalid-output', 'invalid-output', 'invalid-output']);
    expect(error.attempts.every((a) => a.usage !== null && (a.costUsd ?? 0) > 0)).toBe(true);
  });
});

describe('anthropic adapter: circuit breaker', () => {
  it('opens after N consecutive failures, sends nothing while open, and half-opens after the cooldown', async () => {
    const m = model({ breaker: { threshold: 2, cooldownMs: 10_000 } });
    server.enqueueFault({ kind: 'status', status: 500 }, { kind: 'status', status: 500 });
    // The failure that opens the circuit says so, with when the provider may be asked again.
    const opening = (await m.generate(request({ retries: 1 })).catch((e: unknown) => e)) as ModelCallError;
    expect(opening).toBeInstanceOf(ModelCallError);
    expect(opening).toMatchObject({ circuitOpen: true, notBefore: new Date(clock.now().getTime() + 10_000) });
    expect(opening.attempts.map((a) => a.status)).toEqual([500, 500]);
    const blocked = (await m.generate(request()).catch((e: unknown) => e)) as ModelCallError;
    expect(blocked.circuitOpen).toBe(true);
    expect(blocked.attempts).toEqual([]);
    expect(server.requests).toHaveLength(2);

    clock.advance(10_000);
    server.enqueueFault({ kind: 'status', status: 500 });
    // The failed probe re-opens it at once (and says so).
    await expect(m.generate(request({ retries: 0 }))).rejects.toMatchObject({ circuitOpen: true, attempts: [{ status: 500 }] });
    expect(server.requests).toHaveLength(3);
    await expect(m.generate(request())).rejects.toMatchObject({ circuitOpen: true });
    expect(server.requests).toHaveLength(3);

    clock.advance(10_000);
    const r = await m.generate(request());
    expect(r.attempts.map((a) => a.outcome)).toEqual(['ok']);
    await m.generate(request({ taskKey: 'again' }));
    expect(server.requests).toHaveLength(5);
  });

  it('an abort stops at once without counting as a provider failure', async () => {
    server.enqueueFault({ kind: 'hang' });
    const controller = new AbortController();
    const m = model({ breaker: { threshold: 1, cooldownMs: 1000 } });
    const pending = m.generate(request(), controller.signal);
    setTimeout(() => controller.abort(), 100);
    const error = (await pending.catch((e: unknown) => e)) as ModelCallError;
    expect(error).toBeInstanceOf(ModelCallError);
    expect(error.message).toContain('aborted');
    expect(error.circuitOpen).toBe(false);
    expect(error.attempts.map((a) => a.outcome)).toEqual(['error']);
    // Threshold 1 would have opened the circuit had the abort counted.
    await expect(m.generate(request())).resolves.toMatchObject({ provenance: 'anthropic' });
    expect(server.requests).toHaveLength(2);
  });
});
