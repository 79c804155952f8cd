// Circuit breaker: after N consecutive failed requests stop calling the provider until a cooldown passes.
import type { Clock } from '../../ports/clock.js';

export interface BreakerOptions {
  readonly threshold: number;
  readonly cooldownMs: number;
}

export const DEFAULT_BREAKER: BreakerOptions = { threshold: 5, cooldownMs: 60_000 };

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface Breaker {
  /** True when a request may go out now; in half-open state only one probe at a time. */
  tryAcquire(): boolean;
  success(): void;
  failure(): void;
  /** The request ended with no verdict (aborted by the caller): free the half-open probe slot. */
  release(): void;
  state(): BreakerState;
  /** Milliseconds until a probe is allowed (0 unless open). */
  remainingMs(): number;
}

export function createBreaker(options: BreakerOptions, clock: Clock): Breaker {
  let failures = 0;
  let openedAt: number | null = null;
  let probing = false;
  const now = (): number => clock.now().getTime();
  const state = (): BreakerState => {
    if (openedAt === null) return 'closed';
    return now() - openedAt >= options.cooldownMs ? 'half-open' : 'open';
  };
  return {
    tryAcquire() {
      const s = state();
      if (s === 'closed') return true;
      if (s === 'open' || probing) return false;
      probing = true;
      return true;
    },
    success() {
      failures = 0;
      openedAt = null;
      probing = false;
    },
    failure() {
      failures += 1;
      // A failed probe re-opens at once; otherwise open on reaching the threshold.
      if (probing || failures >= options.threshold) openedAt = now();
      probing = false;
    },
    release() {
      probing = false;
    },
    state,
    remainingMs() {
      return openedAt === null ? 0 : Math.max(0, options.cooldownMs - (now() - openedAt));
    },
  };
}
