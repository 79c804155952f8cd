// What a running phase needs: the session, the ports, the bundle and the run's artifacts so far.
import type { Json } from '../core/canonical.js';
import type { LoadedIdea } from '../core/idea.js';
import type { Clock } from '../ports/clock.js';
import type { Model } from '../ports/model.js';
import type { StateStore } from '../ports/store.js';
import type { Telemetry } from '../ports/telemetry.js';
import type { Bundle } from './bundle.js';
import type { RunSession } from './session.js';

export interface EngineContext {
  readonly session: RunSession;
  readonly store: StateStore;
  readonly model: Model;
  readonly clock: Clock;
  readonly telemetry: Telemetry;
  readonly bundle: Bundle;
  readonly idea: LoadedIdea;
  readonly owner: string;
  readonly concurrency: number;
  /** --fresh: do not reuse finished task outputs from the content-addressed store. */
  readonly fresh: boolean;
  readonly log: (line: string) => void;
  /** Every artifact produced so far in this run, by name. */
  readonly artifacts: Record<string, Json>;
  /** Estimates reserved by model calls in flight. */
  readonly reserved: { usd: number; tokens: number };
  /** Phases whose budget a waiver lifted. */
  readonly budgetWaived: Set<string>;
  /** Set when SIGTERM/SIGINT asks the run to stop at the next safe point. */
  readonly stopSignal: AbortSignal;
}
