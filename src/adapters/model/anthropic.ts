// Model adapter for the Anthropic Messages API: forced-tool structured output, our retries, repair, breaker, cost.
import Anthropic from '@anthropic-ai/sdk';
import type { Json } from '../../core/canonical.js';
import { validateAgainst } from '../../core/validate.js';
import type { Clock } from '../../ports/clock.js';
import { ModelCallError, type AttemptRecord, type Model, type ModelRequest, type ModelResult, type Usage } from '../../ports/model.js';
import { createBreaker, DEFAULT_BREAKER, type BreakerOptions } from './breaker.js';
import { costOf, priceFor, ratesFor } from './prices.js';
import { backoffMs, classify, DEFAULT_BACKOFF, systemClock, type BackoffPolicy } from './retry.js';

export interface AnthropicModelOptions {
  readonly apiKey: string;
  readonly modelId: string;
  readonly baseURL?: string;
  readonly fetch?: typeof fetch;
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly breaker?: BreakerOptions;
  readonly backoff?: Partial<BackoffPolicy>;
  /** Re-asks after schema-invalid output (each one an attempt); bounded so a confused model cannot loop. */
  readonly maxRepairs?: number;
  /** Upper bound on one attempt in milliseconds, below the phase's timeouts.taskSeconds (a stalled stream ends sooner). */
  readonly attemptTimeoutMs?: number;
}

type Message = Anthropic.Message;
type MessageParam = Anthropic.MessageParam;

const ZERO: Usage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
const WRAP_KEY = 'value';

export function createAnthropicModel(options: AnthropicModelOptions): Model {
  const { price, caps } = priceFor(options.modelId);
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const policy: BackoffPolicy = { ...DEFAULT_BACKOFF, ...options.backoff };
  const breakerOptions = options.breaker ?? DEFAULT_BREAKER;
  const breaker = createBreaker(breakerOptions, clock);
  const maxRepairs = options.maxRepairs ?? 2;
  const client = new Anthropic({
    apiKey: options.apiKey,
    ...(options.baseURL === undefined ? {} : { baseURL: options.baseURL }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    maxRetries: 0,
    // Tracing is ours (GenAI spans around each call); the SDK's own spans would duplicate them.
    openTelemetry: false,
    logLevel: 'off',
  });

  async function generate(request: ModelRequest, signal?: AbortSignal): Promise<ModelResult> {
    const toolName = request.outputName.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64) || 'output';
    const { schema: inputSchema, wrapped } = toolSchema(request.outputSchema);
    const system: Anthropic.TextBlockParam[] = [{ type: 'text', text: request.system, cache_control: { type: 'ephemeral' } }];
    // Models that reject forced tool choice are told in words, after the cached prefix, and repaired if they forget.
    if (!caps.forcedToolChoice) system.push({ type: 'text', text: `Answer only by calling the tool "${toolName}" once.` });
    const messages: MessageParam[] = request.messages.map((m) => ({ role: m.role, content: m.content }));
    const attempts: AttemptRecord[] = [];
    let retriesLeft = request.retries;
    let repairsLeft = maxRepairs;
    const circuitOpen = (why: string): ModelCallError => {
      const notBefore = new Date(clock.now().getTime() + breaker.remainingMs());
      return new ModelCallError(`circuit open for ${options.modelId} ${why}; next request not before ${notBefore.toISOString()}`, attempts, true, notBefore);
    };
    const timeoutMs = Math.max(1, Math.min(Math.round(request.timeoutSeconds * 1000), options.attemptTimeoutMs ?? Number.POSITIVE_INFINITY));
    for (let attempt = 1; ; attempt += 1) {
      if (!breaker.tryAcquire()) throw circuitOpen('after repeated failures');
      const started = clock.now().getTime();
      let response: Message;
      try {
        response = await client.messages.create(
          {
            model: options.modelId,
            max_tokens: request.maxTokens,
            system,
            messages,
            tools: [{ name: toolName, description: `Return the ${request.outputName} as the tool input.`, input_schema: inputSchema }],
            tool_choice: caps.forcedToolChoice ? { type: 'tool', name: toolName } : { type: 'auto' },
            ...(caps.temperature ? { temperature: request.temperature } : {}),
          },
          { timeout: timeoutMs, maxRetries: 0, ...(signal ? { signal } : {}) },
        );
      } catch (caught) {
        const failure = classify(caught, clock.now());
        attempts.push({
          attempt,
          outcome: 'error',
          error: failure.message,
          ...(failure.status === undefined ? {} : { status: failure.status }),
          usage: null,
          costUsd: null,
          ms: clock.now().getTime() - started,
        });
        if (failure.aborted) {
          breaker.release();
          throw new ModelCallError(`model call aborted after ${attempts.length} attempt(s)`, attempts);
        }
        // Only failures that say something about the provider's health count; a 400 or 401 is ours to fix.
        if (failure.retryable) breaker.failure();
        else breaker.release();
        if (breaker.state() === 'open') throw circuitOpen(`after ${breakerOptions.threshold} consecutive failed requests (last: ${failure.message})`);
        if (!failure.retryable || retriesLeft <= 0) {
          const why = failure.retryable ? `gave up after ${attempts.length} attempt(s)` : 'not retryable';
          throw new ModelCallError(`${options.modelId}: ${failure.message} (${why})`, attempts);
        }
        retriesLeft -= 1;
        try {
          await clock.sleep(backoffMs(request.retries - retriesLeft, failure, policy, random), signal);
        } catch {
          throw new ModelCallError(`model call aborted after ${attempts.length} attempt(s)`, attempts);
        }
        continue;
      }
      breaker.success();
      const usage = usageOf(response);
      const costUsd = costOf(usage, price);
      const ms = clock.now().getTime() - started;
      const call = response.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use' && b.name === toolName);
      const output = call === undefined ? undefined : unwrap(call.input, wrapped);
      const errors =
        output === undefined
          ? [`no call to the tool "${toolName}" (stop_reason ${response.stop_reason ?? 'unknown'})`]
          : validateAgainst(request.outputSchema, output);
      if (errors.length === 0 && output !== undefined) {
        attempts.push({ attempt, outcome: 'ok', usage, costUsd, ms });
        return { output, usage: sumUsage(attempts), costUsd: sumCost(attempts), attempts, provenance: 'anthropic' };
      }
      if (response.stop_reason === 'max_tokens') errors.push(`output cut off at max_tokens (${request.maxTokens})`);
      attempts.push({ attempt, outcome: 'invalid-output', error: errors.slice(0, 20).join('; '), usage, costUsd, ms });
      if (repairsLeft <= 0) {
        throw new ModelCallError(`${options.modelId}: output for ${request.outputName} still invalid after ${maxRepairs} repair(s)`, attempts);
      }
      repairsLeft -= 1;
      messages.push(...repairTurn(response, call, toolName, errors));
    }
  }

  return {
    id: options.modelId,
    provenance: 'anthropic',
    canJudge: true,
    generate,
    estimateUsd(request) {
      const chars = request.system.length + JSON.stringify(request.outputSchema).length + request.messages.reduce((n, m) => n + m.content.length, 0);
      const inputTokens = Math.ceil(chars / 3.5);
      const r = ratesFor(price, inputTokens);
      return (inputTokens * r.input + request.maxTokens * r.output) / 1_000_000;
    },
  };
}

