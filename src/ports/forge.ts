// Forge port: what IdeaMine asks of GitHub (gate PRs, human input, commits, workflow runs), nothing more.
import type { GateMarker } from '../core/gate-pr.js';
import type { Comment, Review } from '../core/human-input.js';
import type { FileWrite } from './store.js';

export interface RepoInfo {
  readonly defaultBranch: string;
  readonly visibility: 'public' | 'private' | 'internal';
  readonly fullName: string;
}

export interface ForgeCommitRequest {
  /** Branch name without refs/heads/. */
  readonly branch: string;
  readonly files: readonly FileWrite[];
  readonly message: string;
  /** Where the branch starts when it does not exist yet (a commit SHA); default: the default branch's tip. */
  readonly startFrom?: string;
}

/** Why a commit was refused for good (retrying will not help; a person must act). */
export type CommitRefusal = 'protected' | 'forbidden' | 'workflow-scope';

export type ForgeCommitResult =
  | { readonly kind: 'committed'; readonly commit: string; readonly created: boolean }
  | { readonly kind: 'unchanged'; readonly commit: string }
  | { readonly kind: 'refused'; readonly reason: CommitRefusal; readonly message: string };

export interface GatePrRequest {
  readonly marker: GateMarker;
  readonly title: string;
  /** Already capped (core/gate-pr.ts gatePrBody). */
  readonly body: string;
  /** The file the PR adds (full report), at core/gate-pr.ts gateFilePath. */
  readonly file: FileWrite;
}

export interface GatePr {
  readonly number: number;
  readonly url: string;
  readonly state: 'open' | 'closed';
  readonly merged: boolean;
  readonly headRef: string;
  readonly headSha: string;
  readonly baseRef: string;
  readonly author: string;
  readonly fromFork: boolean;
  readonly marker: GateMarker | null;
  /** True only when head ref, author and marker all say IdeaMine opened it for this gate. */
  readonly ours: boolean;
}

export interface GatePrResult {
  readonly pr: GatePr;
  readonly action: 'created' | 'updated' | 'unchanged';
}

/** Everything evaluateReviews (core/human-input.ts) needs about one PR. */
export interface HumanInputSnapshot {
  readonly pr: GatePr;
  readonly reviews: readonly Review[];
  readonly comments: readonly Comment[];
  /** role_name per reviewer/commenter login; null when the user has no access. */
  readonly permissions: Readonly<Record<string, string | null>>;
  /** Committer time of the head commit: comments before it answered an older report. */
  readonly headCommittedAt: string | null;
}

export interface WorkflowRun {
  readonly id: number;
  readonly status: string;
  readonly conclusion: string | null;
  readonly event: string;
  readonly headBranch: string | null;
  readonly displayTitle: string;
  readonly createdAt: string;
  readonly url: string;
}

export type WorkflowRunStatus = 'queued' | 'in_progress' | 'completed' | 'waiting' | 'requested' | 'pending';

export interface ForgeStats {
  /** HTTP requests sent, retries included (each counts against the API quota). */
  readonly requests: number;
  /** Requests per "METHOD /route/template". */
  readonly byRoute: Readonly<Record<string, number>>;
}

export interface Forge {
  /**
   * The login IdeaMine acts as: gate PRs by anyone else are never ours. Known once resolveIdentity()
   * has settled (every PR method awaits it first); reading it earlier throws.
   */
  readonly identity: string;
  /** The token's login: the configured one, or asked of GitHub once (then cached). */
  resolveIdentity(): Promise<string>;
  /** Live request counters, reported per run. */
  readonly stats: ForgeStats;
  repoInfo(): Promise<RepoInfo>;
  /** Commits files on a branch through the Git data API; a moved tip is rebuilt on, bounded. */
  commitFiles(request: ForgeCommitRequest): Promise<ForgeCommitResult>;
  /** Race-safe: create; on "already exists", find ours and update only if title or body changed. */
  findOrCreateGatePr(request: GatePrRequest): Promise<GatePrResult>;
  /**
   * A plain pull request from `head` into the default branch (the release dossier when protection refuses a direct
   * commit). Race-safe like the gate PR: create; on "already exists", the open one from that head by us.
   */
  findOrCreatePr(request: { readonly head: string; readonly title: string; readonly body: string }): Promise<{ readonly number: number; readonly url: string; readonly action: 'created' | 'existing' }>;
  /** Open gate PRs that are ours (head ref, author and marker agree), for reconciliation. */
  listGatePrs(): Promise<GatePr[]>;
  /** Comments, closes and deletes the head branch; refuses a PR that is not ours. */
  closeGatePr(prNumber: number, comment: string): Promise<void>;
  readHumanInput(prNumber: number): Promise<HumanInputSnapshot>;
  /** Capped under GitHub's limit; past it the text ends with a pointer to `fullTextAt`. */
  comment(issueNumber: number, body: string, fullTextAt?: string): Promise<{ readonly id: number; readonly url: string }>;
  /** workflow_dispatch with string inputs (only the slug, by design). */
  dispatchRun(workflowFile: string, ref: string, inputs: Readonly<Record<string, string>>): Promise<void>;
  /** Runs of the workflow (with that status), newest first: all pages, or pages until `limit` runs. */
  listWorkflowRuns(workflowFile: string, status?: WorkflowRunStatus, limit?: number): Promise<WorkflowRun[]>;
}
