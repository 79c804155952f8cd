// Model port: a system prompt, messages and an output schema in; validated output and usage out.
import type { Json } from '../core/canonical.js';

export interface Usage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheWriteTokens: number;
}

export interface ModelRequest {
  /** The task key (SHA-256 of everything that determines the output). */
  readonly taskKey: string;
  readonly system: string;
  readonly messages: readonly { readonly role: 'user' | 'assistant'; readonly content: string }[];
  /** Name of the output (tool name for the API, artifact name for people). */
  readonly outputName: string;
  readonly outputSchema: Json;
  readonly maxTokens: number;
  readonly temperature: number;
  /** Upper bound on seconds for one attempt. */
  readonly timeoutSeconds: number;
  /** Attempts allowed beyond the first (our policy, not the SDK's). */
  readonly retries: number;
}

/** One call to the provider, successful or not: each becomes a ledger entry. */
export interface AttemptRecord {
  readonly attempt: number;
  readonly outcome: 'ok' | 'invalid-output' | 'error';
  readonly error?: string;
  readonly status?: number;
  readonly usage: Usage | null;
  readonly costUsd: number | null;
  readonly ms: number;
}

export const PROVENANCES = ['offline', 'anthropic', 'replay-recorded', 'replay-synthetic'] as const;
export type Provenance = (typeof PROVENANCES)[number];

export interface ModelResult {
  readonly output: Json;
  /** Summed over attempts; null when the model does not measure tokens (offline). */
  readonly usage: Usage | null;
  readonly costUsd: number | null;
  readonly attempts: readonly AttemptRecord[];
  readonly provenance: Provenance;
}

export interface Model {
  /** Model snapshot id: part of the run id and of every task key. */
  readonly id: string;
  readonly provenance: Provenance;
  /** False for the offline drafter: judged metrics are then "not judged". */
  readonly canJudge: boolean;
  generate(request: ModelRequest, signal?: AbortSignal): Promise<ModelResult>;
  /** Upper-bound cost in USD of a request, for budget reservation; null when unmeasured. */
  estimateUsd(request: ModelRequest): number | null;
}

/** Thrown by adapters after their retries; attempts carry what was paid. */
export class ModelCallError extends Error {
  override readonly name = 'ModelCallError';
  constructor(
    message: string,
    readonly attempts: readonly AttemptRecord[],
    readonly circuitOpen = false,
    /** With circuitOpen: when the provider may be asked again (the breaker's cooldown ends). */
    readonly notBefore: Date | null = null,
  ) {
    super(message);
  }
}
