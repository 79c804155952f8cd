// Run identity: the idea, the bundle, the model and the state format major decide the run id.
import { hashJson } from './canonical.js';

export const STATE_FORMAT_MAJOR = 1;

export function runIdFor(slug: string, ideaHash: string, bundleHash: string, modelId: string): string {
  const digest = hashJson({ idea: ideaHash, bundle: bundleHash, model: modelId, format: STATE_FORMAT_MAJOR });
  return `${slug}-${digest.slice(0, 8)}`;
}

export const RUN_ID_PATTERN = /^([a-z0-9]+(?:-[a-z0-9]+)*)-([0-9a-f]{8})$/;

/** The slug inside a run id ("todo-app-1a2b3c4d" → "todo-app"), or null if it is not a run id. */
export function slugOfRunId(runId: string): string | null {
  const match = RUN_ID_PATTERN.exec(runId);
  return match?.[1] ?? null;
}

export const runDir = (runId: string): string => `.ideamine/runs/${runId}`;
export const casPath = (key: string): string => `.ideamine/cas/${key}.json`;
export const stateBranch = (slug: string): string => `ideamine/${slug}`;
