// A loopback stand-in for the Anthropic Messages API: schema-valid drafted answers, exact usage, scripted faults.
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { canonicalJson, sha256Hex, type Json } from '../../src/core/canonical.js';
import { draft } from '../../src/core/draft.js';
import { parseDataBlocks } from '../../src/core/prompt.js';

export type Fault =
  | { readonly kind: 'status'; readonly status: number; readonly headers?: Record<string, string>; readonly message?: string }
  | { readonly kind: 'reset' }
  | { readonly kind: 'hang' }
  | { readonly kind: 'malformed' }
  /** A 200 whose tool input is the given value (default {}), normally schema-invalid. */
  | { readonly kind: 'invalid-output'; readonly input?: Json }
  /** A 200 with a text block and no tool call. */
  | { readonly kind: 'no-tool' };

export interface ServedUsage {
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly cache_read_input_tokens: number;
  readonly cache_creation_input_tokens: number;
}

export interface RecordedRequest {
  readonly index: number;
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown> | null;
  /** Date.now() when the request had arrived in full (for checking waits between attempts). */
  readonly receivedAt: number;
  /** What the server did: a fault kind, "invalid-request" or "ok". */
  outcome: string;
  status?: number;
  /** Usage reported in the response, exactly as sent. */
  usage?: ServedUsage;
  /** Tool input sent back. */
  output?: Json;
}

export interface MessagesServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Faults applied to the next requests, first in first out. */
  enqueueFault(...faults: Fault[]): void;
  /** A fault for the request with this 0-based index (takes precedence over the queue). */
  faultAt(index: number, fault: Fault): void;
  close(): Promise<void>;
}

type Body = Record<string, unknown>;
const isRecord = (v: unknown): v is Body => v !== null && typeof v === 'object' && !Array.isArray(v);
/** Four characters a token: a fixed rule so tests can recompute every number. */
export const tokensFor = (text: string): number => Math.ceil(text.length / 4);

export function validateRequest(body: unknown): string | null {
  if (!isRecord(body)) return 'body must be a JSON object';
  if (typeof body.model !== 'string' || body.model === '') return 'model: required string';
  if (!Number.isInteger(body.max_tokens) || (body.max_tokens as number) < 1) return 'max_tokens: required positive integer';
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages: required non-empty array';
  for (const [i, m] of body.messages.entries()) {
    if (!isRecord(m) || (m.role !== 'user' && m.role !== 'assistant')) return `messages.${i}.role: user or assistant`;
    if (typeof m.content !== 'string' && !Array.isArray(m.content)) return `messages.${i}.content: string or array`;
  }
  if (!Array.isArray(body.tools) || body.tools.length === 0) return 'tools: this stand-in expects one tool';
  for (const [i, t] of body.tools.entries()) {
    if (!isRecord(t) || typeof t.name !== 'string' || !isRecord(t.input_schema) || t.input_schema.type !== 'object') {
      return `tools.${i}: needs name and an object input_schema`;
    }
  }
  const choice = body.tool_choice;
  if (!isRecord(choice) || !['auto', 'any', 'tool'].includes(choice.type as string)) return 'tool_choice.type: auto, any or tool';
  if (choice.type === 'tool' && !(body.tools as Body[]).some((t) => t.name === choice.name)) return 'tool_choice.name: not among tools';
  return null;
}

const textOf = (content: unknown): string =>
  typeof content === 'string'
    ? content
    : Array.isArray(content)
      ? content.map((b) => (isRecord(b) && typeof b.text === 'string' ? b.text : '')).join('\n')
      : '';

export interface MessagesServerOptions {
  /** Delay before each answer, so a test can kill a client mid-request. */
  readonly latencyMs?: number;
  /** Overrides the drafted tool input for some requests (e.g. fixed judge scores); undefined = draft. */
  readonly respond?: (toolName: string, body: Record<string, unknown>) => Json | undefined;
}

