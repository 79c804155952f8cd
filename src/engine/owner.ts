// Lease owner ids ("host/pid/nonce") and a same-host liveness check for a previous holder.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { parseOwner } from '../core/lease.js';

const nonce = randomBytes(4).toString('hex');

export const ownerId = (): string => `${hostname()}/${process.pid}/${nonce}`;

/** false when the holder was a process on this host that no longer exists; 'unknown' otherwise. */
export function holderAlive(owner: string): boolean | 'unknown' {
  const parsed = parseOwner(owner);
  if (!parsed || parsed.host !== hostname()) return 'unknown';
  if (parsed.pid === process.pid) return owner === ownerId();
  try {
    process.kill(parsed.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
