// Traces: a run exports nested spans (run → phase → task → chat) over OTLP/HTTP to a loopback receiver.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleIdea, makeIdeaRepo, type IdeaRepo } from './support/cli.js';

interface OtlpSpan { name: string; spanId: string; parentSpanId?: string; attributes: { key: string; value: Record<string, unknown> }[] }
interface OtlpBody { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] }

describe('OpenTelemetry export', () => {
  let server: Server;
  let url = '';
  const spans: OtlpSpan[] = [];
  let repo: IdeaRepo;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/v1/traces') {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpBody;
          for (const rs of body.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    repo = makeIdeaRepo({ 'ideas/shared-grocery-list.yaml': exampleIdea('shared-grocery-list.yaml') });
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    repo.cleanup();
  });

  it('exports run, phase, task and GenAI chat spans, nested', async () => {
    const result = await repo.cli(['run', 'ideas/shared-grocery-list.yaml'], { OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
    expect(result.code, result.stderr).toBe(0);
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const names = new Set(spans.map((s) => s.name));
    for (const name of ['run', 'phase', 'task', 'chat offline-drafter-v1']) expect(names).toContain(name);
    const chat = spans.find((s) => s.name === 'chat offline-drafter-v1');
    const parent = chat?.parentSpanId ? byId.get(chat.parentSpanId) : undefined;
    expect(parent?.name).toBe('task');
    const attrs = Object.fromEntries((chat?.attributes ?? []).map((a) => [a.key, Object.values(a.value)[0]]));
    expect(attrs['gen_ai.operation.name']).toBe('chat');
    expect(attrs['gen_ai.request.model']).toBe('offline-drafter-v1');
    // Offline usage is not measured: no token attributes are invented.
    expect(attrs['gen_ai.usage.input_tokens']).toBeUndefined();
    // Message content is not captured unless asked.
    expect(attrs['gen_ai.input.messages']).toBeUndefined();
    expect(spans.filter((s) => s.name === 'phase')).toHaveLength(13);
  });
});
