// `command: dispatch` (push event): validates the pushed idea files and starts one run workflow per valid idea.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as core from '@actions/core';
import { createGitHubForge } from '../../../src/adapters/forge/github.js';
import { createGitStore } from '../../../src/adapters/store/git.js';
import { badInput } from '../../../src/core/errors.js';
import { parseIdea } from '../../../src/core/idea-parse.js';
import type { Forge } from '../../../src/ports/forge.js';
import type { ActionOptions } from '../options.js';
import { fetchStateBranches, scanState } from '../state-scan.js';
import { startRuns } from '../start-runs.js';
import { writeDispatchSummary } from '../summary.js';

export { RUN_WORKFLOW } from '../start-runs.js';
/** The login GITHUB_TOKEN acts as: gate PRs it opens carry this author. */
export const ACTIONS_BOT = 'github-actions[bot]';

export interface CommandResult {
  readonly status: string;
  readonly runId: string;
  /** Set when the job must fail although the command itself finished (blocked gate, invalid ideas). */
  readonly failure: string | null;
}

const forges = new Map<string, Forge>();

/**
 * One forge per token per job. GITHUB_TOKEN acts as github-actions[bot]; gate PRs opened with pr-token
 * are authored by that token's user, so its "ours" checks use its login: pr-token-login when given
 * (an App's "<app-slug>[bot]"), else read once with GET /user (a personal access token).
 */
export function forgeFor(options: ActionOptions, token: string): Forge {
  const known = forges.get(token);
  if (known) return known;
  const isPrToken = options.prToken !== null && token === options.prToken && token !== options.githubToken;
  const forge = createGitHubForge({
    token, owner: options.owner, repo: options.repo, baseUrl: options.apiUrl,
    identityLogin: isPrToken ? options.prTokenLogin : ACTIONS_BOT,
    warn: (message) => core.warning(message),
  });
  forges.set(token, forge);
  return forge;
}

/** GitHub API requests a job sent through its forges (one forge per token, so each is counted once). */
export const requestsOf = (...used: readonly Forge[]): number => [...new Set(used)].reduce((n, f) => n + f.stats.requests, 0);

/** This month's spend over every state branch (fetched once), for the monthly cap. */
export async function monthSpend(options: ActionOptions): Promise<{ usd: number; since: Date }> {
  await fetchStateBranches(options.workspace);
  const store = await createGitStore({ repoDir: options.workspace });
  try {
    const scan = await scanState(store, new Date());
    for (const problem of scan.problems) core.warning(`Spend not counted: ${problem}`);
    return { usd: scan.spentUsd, since: scan.since };
  } finally {
    await store.close();
  }
}

interface PushPayload {
  readonly ref?: string;
  readonly commits?: readonly { added?: string[]; modified?: string[]; removed?: string[] }[];
}

/** Idea files the push touched that still exist at its tip (added then removed in one push is no change). */
export function changedIdeaFiles(payload: PushPayload, exists: (path: string) => boolean): string[] {
  const touched = new Set<string>();
  for (const commit of payload.commits ?? []) {
    for (const file of [...(commit.added ?? []), ...(commit.modified ?? [])]) touched.add(file);
  }
  // ideas/README.md is documentation, not an idea; anything else directly under ideas/ is checked.
  return [...touched]
    .filter((f) => /^ideas\/[^/]+$/.test(f) && !/^ideas\/readme(\.md)?$/i.test(f) && exists(f))
    .sort();
}

/** "ideas/x.yaml:12:3: field: message — fix" → line 12 (the annotation's startLine). */
const lineOf = (issue: string): number | undefined => {
  const match = /^[^:]+:(\d+):\d+: /.exec(issue);
  return match?.[1] ? Number(match[1]) : undefined;
};

async function readPayload(options: ActionOptions): Promise<PushPayload> {
  if (!options.eventPath) throw badInput('GITHUB_EVENT_PATH is not set: dispatch runs on a push event inside GitHub Actions');
  try {
    return JSON.parse(await readFile(options.eventPath, 'utf8')) as PushPayload;
  } catch (caught) {
    throw badInput(`GITHUB_EVENT_PATH ${options.eventPath}: cannot read the event payload`, [caught instanceof Error ? caught.message : String(caught)]);
  }
}

export async function dispatchCommand(options: ActionOptions): Promise<CommandResult> {
  if (options.eventName !== '' && options.eventName !== 'push') {
    throw badInput(`command dispatch runs on push events, not ${options.eventName}`, ['Use the generated ideamine-dispatch.yml workflow (on: push, paths: ideas/**).']);
  }
  const payload = await readPayload(options);
  const ref = (options.env['GITHUB_REF'] ?? payload.ref ?? '').replace(/^refs\/heads\//, '');
  if (ref === '') throw badInput('GITHUB_REF is not set: cannot tell which branch to start the runs on');
  const files = changedIdeaFiles(payload, (f) => existsSync(join(options.workspace, f)));
  const valid: string[] = [];
  const invalid: { file: string; issues: readonly string[] }[] = [];
  for (const file of files) {
    const parsed = parseIdea({ file, bytes: await readFile(join(options.workspace, file)) });
    if (!parsed.ok) {
      invalid.push({ file, issues: parsed.issues });
      for (const issue of parsed.issues) {
        const line = lineOf(issue);
        core.error(issue, { file, ...(line === undefined ? {} : { startLine: line }) });
      }
      continue;
    }
    valid.push(parsed.value.slug);
  }
  const forge = forgeFor(options, options.githubToken);
  // No valid idea, no request: a push that changes no idea costs nothing.
  const started = valid.length === 0
    ? { started: [], held: [] }
    : await startRuns(options, forge, { slugs: valid, ref, skipActive: false, spent: () => monthSpend(options) });
  if (files.length === 0) core.info('No idea files changed in this push.');
  await writeDispatchSummary({ dispatched: started.started, held: started.held.map((h) => h.message), invalid, ref, forgeRequests: forge.stats.requests });
  const failure = invalid.length === 0 ? null
    : `${invalid.length === 1 ? '1 idea file has' : `${invalid.length} idea files have`} problems: ${invalid.map((i) => i.file).join(', ')} (see the annotations and the job summary)`;
  return { status: started.started.length > 0 ? 'dispatched' : 'nothing-due', runId: '', failure };
}
