// Model factory: turns the --model spec ("offline", "anthropic", "replay:<file>") into a Model.
import { badInput } from '../../core/errors.js';
import type { Model } from '../../ports/model.js';
import { createAnthropicModel, type AnthropicModelOptions } from './anthropic.js';
import { DEFAULT_BREAKER } from './breaker.js';
import { createOfflineModel } from './offline.js';
import { createReplayModel } from './replay.js';

/** The current Sonnet (Claude Sonnet 5.5, released 2026-09-28); pin another with --model-id. */
export const DEFAULT_ANTHROPIC_MODEL = 'claude-sonnet-5-5';

export interface ModelEnv {
  readonly ANTHROPIC_API_KEY?: string;
  readonly ANTHROPIC_BASE_URL?: string;
  /**
   * Tuning knobs for the anthropic adapter (the chaos tests use them to make waits short), all optional:
   * IDEAMINE_BREAKER_THRESHOLD (consecutive failed requests that open the circuit, default 5),
   * IDEAMINE_BREAKER_COOLDOWN_MS (how long it stays open, i.e. how long a paused run waits, default 60000),
   * IDEAMINE_MODEL_BACKOFF_MS (base of the jittered exponential backoff, default 1000),
   * IDEAMINE_MODEL_TIMEOUT_MS (upper bound on one attempt, below the phase's timeouts.taskSeconds).
   */
  readonly IDEAMINE_BREAKER_THRESHOLD?: string;
  readonly IDEAMINE_BREAKER_COOLDOWN_MS?: string;
  readonly IDEAMINE_MODEL_BACKOFF_MS?: string;
  readonly IDEAMINE_MODEL_TIMEOUT_MS?: string;
}

/** A positive integer from the environment, or undefined when unset; anything else is bad input naming the variable. */
function envInt(env: ModelEnv, name: keyof ModelEnv & `IDEAMINE_${string}`, example: string): number | undefined {
  const text = env[name]?.trim();
  if (text === undefined || text === '') return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw badInput(`environment variable ${name}: "${text}" is not a positive integer`, [`Set it like ${name}=${example}, or unset it for the default.`]);
  return n;
}

/** The adapter options the tuning variables ask for (nothing when none is set). */
export function tuningFromEnv(env: ModelEnv): Partial<Pick<AnthropicModelOptions, 'breaker' | 'backoff' | 'attemptTimeoutMs'>> {
  const threshold = envInt(env, 'IDEAMINE_BREAKER_THRESHOLD', '5');
  const cooldownMs = envInt(env, 'IDEAMINE_BREAKER_COOLDOWN_MS', '60000');
  const baseMs = envInt(env, 'IDEAMINE_MODEL_BACKOFF_MS', '1000');
  const attemptTimeoutMs = envInt(env, 'IDEAMINE_MODEL_TIMEOUT_MS', '120000');
  return {
    ...(threshold === undefined && cooldownMs === undefined ? {} : { breaker: { threshold: threshold ?? DEFAULT_BREAKER.threshold, cooldownMs: cooldownMs ?? DEFAULT_BREAKER.cooldownMs } }),
    ...(baseMs === undefined ? {} : { backoff: { baseMs } }),
    ...(attemptTimeoutMs === undefined ? {} : { attemptTimeoutMs }),
  };
}

export interface CreateModelOptions {
  readonly modelId?: string;
  readonly readFile: (path: string) => Promise<string>;
  /** Test and tuning seams passed through to the Anthropic adapter. */
  readonly anthropic?: Partial<Omit<AnthropicModelOptions, 'apiKey' | 'modelId' | 'baseURL'>>;
}

export async function createModel(spec: string, env: ModelEnv, options: CreateModelOptions): Promise<Model> {
  if (spec === 'offline') return createOfflineModel();
  if (spec === 'anthropic') {
    const apiKey = env.ANTHROPIC_API_KEY?.trim();
    if (!apiKey) {
      throw badInput('--model anthropic needs an API key', [
        'Set ANTHROPIC_API_KEY (in Actions: a repository secret passed as env), or use --model offline to draft without a model.',
      ]);
    }
    const baseURL = env.ANTHROPIC_BASE_URL?.trim();
    return createAnthropicModel({
      ...tuningFromEnv(env),
      ...options.anthropic,
      apiKey,
      modelId: options.modelId ?? DEFAULT_ANTHROPIC_MODEL,
      ...(baseURL ? { baseURL } : {}),
    });
  }
  if (spec.startsWith('replay:')) {
    const file = spec.slice('replay:'.length);
    if (file === '') throw badInput('--model replay:<file> needs a cassette file, e.g. replay:test/fixtures/cassettes/demo.json');
    let contents: string;
    try {
      contents = await options.readFile(file);
    } catch (caught) {
      throw badInput(`cannot read cassette ${file}: ${caught instanceof Error ? caught.message : String(caught)}`, [
        'Check the path after "replay:" (relative to the working directory), or record one with --record.',
      ]);
    }
    return createReplayModel(file, contents);
  }
  throw badInput(`unknown model "${spec}"`, ['--model takes one of: offline, anthropic, replay:<cassette.json>.']);
}

export { createAnthropicModel } from './anthropic.js';
export { createOfflineModel, OFFLINE_MODEL_ID } from './offline.js';
export { createReplayModel, withRecording, parseCassette, CASSETTE_FORMAT } from './replay.js';
export type { Cassette, CassetteEntry, RecordingModel } from './replay.js';
export { PRICES, PRICES_AS_OF, priceFor, costOf } from './prices.js';
