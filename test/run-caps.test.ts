// The pure policies behind the dispatcher's caps: the retry backoff of an idea whose runs keep failing.
import { describe, expect, it } from 'vitest';
import { BACKOFF_AFTER_FAILURES, retryBackoff, type RunRecord } from '../src/core/run-caps.js';

const at = (minutes: number): string => new Date(Date.UTC(2026, 10, 24, 12, 0) + minutes * 60_000).toISOString();
const failed = (minutes: number, conclusion = 'failure'): RunRecord => ({ status: 'completed', conclusion, createdAt: at(minutes) });
const now = new Date(at(10));

describe('retryBackoff', () => {
  it('starts again below the threshold, or after a success, or while the latest run is still going', () => {
    expect(BACKOFF_AFTER_FAILURES).toBe(2);
    expect(retryBackoff([], now)).toBeNull();
    expect(retryBackoff([failed(0)], now)).toBeNull();
    expect(retryBackoff([failed(0), { status: 'completed', conclusion: 'success', createdAt: at(-5) }], now)).toBeNull();
    expect(retryBackoff([{ status: 'completed', conclusion: 'success', createdAt: at(5) }, failed(0), failed(-5)], now)).toBeNull();
    expect(retryBackoff([{ status: 'in_progress', conclusion: null, createdAt: at(5) }, failed(0), failed(-5)], now)).toBeNull();
  });

  it('waits 30 minutes from the latest failed run after two in a row, doubling with each more, at most a day', () => {
    expect(retryBackoff([failed(-5), failed(0, 'timed_out')], now)).toEqual({ failures: 2, until: new Date(at(30)) });
    expect(retryBackoff([failed(-10), failed(-5, 'cancelled'), failed(0)], now)).toEqual({ failures: 3, until: new Date(at(60)) });
    const many = Array.from({ length: 12 }, (_, i) => failed(-i));
    expect(retryBackoff(many, now)).toEqual({ failures: 12, until: new Date(at(24 * 60)) });
    expect(retryBackoff([failed(-60), failed(-40)], now), 'the wait has passed').toBeNull();
  });
});
