// `command: review`: turns a counting review or `/ideamine` comment on a gate PR into a waiver or guidance in the ledger.
import { readFile } from 'node:fs/promises';
import * as core from '@actions/core';
import { createGitStore } from '../../../src/adapters/store/git.js';
import { withRemote, type RemoteStore } from '../../../src/adapters/store/remote.js';
import { badInput } from '../../../src/core/errors.js';
import { evaluateReviews, type RefusalReason } from '../../../src/core/human-input.js';
import { systemClock } from '../../../src/adapters/clock/system.js';
import { RunSession } from '../../../src/engine/session.js';
import type { Forge } from '../../../src/ports/forge.js';
import type { ActionOptions } from '../options.js';
import { startRuns } from '../start-runs.js';
import { forgeFor, monthSpend, requestsOf, RUN_WORKFLOW, ACTIONS_BOT, type CommandResult } from './dispatch.js';

const WAIVER_DAYS = 30;
const DAY_MS = 86_400_000;

const REASON_TEXT: Record<RefusalReason, string> = {
  'stale-sha': 'the review is on an older commit than the PR head; review the latest report again',
  'stale-comment': 'the comment predates the latest gate report; comment again',
  permission: 'the reviewer has no write, maintain or admin permission on this repository',
  bot: 'input from bots does not count',
  fork: 'input on a pull request from a fork does not count',
  'self-waiver': 'the idea author may not waive their own gate (set `allow-self-waiver: true` to allow it)',
  empty: 'a waiver or guidance needs a justification text',
};

/** Hidden tag on refusal comments, so a later evaluation does not repeat one. */
const refusalTag = (id: number): string => `<!-- ideamine:refused ${id} -->`;

export interface ReviewOutcome {
  readonly status: 'done' | 'nothing-due';
  readonly runId: string;
  readonly notes: readonly string[];
}

/** The PR number from a pull_request_review or issue_comment payload. */
export async function prNumberFromEvent(options: ActionOptions): Promise<number> {
  if (!options.eventPath) throw badInput('GITHUB_EVENT_PATH is not set: review runs on pull_request_review or issue_comment events');
  const payload = JSON.parse(await readFile(options.eventPath, 'utf8')) as { pull_request?: { number?: number }; issue?: { number?: number; pull_request?: unknown } };
  const n = payload.pull_request?.number ?? (payload.issue?.pull_request ? payload.issue.number : undefined);
  if (typeof n !== 'number') throw badInput(`${options.eventPath}: the event has no pull_request.number (or issue.number of a PR)`, ['Run review on pull_request_review or issue_comment events of gate pull requests.']);
  return n;
}

const ideaAuthorOf = (session: RunSession): string | null => {
  const data = session.ledger[0]?.data as Record<string, unknown> | undefined;
  const author = data?.['ideaAuthor'] ?? data?.['author'];
  return typeof author === 'string' && author !== '' ? author : null;
};

/** Evaluates one gate PR and records what counts; shared by review and tick. */
/**
 * Starts the run workflow again after a recorded decision, under the repository-wide caps, with GITHUB_TOKEN's
 * forge (`actions: write`; a pr-token need not have it). Not skipped when a run is in progress: the concurrency
 * group queues the new one behind it, so the decision is acted on as soon as the idea's current run ends.
 */
export async function resumeRun(options: ActionOptions, api: Forge, slug: string, ref: string): Promise<string> {
  const outcome = await startRuns(options, api, { slugs: [slug], ref, skipActive: false, spent: () => monthSpend(options) });
  if (outcome.started.includes(slug)) return `Started ${RUN_WORKFLOW} on ${ref} for ${slug} to resume the run.`;
  return `${outcome.held.map((h) => h.message).join(' ')} (${slug} is resumed by tick when there is room.)`;
}

