// One contract suite for every Model adapter (offline, anthropic over loopback, replay), so none can drift.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Json } from '../src/core/canonical.js';
import { renderDataBlock } from '../src/core/prompt.js';
import { validateAgainst } from '../src/core/validate.js';
import { createAnthropicModel } from '../src/adapters/model/anthropic.js';
import { createOfflineModel } from '../src/adapters/model/offline.js';
import { createReplayModel, withRecording } from '../src/adapters/model/replay.js';
import { PROVENANCES, type Model, type ModelRequest } from '../src/ports/model.js';
import { startMessagesServer, type MessagesServer } from './support/messages-server.js';

const idea = { name: 'Harbour Watch', description: 'Berth booking for small marinas.', target_users: ['harbour masters', 'sailors'], core_features: ['berth map', 'online booking', 'tide alerts'] };
const schemas = readdirSync('schemas/artifacts')
  .filter((f) => f.endsWith('.schema.json'))
  .sort()
  .map((f) => ({ name: f.replace('.schema.json', ''), schema: JSON.parse(readFileSync(join('schemas/artifacts', f), 'utf8')) as Json }));

const requestFor = (name: string, schema: Json): ModelRequest => ({
  taskKey: `contract-${name}`,
  system: `You are the ${name} agent.`,
  messages: [{ role: 'user', content: [`Produce the ${name}.`, renderDataBlock('idea', idea), renderDataBlock('artifacts', {}), renderDataBlock('item', { name: 'berth map' })].join('\n') }],
  outputName: name,
  outputSchema: schema,
  maxTokens: 32_000,
  temperature: 0,
  timeoutSeconds: 10,
  retries: 1,
});

let server: MessagesServer;
const models: Record<string, Model> = {};
beforeAll(async () => {
  server = await startMessagesServer();
  models.offline = createOfflineModel();
  models.anthropic = createAnthropicModel({ apiKey: 'k', modelId: 'claude-sonnet-5-5', baseURL: server.url });
  const recorder = withRecording(createAnthropicModel({ apiKey: 'k', modelId: 'claude-sonnet-5-5', baseURL: server.url }));
  for (const { name, schema } of schemas) await recorder.generate(requestFor(name, schema));
  models.replay = createReplayModel('contract.json', JSON.stringify(recorder.cassette()));
});
afterAll(async () => {
  await server.close();
});

describe.each(['offline', 'anthropic', 'replay'])('Model contract: %s', (kind) => {
  it('has an id, a known provenance and an estimate that is null or a non-negative number', () => {
    const m = models[kind] as Model;
    expect(m.id).not.toBe('');
    expect(PROVENANCES).toContain(m.provenance);
    const estimate = m.estimateUsd(requestFor('x', { type: 'object' }));
    expect(estimate === null || estimate >= 0).toBe(true);
  });

  it('returns schema-valid output for every artifact schema, consistently labelled and counted', async () => {
    expect(schemas.length).toBeGreaterThan(0);
    const m = models[kind] as Model;
    for (const { name, schema } of schemas) {
      const r = await m.generate(requestFor(name, schema));
      expect(validateAgainst(schema, r.output), name).toEqual([]);
      expect(r.provenance).toBe(m.provenance);
      expect(r.attempts.at(-1)?.outcome).toBe('ok');
      expect(r.usage === null).toBe(r.costUsd === null);
      expect(r.usage === null).toBe(m.provenance === 'offline');
    }
  });

  it('is deterministic for the same request', async () => {
    const m = models[kind] as Model;
    const first = schemas[0];
    if (!first) throw new Error('no schemas');
    const [a, b] = [await m.generate(requestFor(first.name, first.schema)), await m.generate(requestFor(first.name, first.schema))];
    expect(a.output).toEqual(b.output);
  });
});
