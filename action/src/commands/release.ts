// `command: release`: completes a run whose phases all passed or were waived and commits its dossier to the repository.
import * as core from '@actions/core';
import { createGitStore } from '../../../src/adapters/store/git.js';
import { withRemote } from '../../../src/adapters/store/remote.js';
import { scrub } from '../../../src/core/scrub.js';
import { loadIdeaFile } from '../../../src/engine/bundle.js';
import { completedLedgerHead, dossierCommitMessage, dossierPaths, storedDossierPaths } from '../../../src/engine/complete.js';
import type { ForgeCommitResult } from '../../../src/ports/forge.js';
import { type ActionOptions } from '../options.js';
import { forgeFor, type CommandResult } from './dispatch.js';
import { jobSecrets, runScoped } from './engine-run.js';
import { findIdeaFile } from './phase.js';

/** Where the dossier goes when the default branch refuses the commit (branch protection). */
export const releaseBranch = (slug: string): string => `ideamine-release/${slug}`;

async function finish(status: string, runId: string, notes: readonly string[], requests: number): Promise<CommandResult> {
  for (const note of notes) core.info(note);
  await core.summary.addHeading(`IdeaMine release: ${status}`, 3).addList([...notes]).addRaw(`GitHub API requests: ${requests}\n`).write();
  return { status, runId, failure: null };
}

export async function releaseCommand(options: ActionOptions, signal: AbortSignal): Promise<CommandResult> {
  const file = findIdeaFile(options.workspace, options.slug);
  if (file === null) return finish('nothing-due', '', [`ideas/${options.slug}.yaml (or .yml, .md) is not in this checkout: nothing to release.`], 0);
  const idea = await loadIdeaFile(options.workspace, file);
  const secrets = jobSecrets(options);
  const store = withRemote(await createGitStore({ repoDir: options.workspace }), { repoDir: options.workspace });
  try {
    await store.pull(idea.slug);
    const outcome = await runScoped(options, store, idea, signal, { kind: 'release' });
    if (outcome.status !== 'completed') {
      const open = Object.entries(outcome.state.phases).filter(([, p]) => p.status !== 'passed' && p.status !== 'waived').map(([id]) => id);
      return finish('nothing-due', outcome.runId, [`Run ${outcome.runId} is not ready to release: ${open.join(', ')} not passed or waived yet.`], 0);
    }
    const where = storedDossierPaths(outcome.runId);
    const stored = await store.read(idea.slug, [where.md, where.json]);
    const md = stored.get(where.md);
    const json = stored.get(where.json);
    if (md === undefined || md === null || json === undefined || json === null) {
      return finish('nothing-due', outcome.runId, [`Run ${outcome.runId} is complete but its dossier is missing from ${where.json} on ideamine/${idea.slug}.`], 0);
    }
    const paths = dossierPaths(idea.slug);
    const files = [{ path: paths.md, content: scrub(md, secrets) }, { path: paths.json, content: scrub(json, secrets) }];
    const message = dossierCommitMessage(idea.slug, outcome.runId, outcome.state.dossierDigest ?? '', completedLedgerHead(outcome.ledger));
    const forge = forgeFor(options, options.prToken ?? options.githubToken);
    const defaultBranch = (await forge.repoInfo()).defaultBranch;
    const notes: string[] = [];
    let result: ForgeCommitResult = await forge.commitFiles({ branch: defaultBranch, files, message });
    let branch = defaultBranch;
    if (result.kind === 'refused') {
      const refusal = result.reason;
      notes.push(`${defaultBranch} refused the dossier commit (${result.reason}: ${result.message}).`);
      branch = releaseBranch(idea.slug);
      result = await forge.commitFiles({ branch, files, message });
      if (result.kind === 'refused') {
        return { status: 'failed', runId: outcome.runId, failure: `Cannot commit the release dossier to ${defaultBranch} or ${branch}: ${result.reason}: ${result.message}` };
      }
      const pr = await forge.findOrCreatePr({
        head: branch, title: `Release dossier: ${idea.idea.name}`,
        body: [
          `${defaultBranch} refused IdeaMine's direct commit of the release dossier (${refusal}), so it is proposed here.`,
          '', `Run \`${outcome.runId}\`: merging adds \`${paths.md}\` and \`${paths.json}\` (which carries the ledger head hash).`,
        ].join('\n'),
      });
      notes.push(pr.action === 'created'
        ? `Opened pull request #${pr.number} (${pr.url}) with the dossier from ${branch} into ${defaultBranch}: merge it to publish the dossier.`
        : `Pull request #${pr.number} (${pr.url}) already proposes the dossier from ${branch} into ${defaultBranch}: merge it to publish the dossier.`);
    }
    notes.push(result.kind === 'unchanged'
      ? `The dossier on ${branch} is already up to date (${result.commit}).`
      : `Committed ${paths.md} and ${paths.json} to ${branch} (${result.commit}).`);
    return finish('done', outcome.runId, notes, forge.stats.requests);
  } finally {
    await store.close();
  }
}