/** `forge` reads and comments on the PR (the pr-token's when set); `api` starts runs (GITHUB_TOKEN's). */
export async function reviewPr(options: ActionOptions, forge: Forge, api: Forge, store: RemoteStore, prNumber: number): Promise<ReviewOutcome> {
  const snapshot = await forge.readHumanInput(prNumber);
  const marker = snapshot.pr.marker;
  if (!snapshot.pr.ours || marker === null || snapshot.pr.state !== 'open') {
    return { status: 'nothing-due', runId: '', notes: [`Pull request #${prNumber} is not an open IdeaMine gate pull request.`] };
  }
  await store.pull(marker.slug);
  const session = await RunSession.open({ store, clock: systemClock, scrub: (t) => t }, marker.slug, marker.runId);
  if (!session) return { status: 'nothing-due', runId: marker.runId, notes: [`Run ${marker.runId} has no ledger on ideamine/${marker.slug}.`] };
  const decision = evaluateReviews({
    reviews: snapshot.reviews, comments: snapshot.comments, headSha: snapshot.pr.headSha, permissions: snapshot.permissions,
    prFromFork: snapshot.pr.fromFork, ideaAuthor: ideaAuthorOf(session), allowSelfWaiver: options.allowSelfWaiver,
    botLogins: [forge.identity, ACTIONS_BOT], headCommittedAt: snapshot.headCommittedAt,
  });
  const notes: string[] = [];
  const posted = new Set(snapshot.comments.map((c) => c.body ?? ''));
  for (const r of decision.refused) {
    const tag = refusalTag(r.id);
    if ([...posted].some((b) => b.includes(tag))) continue;
    await forge.comment(prNumber, `${tag}\n@${r.login}: your input does not count for this gate: ${REASON_TEXT[r.reason]}.`);
    notes.push(`Refused input ${r.id} by ${r.login}: ${r.reason}.`);
  }
  const source = decision.source;
  const phase = session.state.phases[marker.phase];
  // Already recorded (a repeated event, or tick after review) or no longer blocked: nothing more to do.
  const seen = session.ledger.some((e) => (e.type === 'waiver.granted' || e.type === 'run.resumed') && (e.data as Record<string, unknown>)['reviewId'] === source?.id);
  if (decision.decision === 'none' || !source || phase?.status !== 'blocked' || seen) {
    return { status: 'nothing-due', runId: marker.runId, notes: [...notes, `No new counting decision for ${marker.phase} of ${marker.runId}.`] };
  }
  const now = systemClock.now();
  if (decision.decision === 'waiver') {
    await session.record([{
      type: 'waiver.granted', phase: marker.phase,
      data: {
        phase: marker.phase, by: source.login, justification: source.text, control: null,
        expiresAt: new Date(now.getTime() + WAIVER_DAYS * DAY_MS).toISOString(), source: 'review', reason: phase.blockedReason ?? 'gate',
        reviewId: source.id, sha: source.sha, login: source.login,
      },
    }]);
    notes.push(`Recorded ${source.login}'s waiver of ${marker.phase} (${source.kind} ${source.id}).`);
  } else {
    await session.record([{ type: 'run.resumed', phase: marker.phase, data: { phase: marker.phase, guidance: source.text, reviewId: source.id, login: source.login } }]);
    notes.push(`Recorded ${source.login}'s guidance for ${marker.phase} (${source.kind} ${source.id}).`);
  }
  notes.push(await resumeRun(options, api, marker.slug, (await forge.repoInfo()).defaultBranch));
  return { status: 'done', runId: marker.runId, notes };
}

export async function reviewCommand(options: ActionOptions): Promise<CommandResult> {
  const prNumber = await prNumberFromEvent(options);
  const forge = forgeFor(options, options.prToken ?? options.githubToken);
  const api = forgeFor(options, options.githubToken);
  const store = withRemote(await createGitStore({ repoDir: options.workspace }), { repoDir: options.workspace });
  try {
    const outcome = await reviewPr(options, forge, api, store, prNumber);
    for (const note of outcome.notes) core.info(note);
    await core.summary.addHeading(`IdeaMine review of #${prNumber}: ${outcome.status}`, 3).addList([...outcome.notes])
      .addRaw(`GitHub API requests: ${requestsOf(forge, api)}\n`).write();
    return { status: outcome.status, runId: outcome.runId, failure: null };
  } finally {
    await store.close();
  }
}
