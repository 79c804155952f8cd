// Replay cassettes, recording them from a live adapter, and the --model factory.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Json } from '../src/core/canonical.js';
import { IdeaMineError } from '../src/core/errors.js';
import { renderDataBlock } from '../src/core/prompt.js';
import { createAnthropicModel } from '../src/adapters/model/anthropic.js';
import { createModel, DEFAULT_ANTHROPIC_MODEL } from '../src/adapters/model/index.js';
import { createOfflineModel } from '../src/adapters/model/offline.js';
import { createReplayModel, withRecording, type Cassette } from '../src/adapters/model/replay.js';
import type { ModelRequest } from '../src/ports/model.js';
import { fakeClock, startMessagesServer, type MessagesServer } from './support/messages-server.js';

const FIXTURE = 'test/fixtures/cassettes/synthetic-demo.json';
const schema = {
  type: 'object',
  required: ['title', 'features'],
  additionalProperties: false,
  properties: { title: { type: 'string' }, features: { type: 'array', minItems: 1, items: { type: 'string' } } },
} satisfies Json;
const request = (taskKey: string, over: Partial<ModelRequest> = {}): ModelRequest => ({
  taskKey,
  system: 'You write briefs.',
  messages: [{ role: 'user', content: `Brief.\n${renderDataBlock('idea', { name: 'Tidy Pantry', core_features: ['scan'] })}` }],
  outputName: 'brief',
  outputSchema: schema,
  maxTokens: 2000,
  temperature: 0,
  timeoutSeconds: 5,
  retries: 1,
  ...over,
});
const caught = async (p: Promise<unknown>): Promise<IdeaMineError> => {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(IdeaMineError);
  return e as IdeaMineError;
};

describe('replay model', () => {
  const contents = readFileSync(FIXTURE, 'utf8');

  it('serves entries by task key, labelled synthetic', async () => {
    const m = createReplayModel(FIXTURE, contents);
    expect([m.id, m.provenance, m.canJudge]).toEqual(['claude-sonnet-5-5', 'replay-synthetic', true]);
    const r = await m.generate(request('demo-brief'));
    expect(r.output).toEqual({ title: 'Tidy Pantry', features: ['barcode scanning', 'expiry reminders'] });
    expect(r.usage).toEqual({ inputTokens: 1200, outputTokens: 300, cacheReadTokens: 0, cacheWriteTokens: 800 });
    expect(r.costUsd).toBe(0.0074);
    expect(r.provenance).toBe('replay-synthetic');
    expect((await m.generate(request('demo-unmeasured'))).usage).toBeNull();
  });

  it('names the missing key, the cassette and how to record', async () => {
    const e = await caught(createReplayModel(FIXTURE, contents).generate(request('no-such-task')));
    expect(e.code).toBe('MODEL');
    expect(e.message).toContain('no-such-task');
    expect(e.message).toContain(FIXTURE);
    expect(e.details.join(' ')).toContain('--record');
  });

  it('rejects an entry that no longer fits the schema', async () => {
    const strict = { ...schema, properties: { ...schema.properties, title: { type: 'string', maxLength: 3 } } };
    const e = await caught(createReplayModel(FIXTURE, contents).generate(request('demo-brief', { outputSchema: strict })));
    expect(e.details.join(' ')).toContain('title');
  });

  it('calls a cassette recorded only when it says recorded and has recordedAt', () => {
    const base = JSON.parse(contents) as Record<string, Json>;
    const make = (extra: Record<string, Json>) => createReplayModel('c.json', JSON.stringify({ ...base, ...extra })).provenance;
    expect(make({ provenance: 'recorded', recordedAt: '2026-11-24T12:00:00Z' })).toBe('replay-recorded');
    expect(make({ provenance: 'recorded' })).toBe('replay-synthetic');
    expect(make({ provenance: 'synthetic', recordedAt: '2026-11-24T12:00:00Z' })).toBe('replay-synthetic');
  });

  it('reports every shape problem with its field', async () => {
    const bad = JSON.stringify({ format: 'other/2', provenance: 'real', modelId: '', entries: { k: { usage: 3 } } });
    const e = await caught(Promise.resolve().then(() => createReplayModel('bad.json', bad)));
    expect(e.code).toBe('BAD_INPUT');
    expect(e.message).toContain('bad.json');
    expect(e.details).toEqual(['format: must be "ideamine-cassette/1"', 'provenance: must be "recorded" or "synthetic"', 'modelId: must be a non-empty string', 'entries.k: needs "output", "usage" and "costUsd"']);
    const notJson = await caught(Promise.resolve().then(() => createReplayModel('x.json', '{nope')));
    expect(notJson.message).toContain('x.json: not JSON');
  });
});

