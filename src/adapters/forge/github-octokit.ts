// Octokit composed with throttling, retry and a request counter: the one client the GitHub forge uses.
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import Bottleneck from 'bottleneck/light.js';

export interface PacingOptions {
  /** Gap between writes (POST/PATCH/PUT/DELETE). GitHub asks for at least a second. */
  readonly writeGapMs?: number;
  /** Gap between writes that notify people (PRs, comments); GitHub's guidance is ~3 s. */
  readonly notifyGapMs?: number;
  /** Multiplies retry-after seconds and retry backoff (1000 = real seconds; tests use 1). */
  readonly retryUnitMs?: number;
  /** Retries after a primary or secondary rate limit, per request. */
  readonly rateLimitRetries?: number;
  /** A rate limit that resets later than this is not waited for (the job fails, retryable). */
  readonly maxWaitSeconds?: number;
  /** Retries after a 5xx or network error, per request. */
  readonly serverErrorRetries?: number;
}

/** Counters shared with the forge; mutated only by the counting plugin. */
export interface MutableStats {
  requests: number;
  byRoute: Record<string, number>;
}

type CountingOptions = { readonly ideamineStats?: MutableStats };

/**
 * Listed before throttling and retry, its hook is registered first and so sits innermost:
 * it sees each HTTP attempt, retries included, which is what the quota counts.
 */
function countRequests(octokit: Octokit, options: CountingOptions): Record<string, never> {
  const stats = options.ideamineStats;
  if (stats) {
    octokit.hook.before('request', (request) => {
      const key = `${request.method} ${request.url}`;
      stats.requests += 1;
      stats.byRoute[key] = (stats.byRoute[key] ?? 0) + 1;
    });
  }
  return {};
}

const ForgeOctokit = Octokit.plugin(countRequests as never, throttling, retry);
export type ForgeOctokit = InstanceType<typeof ForgeOctokit>;

export interface ClientOptions {
  readonly token: string;
  readonly baseUrl: string;
  readonly fetch?: typeof globalThis.fetch;
  readonly pacing?: PacingOptions;
  readonly userAgent?: string;
  readonly warn?: (message: string) => void;
}

export function createClient(options: ClientOptions, stats: MutableStats): ForgeOctokit {
  const pacing = options.pacing ?? {};
  const unit = pacing.retryUnitMs ?? 1000;
  const limitRetries = pacing.rateLimitRetries ?? 2;
  const maxWait = pacing.maxWaitSeconds ?? 120;
  const warn = options.warn ?? (() => undefined);
  const onLimit = (kind: string) => (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number): boolean => {
    const again = retryCount < limitRetries && retryAfter <= maxWait;
    warn(`GitHub ${kind} rate limit on ${request.method} ${request.url}: ${again ? `retrying in ${retryAfter}s` : 'giving up'}`);
    return again;
  };
  // Groups of our own per client: the plugin's defaults are process-wide and fixed at 1 s / 3 s.
  const group = (minTime: number): Bottleneck.Group => new Bottleneck.Group({ maxConcurrent: 1, minTime });
  return new ForgeOctokit({
    auth: options.token,
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    userAgent: options.userAgent ?? 'ideamine',
    ideamineStats: stats,
    request: { ...(options.fetch ? { fetch: options.fetch } : {}) },
    log: { debug: () => undefined, info: () => undefined, warn: (m: string) => warn(m), error: (m: string) => warn(m) },
    throttle: {
      id: `ideamine-${Math.random().toString(36).slice(2)}`,
      write: group(pacing.writeGapMs ?? 1000),
      notifications: group(pacing.notifyGapMs ?? 3000),
      retryAfterBaseValue: unit,
      fallbackSecondaryRateRetryAfter: 60,
      onRateLimit: onLimit('primary'),
      onSecondaryRateLimit: onLimit('secondary'),
    },
    retry: { retries: pacing.serverErrorRetries ?? 3, retryAfterBaseValue: unit },
  });
}
