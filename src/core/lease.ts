// Lease rules: one owner per run; a dead or expired owner is replaced with a higher epoch (fencing).
import type { LeaseState } from './run-state.js';

/**
 * The lease that stands in the way of `scope`: its own previous holder first; a whole-run driver
 * also conflicts with any phase job, and a phase job with a whole-run driver.
 */
export function relevantLease(leases: Readonly<Record<string, LeaseState>>, scope: string, owner: string, now: Date): LeaseState | null {
  const live = (l: LeaseState | undefined): l is LeaseState => l !== undefined && l.owner !== owner && Date.parse(l.expiresAt) > now.getTime();
  const own = leases[scope];
  if (live(own)) return own;
  const others = scope === 'run' ? Object.values(leases).filter((l) => l.scope !== 'run') : [leases['run']];
  return others.find(live) ?? own ?? null;
}

/** The next epoch for a scope: strictly above every epoch that scope has seen. */
export const nextEpoch = (leases: Readonly<Record<string, LeaseState>>, scope: string): number => (leases[scope]?.epoch ?? 0) + 1;

export const LEASE_TTL_MS = 10 * 60 * 1000;

export type LeaseDecision =
  | { readonly action: 'acquire'; readonly epoch: number; readonly takeover: string | null }
  | { readonly action: 'refuse'; readonly message: string };

/**
 * Decides whether `owner` may take `scope` of the run. `holderAlive` says what the caller could learn
 * about a holder's process: false (dead, same host), true (alive) or 'unknown' (another host).
 */
export function decideLease(
  leases: Readonly<Record<string, LeaseState>>,
  scope: string,
  owner: string,
  now: Date,
  holderAlive: (owner: string) => boolean | 'unknown',
): LeaseDecision {
  const epoch = nextEpoch(leases, scope);
  const blocking = relevantLease(leases, scope, owner, now);
  if (!blocking || blocking.owner === owner) return { action: 'acquire', epoch, takeover: null };
  if (Date.parse(blocking.expiresAt) <= now.getTime()) return { action: 'acquire', epoch, takeover: `lease of ${blocking.owner} expired at ${blocking.expiresAt}` };
  if (holderAlive(blocking.owner) === false) return { action: 'acquire', epoch, takeover: `previous owner ${blocking.owner} is no longer running` };
  return {
    action: 'refuse',
    message: `${blocking.scope === 'run' ? 'the run' : blocking.scope.replace('phase:', 'phase ')} is held by ${blocking.owner} (epoch ${blocking.epoch}) until ${blocking.expiresAt}; wait for it to finish, or run again after the lease expires`,
  };
}

/** Owner ids look like "host/pid/nonce"; the host and pid let a same-host caller check liveness. */
export function parseOwner(owner: string): { host: string; pid: number } | null {
  const match = /^(.+)\/(\d+)\/[0-9a-z]+$/.exec(owner);
  return match?.[1] && match[2] ? { host: match[1], pid: Number(match[2]) } : null;
}
