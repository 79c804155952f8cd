// Model factory: turns the --model spec ("offline", "anthropic", "replay:<file>") into a Model.
import { badInput } from '../../core/errors.js';
import type { Model } from '../../ports/model.js';
import { createAnthropicModel, type AnthropicModelOptions } from './anthropic.js';
import { createOfflineModel } from './offline.js';
import { createReplayModel } from './replay.js';

/** The current Sonnet (Claude Sonnet 5.5, released 2026-09-28); pin another with --model-id. */
export const DEFAULT_ANTHROPIC_MODEL = 'claude-sonnet-5-5';

export interface ModelEnv {
  readonly ANTHROPIC_API_KEY?: string;
  readonly ANTHROPIC_BASE_URL?: string;
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
