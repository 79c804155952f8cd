// The offline Model: drafts schema-valid output from the idea with no key and no network.
import { draft, type DraftContext } from '../../core/draft.js';
import { parseDataBlocks } from '../../core/prompt.js';
import type { Model, ModelRequest, ModelResult } from '../../ports/model.js';

export const OFFLINE_MODEL_ID = 'offline-drafter-v1';

/** Reads the idea, upstream artifacts and fan-out item back out of the prompt's data blocks. */
export function draftContextOf(request: ModelRequest): DraftContext {
  const users = request.messages.filter((m) => m.role === 'user');
  const blocks = users.length > 0 ? parseDataBlocks(users[users.length - 1]?.content ?? '') : {};
  const artifacts = blocks.artifacts;
  return {
    idea: blocks.idea ?? null,
    artifacts: artifacts !== null && typeof artifacts === 'object' && !Array.isArray(artifacts) ? (artifacts) : {},
    item: blocks.item ?? null,
  };
}

export function createOfflineModel(): Model {
  return {
    id: OFFLINE_MODEL_ID,
    provenance: 'offline',
    canJudge: false,
    estimateUsd: () => null,
    generate: (request: ModelRequest, signal?: AbortSignal): Promise<ModelResult> =>
      Promise.resolve().then(() => {
        signal?.throwIfAborted();
        const started = performance.now();
        // The task key already hashes everything that determines the output, so it is the natural seed.
        const output = draft(request.outputSchema, draftContextOf(request), request.taskKey);
        return {
          output,
          usage: null,
          costUsd: null,
          attempts: [{ attempt: 1, outcome: 'ok', usage: null, costUsd: null, ms: Math.round(performance.now() - started) }],
          provenance: 'offline',
        };
      }),
  };
}
