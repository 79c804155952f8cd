// Retry policy for model calls: which failures are worth another attempt, and how long to wait first.
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import type { Clock } from '../../ports/clock.js';

export interface Failure {
  readonly retryable: boolean;
  readonly aborted: boolean;
  readonly status?: number;
  readonly message: string;
  /** Server-requested wait (retry-after-ms or retry-after), when given. */
  readonly retryAfterMs?: number;
}

export interface BackoffPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
  /** Upper bound on a server-requested wait, so a bad header cannot park a run for hours. */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 30_000, maxRetryAfterMs: 120_000 };

const RETRYABLE_STATUS = new Set([408, 409, 429, 529]);

/** Reads retry-after-ms (milliseconds) or retry-after (seconds or an HTTP date). */
export function retryAfterMs(headers: Headers | undefined, now: Date): number | undefined {
  const ms = headers?.get('retry-after-ms');
  if (ms && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Number(ms);
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

export function classify(error: unknown, now: Date): Failure {
  if (error instanceof APIUserAbortError) return { retryable: false, aborted: true, message: 'aborted by the caller' };
  if (error instanceof APIConnectionTimeoutError) return { retryable: true, aborted: false, message: 'timed out' };
  if (error instanceof APIConnectionError) {
    return { retryable: true, aborted: false, message: `connection error: ${causeText(error)}` };
  }
  if (error instanceof APIError && typeof error.status === 'number') {
    const status = error.status;
    const headers = error.headers instanceof Headers ? error.headers : undefined;
    const hint = headers?.get('x-should-retry');
    const retryable = hint === 'true' ? true : hint === 'false' ? false : RETRYABLE_STATUS.has(status) || status >= 500;
    const after = retryAfterMs(headers, now);
    return { retryable, aborted: false, status, message: `HTTP ${status}: ${error.apiMessage ?? error.message}`, ...(after === undefined ? {} : { retryAfterMs: after }) };
  }
  // A body that is not JSON (SyntaxError) or a cut-off stream: the server may well answer properly next time.
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { retryable: true, aborted: false, message: `malformed response: ${message}` };
}

function causeText(error: Error): string {
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}

/** Exponential backoff with full jitter; a server-requested wait is honoured as a lower bound. */
export function backoffMs(retry: number, failure: Failure, policy: BackoffPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, retry - 1));
  const jitter = Math.floor(random() * ceiling);
  if (failure.retryAfterMs === undefined) return jitter;
  return Math.max(jitter, Math.min(failure.retryAfterMs, policy.maxRetryAfterMs));
}

/** The real clock: wall time and an abortable sleep. */
export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
        return;
      }
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};
