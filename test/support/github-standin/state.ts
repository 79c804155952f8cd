// The stand-in's repository state (refs, pulls, reviews, comments, collaborators, workflows) and its JSON shapes.
import { GitStore } from './git.js';

export interface Account {
  readonly login: string;
  readonly id: number;
  readonly type: 'User' | 'Bot';
}

export interface PullRecord {
  readonly number: number;
  state: 'open' | 'closed';
  title: string;
  body: string | null;
  readonly user: Account;
  readonly headRef: string;
  /** "owner/name" of the head repository: differs from the base for a fork. */
  readonly headRepo: string;
  readonly baseRef: string;
  /** Fork heads do not move with our refs: their SHA is fixed when seeded. */
  readonly forkHeadSha: string | null;
  readonly createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  mergedAt: string | null;
  /** Head SHA frozen when the PR closed. */
  closedHeadSha: string | null;
}

export interface ReviewRecord {
  readonly id: number;
  readonly user: Account;
  readonly body: string;
  readonly state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';
  readonly commitId: string;
  readonly submittedAt: string;
}

export interface CommentRecord {
  readonly id: number;
  readonly user: Account;
  readonly body: string;
  readonly createdAt: string;
}

export interface WorkflowRecord {
  readonly id: number;
  readonly name: string;
  /** ".github/workflows/<file>" */
  readonly path: string;
  /** The workflow's `run-name:` (e.g. "ideamine-run ${{ inputs.slug }}"); without it a dispatched run's title is the workflow name. */
  runName?: string;
}

export interface RunRecord {
  readonly id: number;
  readonly workflowId: number;
  status: string;
  conclusion: string | null;
  readonly event: string;
  readonly headBranch: string;
  readonly displayTitle: string;
  /** The stand-in's own clock; a test may set a real time (policies measured against the runner's clock). */
  createdAt: string;
  readonly inputs: Readonly<Record<string, string>>;
}

export class RepoState {
  readonly git = new GitStore();
  readonly refs = new Map<string, string>();
  readonly protectedBranches = new Set<string>();
  readonly collaborators = new Map<string, string>();
  readonly pulls: PullRecord[] = [];
  readonly reviews = new Map<number, ReviewRecord[]>();
  readonly comments = new Map<number, CommentRecord[]>();
  readonly workflows: WorkflowRecord[] = [];
  readonly runs: RunRecord[] = [];
  /** The repository setting "Allow GitHub Actions to create and approve pull requests". */
  allowActionsToCreatePrs = true;

  constructor(readonly owner: string, readonly name: string, readonly defaultBranch: string, readonly visibility: 'public' | 'private') {}

  get fullName(): string {
    return `${this.owner}/${this.name}`;
  }

  headSha(pull: PullRecord): string {
    return pull.forkHeadSha ?? pull.closedHeadSha ?? this.refs.get(`heads/${pull.headRef}`) ?? '0'.repeat(40);
  }

  workflow(idOrFile: string): WorkflowRecord | undefined {
    return this.workflows.find((w) => String(w.id) === idOrFile || w.path.split('/').pop() === idOrFile);
  }
}

export function accountJson(base: string, a: Account): object {
  return {
    login: a.login, id: a.id, node_id: `U_${a.id}`, type: a.type, site_admin: false,
    url: `${base}/users/${encodeURIComponent(a.login)}`, html_url: `https://github.com/${a.login}`,
  };
}

function repoJson(base: string, owner: Account, full: string): object {
  const [, name] = full.split('/');
  return { id: full.length, name, full_name: full, owner: accountJson(base, owner), private: false, fork: false, url: `${base}/repos/${full}` };
}

export function pullJson(base: string, repo: RepoState, owner: Account, p: PullRecord): object {
  const sha = repo.headSha(p);
  const headOwner: Account = p.headRepo === repo.fullName ? owner : p.user;
  return {
    url: `${base}/repos/${repo.fullName}/pulls/${p.number}`, id: 1000 + p.number, node_id: `PR_${p.number}`,
    html_url: `https://github.com/${repo.fullName}/pull/${p.number}`, number: p.number, state: p.state, locked: false,
    title: p.title, user: accountJson(base, p.user), body: p.body, created_at: p.createdAt, updated_at: p.updatedAt,
    closed_at: p.closedAt, merged_at: p.mergedAt, merged: p.mergedAt !== null, draft: false, author_association: 'CONTRIBUTOR',
    head: { label: `${headOwner.login}:${p.headRef}`, ref: p.headRef, sha, user: accountJson(base, headOwner), repo: repoJson(base, headOwner, p.headRepo) },
    base: { label: `${repo.owner}:${p.baseRef}`, ref: p.baseRef, sha: repo.refs.get(`heads/${p.baseRef}`) ?? null, user: accountJson(base, owner), repo: repoJson(base, owner, repo.fullName) },
  };
}

export function reviewJson(base: string, repo: RepoState, prNumber: number, r: ReviewRecord): object {
  return {
    id: r.id, node_id: `PRR_${r.id}`, user: accountJson(base, r.user), body: r.body, state: r.state, commit_id: r.commitId,
    submitted_at: r.submittedAt, author_association: 'COLLABORATOR',
    html_url: `https://github.com/${repo.fullName}/pull/${prNumber}#pullrequestreview-${r.id}`,
    pull_request_url: `${base}/repos/${repo.fullName}/pulls/${prNumber}`,
  };
}

export function commentJson(base: string, repo: RepoState, issue: number, c: CommentRecord): object {
  return {
    id: c.id, node_id: `IC_${c.id}`, url: `${base}/repos/${repo.fullName}/issues/comments/${c.id}`,
    html_url: `https://github.com/${repo.fullName}/pull/${issue}#issuecomment-${c.id}`, body: c.body, user: accountJson(base, c.user),
    created_at: c.createdAt, updated_at: c.createdAt, issue_url: `${base}/repos/${repo.fullName}/issues/${issue}`, author_association: 'COLLABORATOR',
  };
}

export function runJson(base: string, repo: RepoState, r: RunRecord): object {
  return {
    id: r.id, name: repo.workflows.find((w) => w.id === r.workflowId)?.name ?? '', workflow_id: r.workflowId, status: r.status,
    conclusion: r.conclusion, event: r.event, head_branch: r.headBranch, display_title: r.displayTitle, created_at: r.createdAt,
    updated_at: r.createdAt, html_url: `https://github.com/${repo.fullName}/actions/runs/${r.id}`, url: `${base}/repos/${repo.fullName}/actions/runs/${r.id}`,
  };
}