/** The assistant's turn echoed back (thinking blocks included, as the API requires) plus the errors as a tool result. */
function repairTurn(response: Message, call: Anthropic.ToolUseBlock | undefined, toolName: string, errors: string[]): MessageParam[] {
  const echoed: Anthropic.ContentBlockParam[] = [];
  for (const b of response.content) {
    if (b.type === 'text') echoed.push({ type: 'text', text: b.text });
    else if (b.type === 'thinking') echoed.push({ type: 'thinking', thinking: b.thinking, signature: b.signature });
    else if (b.type === 'redacted_thinking') echoed.push({ type: 'redacted_thinking', data: b.data });
    else if (b.type === 'tool_use') echoed.push({ type: 'tool_use', id: b.id, name: b.name, input: b.input });
  }
  const fix = `Fix these problems and call the tool "${toolName}" again with the complete, corrected input:\n- ${errors.slice(0, 40).join('\n- ')}`;
  const toolResults: Anthropic.ToolResultBlockParam[] = response.content
    .filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use')
    .map((b) => ({ type: 'tool_result', tool_use_id: b.id, is_error: true, content: b.id === call?.id ? fix : 'Not used.' }));
  const userContent: Anthropic.ContentBlockParam[] = toolResults.length > 0 ? toolResults : [{ type: 'text', text: fix }];
  return echoed.length > 0 ? [{ role: 'assistant', content: echoed }, { role: 'user', content: userContent }] : [{ role: 'user', content: userContent }];
}

/** The API takes an object schema without our `x-draft` hints; other roots are wrapped in { value }. */
function toolSchema(schema: Json): { schema: Anthropic.Tool.InputSchema; wrapped: boolean } {
  const clean = stripHints(schema);
  const record = clean !== null && typeof clean === 'object' && !Array.isArray(clean) ? clean : {};
  const { $schema: _s, $id: _i, ...rest } = record;
  if (rest.type === 'object') return { schema: { ...rest, type: 'object' }, wrapped: false };
  const { $defs, definitions, ...inner } = rest;
  return {
    schema: { type: 'object', properties: { [WRAP_KEY]: inner }, required: [WRAP_KEY], ...($defs ? { $defs } : {}), ...(definitions ? { definitions } : {}) },
    wrapped: true,
  };
}

function stripHints(value: Json): Json {
  if (Array.isArray(value)) return value.map(stripHints);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'x-draft').map(([k, v]) => [k, stripHints(v)]));
}

function unwrap(input: unknown, wrapped: boolean): Json | undefined {
  if (!wrapped) return input as Json;
  return input !== null && typeof input === 'object' && WRAP_KEY in input ? ((input as Record<string, Json>)[WRAP_KEY]) : undefined;
}

function usageOf(response: Message): Usage {
  const u = response.usage;
  return {
    inputTokens: u.input_tokens ?? 0,
    outputTokens: u.output_tokens,
    cacheReadTokens: u.cache_read_input_tokens ?? 0,
    cacheWriteTokens: u.cache_creation_input_tokens ?? 0,
  };
}

function sumUsage(attempts: readonly AttemptRecord[]): Usage {
  return attempts.reduce<Usage>(
    (acc, a) =>
      a.usage === null
        ? acc
        : {
            inputTokens: acc.inputTokens + a.usage.inputTokens,
            outputTokens: acc.outputTokens + a.usage.outputTokens,
            cacheReadTokens: acc.cacheReadTokens + a.usage.cacheReadTokens,
            cacheWriteTokens: acc.cacheWriteTokens + a.usage.cacheWriteTokens,
          },
    ZERO,
  );
}

const sumCost = (attempts: readonly AttemptRecord[]): number =>
  Math.round(attempts.reduce((n, a) => n + (a.costUsd ?? 0), 0) * 1e9) / 1e9;
