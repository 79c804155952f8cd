// Test-side actions on the stand-in's state: what people and other writers do between the code's requests.
import type { Account, PullRecord, RepoState, ReviewRecord } from './state.js';

export interface ReviewOptions {
  /** Defaults to the PR's current head SHA. */
  readonly commitId?: string;
  readonly type?: Account['type'];
}

export class Seeder {
  private readonly accounts = new Map<string, Account>();
  private ids = 100;
  private clock = Date.parse('2025-01-01T00:00:00Z');

  constructor(readonly repo: RepoState) {}

  /** A monotonic clock, one second per event, so ordering by time is deterministic. */
  tick(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString().replace('.000Z', 'Z');
  }

  nextId(): number {
    this.ids += 1;
    return this.ids;
  }

  account(login: string, type?: Account['type']): Account {
    const known = this.accounts.get(login.toLowerCase());
    if (known) return known;
    const account: Account = { login, id: this.nextId(), type: type ?? (login.endsWith('[bot]') ? 'Bot' : 'User') };
    this.accounts.set(login.toLowerCase(), account);
    return account;
  }

  protected seedRepository(files: Readonly<Record<string, string>>, workflows: readonly string[]): void {
    this.account(this.repo.owner);
    this.pushCommit(this.repo.defaultBranch, files, 'Initial commit');
    workflows.forEach((file, i) => this.repo.workflows.push({ id: 9000 + i, name: file.replace(/\.ya?ml$/, ''), path: `.github/workflows/${file}` }));
  }

  /** Another writer pushes to a branch (created from the default branch when missing). */
  pushCommit(branch: string, files: Readonly<Record<string, string | null>>, message = 'push', author = this.repo.owner): string {
    const git = this.repo.git;
    const parent = this.repo.refs.get(`heads/${branch}`) ?? this.repo.refs.get(`heads/${this.repo.defaultBranch}`) ?? null;
    const baseTree = parent === null ? null : (git.commits.get(parent)?.tree ?? null);
    const tree = git.editTree(baseTree, Object.entries(files).map(([path, content]) =>
      (content === null ? { path, mode: '100644' as const, type: 'blob' as const, sha: null } : { path, mode: '100644' as const, type: 'blob' as const, content })));
    const person = { name: author, email: `${author}@example.test`, date: this.tick() };
    const sha = git.writeCommit({ tree, parents: parent === null ? [] : [parent], message, author: person, committer: person });
    this.repo.refs.set(`heads/${branch}`, sha);
    return sha;
  }

  readFile(branch: string, path: string): string | null {
    const tip = this.repo.refs.get(`heads/${branch}`);
    return tip ? this.repo.git.readFile(tip, path) : null;
  }

  addCollaborator(login: string, roleName: string): void {
    this.account(login);
    this.repo.collaborators.set(login.toLowerCase(), roleName);
  }

  protect(branch: string): void {
    this.repo.protectedBranches.add(branch);
  }

  pull(number: number): PullRecord {
    const pull = this.repo.pulls.find((p) => p.number === number);
    if (!pull) throw new Error(`stand-in: no pull request #${number}`);
    return pull;
  }

  /** Someone else opens a PR (from a branch here, or from their fork with a fixed head SHA). */
  openPull(input: { login: string; headRef: string; title: string; body: string; fromFork?: boolean; base?: string }): number {
    const at = this.tick();
    const fork = input.fromFork === true;
    if (!fork && !this.repo.refs.has(`heads/${input.headRef}`)) this.pushCommit(input.headRef, { [`${input.headRef}.txt`]: input.title });
    const pull: PullRecord = {
      number: this.repo.pulls.length + 1, state: 'open', title: input.title, body: input.body, user: this.account(input.login),
      headRef: input.headRef, headRepo: fork ? `${input.login}/${this.repo.name}` : this.repo.fullName, baseRef: input.base ?? this.repo.defaultBranch,
      forkHeadSha: fork ? 'f'.repeat(40) : null, createdAt: at, updatedAt: at, closedAt: null, mergedAt: null, closedHeadSha: null,
    };
    this.repo.pulls.push(pull);
    return pull.number;
  }

  submitReview(prNumber: number, login: string, state: ReviewRecord['state'], body: string, options: ReviewOptions = {}): number {
    const pull = this.pull(prNumber);
    const review: ReviewRecord = {
      id: this.nextId(), user: this.account(login, options.type), body, state, commitId: options.commitId ?? this.repo.headSha(pull), submittedAt: this.tick(),
    };
    this.repo.reviews.set(prNumber, [...(this.repo.reviews.get(prNumber) ?? []), review]);
    return review.id;
  }

  addComment(prNumber: number, login: string, body: string, type?: Account['type']): number {
    this.pull(prNumber);
    const comment = { id: this.nextId(), user: this.account(login, type), body, createdAt: this.tick() };
    this.repo.comments.set(prNumber, [...(this.repo.comments.get(prNumber) ?? []), comment]);
    return comment.id;
  }

  setRunStatus(runId: number, status: string, conclusion: string | null = null, createdAt?: string): void {
    const run = this.repo.runs.find((r) => r.id === runId);
    if (!run) throw new Error(`stand-in: no workflow run ${runId}`);
    run.status = status;
    run.conclusion = conclusion;
    if (createdAt !== undefined) run.createdAt = createdAt;
  }
}