export function startMessagesServer(options: MessagesServerOptions = {}): Promise<MessagesServer> {
  const requests: RecordedRequest[] = [];
  const queue: Fault[] = [];
  const byIndex = new Map<number, Fault>();
  const cachedPrefixes = new Set<string>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: Body | null = null;
      try {
        const parsed: unknown = JSON.parse(raw);
        body = isRecord(parsed) ? parsed : null;
      } catch {
        body = null;
      }
      const record: RecordedRequest = { index: requests.length, method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, receivedAt: Date.now(), outcome: 'ok' };
      requests.push(record);
      const fault = byIndex.get(record.index) ?? queue.shift();
      if (fault?.kind === 'reset') {
        record.outcome = 'reset';
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'hang') {
        record.outcome = 'hang';
        return;
      }
      if (fault?.kind === 'status') {
        record.outcome = 'status';
        record.status = fault.status;
        sendJson(res, fault.status, { type: 'error', error: { type: 'api_error', message: fault.message ?? `scripted ${fault.status}` } }, fault.headers);
        return;
      }
      if (fault?.kind === 'malformed') {
        record.outcome = 'malformed';
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"id": "msg_broken", "content": [');
        return;
      }
      const problem = req.method !== 'POST' || !req.url?.startsWith('/v1/messages') ? `no route ${req.method} ${req.url}` : validateRequest(body);
      if (problem !== null || body === null) {
        record.outcome = 'invalid-request';
        record.status = 400;
        sendJson(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: problem ?? 'bad body' } });
        return;
      }
      const reply = body;
      if (options.latencyMs) setTimeout(() => answer(reply, record, fault, res), options.latencyMs);
      else answer(reply, record, fault, res);
    });
  });

  function answer(body: Body, record: RecordedRequest, fault: Fault | undefined, res: ServerResponse): void {
    const tool = (body.tools as Body[])[0] as Body;
    const messages = body.messages as Body[];
    const withData = [...messages].reverse().find((m) => m.role === 'user' && textOf(m.content).includes('<data name='));
    const blocks = withData ? parseDataBlocks(textOf(withData.content)) : {};
    const context = {
      idea: blocks.idea ?? null,
      artifacts: isRecord(blocks.artifacts) ? (blocks.artifacts as Record<string, Json>) : {},
      item: blocks.item ?? null,
    };
    const scripted = options.respond?.(String(tool.name), body);
    const input: Json =
      fault?.kind === 'invalid-output' ? (fault.input ?? {}) : scripted ?? draft(tool.input_schema as Json, context, sha256Hex(canonicalJson(body)));
    // The system prompt is the cached prefix: written on first sight, read afterwards.
    const system = body.system;
    const systemText = textOf(system);
    const cacheable = Array.isArray(system) && system.some((b) => isRecord(b) && isRecord(b.cache_control));
    const prefixTokens = cacheable ? tokensFor(systemText) : 0;
    const seen = cachedPrefixes.has(systemText);
    if (cacheable) cachedPrefixes.add(systemText);
    const rest = JSON.stringify(body).length - systemText.length;
    const usage: ServedUsage = {
      input_tokens: Math.max(1, Math.ceil(rest / 4)),
      output_tokens: tokensFor(JSON.stringify(input)),
      cache_read_input_tokens: seen ? prefixTokens : 0,
      cache_creation_input_tokens: seen ? 0 : prefixTokens,
    };
    record.usage = usage;
    record.status = 200;
    const noTool = fault?.kind === 'no-tool';
    record.outcome = noTool ? 'no-tool' : fault?.kind ?? 'ok';
    if (!noTool) record.output = input;
    sendJson(res, 200, {
      id: `msg_${String(record.index).padStart(6, '0')}`,
      type: 'message',
      role: 'assistant',
      model: body.model,
      content: noTool
        ? [{ type: 'text', text: 'I would rather describe it in prose.' }]
        : [{ type: 'tool_use', id: `toolu_${String(record.index).padStart(6, '0')}`, name: tool.name, input }],
      stop_reason: noTool ? 'end_turn' : 'tool_use',
      stop_sequence: null,
      usage,
    });
  }

  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        requests,
        enqueueFault: (...faults) => void queue.push(...faults),
        faultAt: (index, fault) => void byIndex.set(index, fault),
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

function sendJson(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${sha256Hex(text).slice(0, 12)}`, ...headers }).end(text);
}

/** A clock for adapter tests: sleeps return at once, advance time and are recorded. */
export function fakeClock(start = Date.UTC(2026, 10, 24, 12)): { now(): Date; sleep(ms: number): Promise<void>; sleeps: number[]; advance(ms: number): void } {
  let t = start;
  const sleeps: number[] = [];
  return {
    now: () => new Date(t),
    sleep(ms: number) {
      sleeps.push(ms);
      t += ms;
      return Promise.resolve();
    },
    sleeps,
    advance(ms: number) {
      t += ms;
    },
  };
}