describe('recording', () => {
  let server: MessagesServer;
  beforeEach(async () => {
    server = await startMessagesServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('round-trips: what the live adapter returned is what the replay serves, labelled recorded', async () => {
    const clock = fakeClock();
    const live = createAnthropicModel({ apiKey: 'k', modelId: 'claude-haiku-4-5', baseURL: server.url, clock });
    const saved: Cassette[] = [];
    const recorder = withRecording(live, { clock, onRecord: (c) => void saved.push(c) });
    const a = await recorder.generate(request('task-a'));
    const b = await recorder.generate(request('task-b', { system: 'Another role.' }));
    expect(saved).toHaveLength(2);
    const cassette = recorder.cassette();
    expect(cassette).toMatchObject({ format: 'ideamine-cassette/1', provenance: 'recorded', modelId: 'claude-haiku-4-5', recordedAt: clock.now().toISOString() });
    expect(Object.keys(cassette.entries)).toEqual(['task-a', 'task-b']);

    const replay = createReplayModel('rec.json', JSON.stringify(cassette));
    expect(replay.provenance).toBe('replay-recorded');
    for (const [key, live] of [['task-a', a], ['task-b', b]] as const) {
      const r = await replay.generate(request(key));
      expect([r.output, r.usage, r.costUsd]).toEqual([live.output, live.usage, live.costUsd]);
    }
    expect(server.requests).toHaveLength(2);
  });

  it('a cassette recorded from anything but the real API is synthetic', async () => {
    const recorder = withRecording(createOfflineModel());
    await recorder.generate(request('t'));
    const c = recorder.cassette();
    expect(c.provenance).toBe('synthetic');
    expect('recordedAt' in c).toBe(false);
    expect(createReplayModel('o.json', JSON.stringify(c)).provenance).toBe('replay-synthetic');
  });

  it('records nothing for a failed call', async () => {
    server.enqueueFault({ kind: 'status', status: 400 });
    const recorder = withRecording(createAnthropicModel({ apiKey: 'k', modelId: 'claude-haiku-4-5', baseURL: server.url }));
    await expect(recorder.generate(request('t'))).rejects.toThrow();
    expect(recorder.cassette().entries).toEqual({});
  });
});

describe('createModel', () => {
  const options = { readFile: (p: string) => readFile(p, 'utf8') };

  it('offline', async () => {
    const m = await createModel('offline', {}, options);
    expect([m.id, m.provenance, m.canJudge, m.estimateUsd(request('t'))]).toEqual(['offline-drafter-v1', 'offline', false, null]);
  });

  it('anthropic without a key says what to do', async () => {
    const e = await caught(createModel('anthropic', { ANTHROPIC_API_KEY: ' ' }, options));
    expect(e.code).toBe('BAD_INPUT');
    expect([e.message, ...e.details].join(' ')).toMatch(/ANTHROPIC_API_KEY[\s\S]*--model offline/);
  });

  it('anthropic with a key uses the default Sonnet and ANTHROPIC_BASE_URL', async () => {
    const server = await startMessagesServer();
    try {
      const m = await createModel('anthropic', { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: server.url }, options);
      expect([m.id, m.provenance]).toEqual([DEFAULT_ANTHROPIC_MODEL, 'anthropic']);
      await m.generate(request('t'));
      expect(server.requests[0]?.body?.model).toBe(DEFAULT_ANTHROPIC_MODEL);
      const pinned = await createModel('anthropic', { ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: server.url }, { ...options, modelId: 'claude-opus-4-8' });
      expect(pinned.id).toBe('claude-opus-4-8');
    } finally {
      await server.close();
    }
  });

  it('replay:<file> reads the cassette; a missing file or unknown spec is bad input', async () => {
    const m = await createModel(`replay:${FIXTURE}`, {}, options);
    expect(m.provenance).toBe('replay-synthetic');
    expect((await caught(createModel('replay:nowhere.json', {}, options))).message).toContain('nowhere.json');
    expect((await caught(createModel('replay:', {}, options))).code).toBe('BAD_INPUT');
    expect((await caught(createModel('gpt', {}, options))).details.join(' ')).toContain('offline, anthropic, replay:');
  });
});
