// Replay Model: serves outputs by task key from a cassette; withRecording() writes such cassettes.
import type { Json } from '../../core/canonical.js';
import { badInput, ErrorCode, IdeaMineError } from '../../core/errors.js';
import { validateAgainst } from '../../core/validate.js';
import type { Clock } from '../../ports/clock.js';
import type { Model, ModelRequest, ModelResult, Usage } from '../../ports/model.js';

export const CASSETTE_FORMAT = 'ideamine-cassette/1';

export interface CassetteEntry {
  readonly output: Json;
  readonly usage: Usage | null;
  readonly costUsd: number | null;
}

export interface Cassette {
  readonly format: typeof CASSETTE_FORMAT;
  /** "recorded" only when written by --record against the real API; hand-written cassettes are "synthetic". */
  readonly provenance: 'recorded' | 'synthetic';
  readonly modelId: string;
  readonly recordedAt?: string;
  readonly entries: Readonly<Record<string, CassetteEntry>>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const USAGE_KEYS = ['inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheWriteTokens'] as const;

/** Checks a cassette's shape; every problem names the file and the field. */
export function parseCassette(file: string, contents: string): Cassette {
  let data: unknown;
  try {
    data = JSON.parse(contents);
  } catch (caught) {
    throw badInput(`${file}: not JSON (${caught instanceof Error ? caught.message : String(caught)})`);
  }
  const problems: string[] = [];
  if (!isRecord(data)) throw badInput(`${file}: a cassette is a JSON object`);
  if (data.format !== CASSETTE_FORMAT) problems.push(`format: must be "${CASSETTE_FORMAT}"`);
  if (data.provenance !== 'recorded' && data.provenance !== 'synthetic') problems.push('provenance: must be "recorded" or "synthetic"');
  if (typeof data.modelId !== 'string' || data.modelId === '') problems.push('modelId: must be a non-empty string');
  if (data.recordedAt !== undefined && typeof data.recordedAt !== 'string') problems.push('recordedAt: must be an ISO date string');
  if (!isRecord(data.entries)) problems.push('entries: must be an object keyed by task key');
  else {
    for (const [key, entry] of Object.entries(data.entries)) {
      if (!isRecord(entry) || !('output' in entry)) problems.push(`entries.${key}: needs "output", "usage" and "costUsd"`);
      else {
        const u = entry.usage;
        if (u !== null && !(isRecord(u) && USAGE_KEYS.every((k) => typeof u[k] === 'number'))) {
          problems.push(`entries.${key}.usage: null or { ${USAGE_KEYS.join(', ')} } as numbers`);
        }
        if (entry.costUsd !== null && typeof entry.costUsd !== 'number') problems.push(`entries.${key}.costUsd: a number or null`);
      }
    }
  }
  if (problems.length > 0) throw badInput(`${file}: not a valid cassette`, problems);
  return data as unknown as Cassette;
}

export function createReplayModel(file: string, contents: string): Model {
  const cassette = parseCassette(file, contents);
  const provenance = cassette.provenance === 'recorded' && cassette.recordedAt !== undefined ? 'replay-recorded' : 'replay-synthetic';
  return {
    id: cassette.modelId,
    provenance,
    canJudge: true,
    estimateUsd: () => 0,
    // Errors arrive as rejections, as from any other adapter.
    generate: (request: ModelRequest, signal?: AbortSignal): Promise<ModelResult> => Promise.resolve().then(() => serve(request, signal)),
  };

  function serve(request: ModelRequest, signal?: AbortSignal): ModelResult {
    signal?.throwIfAborted();
    const entry = Object.hasOwn(cassette.entries, request.taskKey) ? cassette.entries[request.taskKey] : undefined;
    if (entry === undefined) {
      throw new IdeaMineError(ErrorCode.model, `${file} has no entry for task ${request.taskKey} (${request.outputName})`, {
        details: [
          'The prompt, schema, model or upstream artifacts changed since the cassette was written, so the task key differs.',
          `Record it again against the API: run with --model anthropic --record (and ANTHROPIC_API_KEY set) to write a new ${file}.`,
        ],
      });
    }
    const errors = validateAgainst(request.outputSchema, entry.output);
    if (errors.length > 0) {
      throw new IdeaMineError(ErrorCode.model, `${file}: entry ${request.taskKey} does not match the ${request.outputName} schema`, { details: errors });
    }
    return {
      output: entry.output,
      usage: entry.usage,
      costUsd: entry.costUsd,
      attempts: [{ attempt: 1, outcome: 'ok', usage: entry.usage, costUsd: entry.costUsd, ms: 0 }],
      provenance,
    };
  }
}

export interface RecordingModel extends Model {
  /** The cassette so far, ready to write with prettyJson. */
  cassette(): Cassette;
}

export interface RecordingOptions {
  readonly clock?: Clock;
  /** False when the wrapped model talks to something other than Anthropic's API (ANTHROPIC_BASE_URL set). */
  readonly realApi?: boolean;
  /** Called after each recorded entry, e.g. to save the cassette as the run goes. */
  readonly onRecord?: (cassette: Cassette) => void | Promise<void>;
}

/** Wraps a model and keeps each successful result; only a wrapped real API call makes a "recorded" cassette. */
export function withRecording(model: Model, sink: RecordingOptions = {}): RecordingModel {
  const entries: Record<string, CassetteEntry> = {};
  const now = (): string => (sink.clock?.now() ?? new Date()).toISOString();
  // Only a recording of the real API may be called recorded (not one against a stand-in or proxy).
  const recorded = model.provenance === 'anthropic' && (sink.realApi ?? true);
  const cassette = (): Cassette => ({
    format: CASSETTE_FORMAT,
    provenance: recorded ? 'recorded' : 'synthetic',
    modelId: model.id,
    ...(recorded ? { recordedAt: now() } : {}),
    entries: { ...entries },
  });
  return {
    id: model.id,
    provenance: model.provenance,
    canJudge: model.canJudge,
    estimateUsd: (request) => model.estimateUsd(request),
    async generate(request, signal) {
      const result = await model.generate(request, signal);
      entries[request.taskKey] = { output: result.output, usage: result.usage, costUsd: result.costUsd };
      await sink.onRecord?.(cassette());
      return result;
    },
    cassette,
  };
}
