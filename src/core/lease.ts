// Lease rules: one owner per run; a dead or expired owner is replaced with a higher epoch (fencing).
import type { LeaseState } from './run-state.js';

export const LEASE_TTL_MS = 10 * 60 * 1000;

export type LeaseDecision =
  | { readonly action: 'acquire'; readonly epoch: number; readonly takeover: string | null }
  | { readonly action: 'refuse'; readonly message: string };

/**
 * Decides whether `owner` may take the run. `holderAlive` is what the caller could learn about the
 * current holder's process: false (dead, same host), true (alive) or 'unknown' (another host).
 */
export function decideLease(
  current: LeaseState | null,
  owner: string,
  now: Date,
  holderAlive: boolean | 'unknown',
): LeaseDecision {
  if (!current) return { action: 'acquire', epoch: 1, takeover: null };
  const next = current.epoch + 1;
  if (current.owner === owner) return { action: 'acquire', epoch: next, takeover: null };
  const expired = Date.parse(current.expiresAt) <= now.getTime();
  if (expired) return { action: 'acquire', epoch: next, takeover: `lease of ${current.owner} expired at ${current.expiresAt}` };
  if (holderAlive === false) return { action: 'acquire', epoch: next, takeover: `previous owner ${current.owner} is no longer running` };
  return {
    action: 'refuse',
    message: `run is held by ${current.owner} (epoch ${current.epoch}) until ${current.expiresAt}; wait for it to finish, or run again after the lease expires`,
  };
}

/** Owner ids look like "host/pid/nonce"; the host and pid let a same-host caller check liveness. */
export function parseOwner(owner: string): { host: string; pid: number } | null {
  const match = /^(.+)\/(\d+)\/[0-9a-z]+$/.exec(owner);
  return match?.[1] && match[2] ? { host: match[1], pid: Number(match[2]) } : null;
}
