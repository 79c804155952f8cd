// `command: tick` (schedule): catches up on gate PR reviews and comments whose events were missed.
import * as core from '@actions/core';
import { createGitStore } from '../../../src/adapters/store/git.js';
import { withRemote } from '../../../src/adapters/store/remote.js';
import type { ActionOptions } from '../options.js';
import { forgeFor, type CommandResult } from './dispatch.js';
import { reviewPr } from './review.js';

/**
 * Only missed reviews are reconciled here; timers, expired waivers, stalled runs and deleted
 * ideas are not handled by tick yet (the summary says so).
 */
export async function tickCommand(options: ActionOptions): Promise<CommandResult> {
  const forge = forgeFor(options, options.prToken ?? options.githubToken);
  const store = withRemote(await createGitStore({ repoDir: options.workspace }), { repoDir: options.workspace });
  const notes: string[] = [];
  let acted = 0;
  try {
    const open = await forge.listGatePrs();
    for (const pr of open) {
      const outcome = await reviewPr(options, forge, store, pr.number);
      if (outcome.status === 'done') acted += 1;
      notes.push(...outcome.notes.map((n) => `#${pr.number}: ${n}`));
    }
    if (open.length === 0) notes.push('No open gate pull requests.');
  } finally {
    await store.close();
  }
  for (const note of notes) core.info(note);
  const status = acted > 0 ? 'done' : 'nothing-due';
  await core.summary.addHeading(`IdeaMine tick: ${status}`, 3).addList(notes)
    .addRaw('Reconciled: missed gate PR reviews. Not reconciled by tick yet: timers, expired waivers, stalled runs, deleted ideas.\n')
    .addRaw(`GitHub API requests: ${forge.stats.requests}\n`).write();
  return { status, runId: '', failure: null };
}
