// `waive`: records a human waiver for a blocked phase in the run's ledger.
import { parseDuration } from '../core/budget.js';
import { badInput, ErrorCode, IdeaMineError } from '../core/errors.js';
import { decideLease } from '../core/lease.js';
import type { Clock } from '../ports/clock.js';
import type { StateStore } from '../ports/store.js';
import { holderAlive, ownerId } from './owner.js';
import { RunSession } from './session.js';
import { requireRun } from './verify.js';

export interface WaiveInput {
  readonly runId: string;
  readonly phase: string;
  readonly justification: string;
  readonly by: string;
  readonly expires?: string;
  readonly control?: string;
}

export async function waive(store: StateStore, clock: Clock, scrub: (t: string) => string, input: WaiveInput): Promise<{ expiresAt: string | null }> {
  const { slug } = await requireRun(store, input.runId);
  const session = await RunSession.open({ store, clock, scrub }, slug, input.runId);
  if (!session) throw new IdeaMineError(ErrorCode.notFound, `run "${input.runId}" does not exist`);
  const state = session.state;
  const phase = state.phases[input.phase];
  if (!phase) throw badInput(`--phase: "${input.phase}" is not a phase of run ${input.runId}`, [`Phases: ${Object.keys(state.phases).join(', ')}`]);
  if (phase.status !== 'blocked') {
    throw badInput(`phase "${input.phase}" of ${input.runId} is ${phase.status}, not blocked: there is nothing to waive`);
  }
  if (input.justification.trim().length < 10) throw badInput('--justification: say why the gate may be waived (at least 10 characters)');
  if (input.by.trim() === '') throw badInput('--by: name the person granting the waiver');
  let expiresAt: string | null = null;
  if (input.expires !== undefined) {
    const ms = parseDuration(input.expires);
    if (ms === null) throw badInput(`--expires: "${input.expires}" is not a duration; use e.g. 30d, 12h or 90m`);
    expiresAt = new Date(clock.now().getTime() + ms).toISOString();
  }
  const decision = decideLease(state.leases, 'run', ownerId(), clock.now(), holderAlive);
  if (decision.action === 'refuse') throw new IdeaMineError(ErrorCode.leaseHeld, `${input.runId}: ${decision.message}`);
  await session.record([{
    type: 'waiver.granted', phase: input.phase,
    data: { phase: input.phase, by: input.by.slice(0, 200), justification: input.justification.slice(0, 4000), control: input.control?.slice(0, 2000) ?? null, expiresAt, source: 'cli', reason: phase.blockedReason ?? 'gate' },
  }]);
  return { expiresAt };
}
