// `command: phase`: reconciles one phase of one idea's run on the pushed state branch; a failed gate opens a PR.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as core from '@actions/core';
import { createGitStore } from '../../../src/adapters/store/git.js';
import { withRemote } from '../../../src/adapters/store/remote.js';
import { gateFileMarkdown, gateFilePath, gatePrBody, gateTitle, type GatePrContent } from '../../../src/core/gate-pr.js';
import type { GateResult } from '../../../src/core/gate-types.js';
import type { LoadedIdea } from '../../../src/core/idea.js';
import { recordedGateOf } from '../../../src/core/run-state.js';
import { loadIdeaFile } from '../../../src/engine/bundle.js';
import { type RunOutcome } from '../../../src/engine/run.js';
import type { Forge } from '../../../src/ports/forge.js';
import { type ActionOptions } from '../options.js';
import { writePhaseSummary } from '../summary.js';
import { forgeFor, type CommandResult } from './dispatch.js';
import { runScoped } from './engine-run.js';

const IDEA_EXTENSIONS = ['yaml', 'yml', 'md'] as const;

/** ideas/<slug>.yaml, .yml or .md in the checkout; null when the idea is gone (deleted since the dispatch). */
export function findIdeaFile(workspace: string, slug: string): string | null {
  for (const ext of IDEA_EXTENSIONS) if (existsSync(join(workspace, 'ideas', `${slug}.${ext}`))) return `ideas/${slug}.${ext}`;
  return null;
}

/** Opens (or updates) the gate PR for a blocked phase; returns its URL. */
async function openGatePr(forge: Forge, options: ActionOptions, idea: LoadedIdea, outcome: RunOutcome, gate: GateResult, attempt: number): Promise<string> {
  const content: GatePrContent = {
    marker: { slug: idea.slug, phase: options.phase, runId: outcome.runId, attempt },
    ideaName: idea.idea.name, gate, allowSelfWaiver: options.allowSelfWaiver, waiverExpiry: null,
  };
  const result = await forge.findOrCreateGatePr({
    marker: content.marker, title: gateTitle(options.phase, idea.idea.name), body: gatePrBody(content),
    file: { path: gateFilePath(idea.slug, options.phase), content: gateFileMarkdown(content) },
  });
  core.info(`Gate pull request ${result.action}: ${result.pr.url}`);
  return result.pr.url;
}

/** A phase that now passes (or was waived) no longer needs its gate PR: close it, saying why. */
async function closeStaleGatePrs(forge: Forge, options: ActionOptions, outcome: RunOutcome): Promise<string[]> {
  const status = outcome.state.phases[options.phase]?.status ?? 'pending';
  const open = (await forge.listGatePrs()).filter((pr) => pr.marker?.slug === options.slug && pr.marker.phase === options.phase);
  for (const pr of open) {
    await forge.closeGatePr(pr.number, `Phase \`${options.phase}\` of run \`${outcome.runId}\` is now ${status}; this gate pull request is no longer needed. ${options.runUrl}`);
    core.info(`Closed gate pull request #${pr.number}: the phase is ${status}.`);
  }
  return open.map((pr) => `Closed the earlier gate pull request #${pr.number}.`);
}

export async function phaseCommand(options: ActionOptions, signal: AbortSignal): Promise<CommandResult> {
  const file = findIdeaFile(options.workspace, options.slug);
  if (file === null) {
    const note = `ideas/${options.slug}.yaml (or .yml, .md) is not in this checkout: nothing to do for ${options.phase}.`;
    core.info(note);
    await writePhaseSummary({ slug: options.slug, phase: options.phase, runId: '', status: 'nothing-due', phaseState: null, gate: null, forgeRequests: 0, prUrl: null, notes: [note] });
    return { status: 'nothing-due', runId: '', failure: null };
  }
  const idea = await loadIdeaFile(options.workspace, file);
  const store = withRemote(await createGitStore({ repoDir: options.workspace }), { repoDir: options.workspace });
  try {
    await store.pull(idea.slug);
    const outcome = await runScoped(options, store, idea, signal, { kind: 'phase', phase: options.phase });
    const phaseState = outcome.state.phases[options.phase] ?? null;
    const prToken = options.prToken ?? options.githubToken;
    const forge = forgeFor(options, prToken);
    const notes: string[] = [];
    if (!options.prToken) notes.push('Gate pull requests use GITHUB_TOKEN: required checks will not run on them (set `pr-token` to an App or PAT token for that).');
    let status: string;
    let failure: string | null = null;
    let prUrl: string | null = null;
    let gate: GateResult | null = null;
    if (outcome.status === 'blocked') {
      const blocked = outcome.blocked.find((b) => b.phase === options.phase);
      gate = blocked?.gate ?? null;
      status = 'blocked';
      if (blocked && gate) {
        prUrl = await openGatePr(forge, options, idea, outcome, gate, blocked.attempts);
        failure = `Gate failed for ${options.phase} of ${outcome.runId} after ${blocked.attempts} attempt(s); review the gate pull request: ${prUrl}`;
      } else {
        failure = `Phase ${options.phase} of ${outcome.runId} is blocked (${blocked?.reason ?? 'unknown'}): ${blocked?.summary ?? ''}`;
      }
    } else if (outcome.status === 'paused' && outcome.timer) {
      // Not a failure: the timer is durable on the state branch and the scheduled tick re-dispatches the run once it is due.
      status = 'paused';
      const t = outcome.timer;
      notes.push(`Paused (${t.reason}${t.phase ? ` in ${t.phase}` : ''}): not before ${t.notBefore}. Finished work is saved on the state branch; the scheduled tick re-dispatches the run then (timer ${t.id}).`);
    } else if (outcome.status === 'waiting') {
      status = 'nothing-due';
      notes.push(`Phase ${options.phase} is not due yet: the phases it needs have not passed.`);
    } else {
      status = 'done';
      gate = recordedGateOf(outcome.ledger, options.phase);
      notes.push(...(await closeStaleGatePrs(forge, options, outcome)));
    }
    core.info(`Run ${outcome.runId}: ${options.phase} ${phaseState?.status ?? 'pending'} → ${status}`);
    await writePhaseSummary({ slug: idea.slug, phase: options.phase, runId: outcome.runId, status, phaseState, gate, forgeRequests: forge.stats.requests, prUrl, notes });
    return { status, runId: outcome.runId, failure };
  } finally {
    await store.close();
  }
}
