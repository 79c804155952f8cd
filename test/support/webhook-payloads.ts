// Real webhook payloads from @octokit/webhooks-examples (push, pull_request_review, workflow_dispatch), adapted
// only in ids, people, names, refs and SHAs, for GITHUB_EVENT_PATH. The package has no `schedule` example: that
// payload is GitHub's documented two fields (schedule, workflow).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

type JsonObject = Record<string, unknown>;
interface ExampleSet { readonly name: string; readonly examples: readonly JsonObject[] }

const EXAMPLES = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('@octokit/webhooks-examples/api.github.com/index.json'), 'utf8')) as ExampleSet[];
// The pull_request_review examples are about this repository (its URLs appear all through the payload).
const EXAMPLE_REPO = 'Codertocat/Hello-World';

function example(event: string, pick: (e: JsonObject) => boolean): JsonObject {
  const found = EXAMPLES.find((s) => s.name === event)?.examples.find(pick);
  if (!found) throw new Error(`@octokit/webhooks-examples has no matching ${event} example`);
  return structuredClone(found);
}

const obj = (value: unknown, what: string): JsonObject => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`webhook example: ${what} is not an object`);
  return value as JsonObject;
};

/** Replaces every occurrence of `from` in the strings of a JSON value (URLs name the repository and the user). */
function rename<T>(value: T, from: string, to: string): T {
  return JSON.parse(JSON.stringify(value).split(from).join(to)) as T;
}

export interface Person {
  readonly login: string;
  readonly id: number;
  readonly type: 'User' | 'Bot';
}

export interface RepoIdentity {
  readonly owner: Person;
  readonly name: string;
  readonly id: number;
  readonly defaultBranch: string;
  readonly private: boolean;
}

/** The example's user object (avatar, URLs, type) for another person. */
function account(template: unknown, person: Person): JsonObject {
  const source = obj(template, 'user');
  const adapted = rename(rename(source, String(source['login']), person.login), String(source['id']), String(person.id));
  return { ...adapted, login: person.login, id: person.id, node_id: `U_${person.id}`, type: person.type };
}

/** The example's repository object for ours (or a fork of it): names, ids, owner, default branch, visibility. */
function repository(template: unknown, repo: RepoIdentity, fullName = `${repo.owner.login}/${repo.name}`, owner = repo.owner): JsonObject {
  const source = obj(template, 'repository');
  const adapted = rename(source, String(source['full_name']), fullName);
  const out: JsonObject = {
    ...adapted, id: repo.id, node_id: `R_${repo.id}`, name: repo.name, full_name: fullName, owner: account(source['owner'], owner),
    private: repo.private, fork: fullName !== `${repo.owner.login}/${repo.name}`, default_branch: repo.defaultBranch,
  };
  if ('visibility' in source) out['visibility'] = repo.private ? 'private' : 'public';
  if ('master_branch' in source) out['master_branch'] = repo.defaultBranch;
  return out;
}

export interface PushedCommit {
  readonly id: string;
  readonly treeId: string;
  readonly message: string;
  readonly timestamp: string;
  readonly author: { readonly name: string; readonly email: string };
  readonly added: readonly string[];
  readonly modified: readonly string[];
  readonly removed: readonly string[];
}

/** A `push` to a branch: the example with one commit (refs/heads/master), for our commits. */
export function pushPayload(input: { repo: RepoIdentity; ref: string; before: string; after: string; commits: readonly PushedCommit[]; pusher: Person }): JsonObject {
  const payload = example('push', (e) => String(e['ref']).startsWith('refs/heads/') && Array.isArray(e['commits']) && e['commits'].length === 1);
  const fullName = `${input.repo.owner.login}/${input.repo.name}`;
  const template = obj((payload['commits'] as unknown[])[0], 'commits[0]');
  const commits = input.commits.map((c) => ({
    ...template, id: c.id, tree_id: c.treeId, message: c.message, timestamp: c.timestamp, distinct: true,
    url: `https://github.com/${fullName}/commit/${c.id}`,
    author: { name: c.author.name, email: c.author.email, username: input.pusher.login },
    committer: { name: c.author.name, email: c.author.email, username: input.pusher.login },
    added: [...c.added], modified: [...c.modified], removed: [...c.removed],
  }));
  return {
    ...payload, ref: input.ref, before: input.before, after: input.after, created: false, deleted: false, forced: false, base_ref: null,
    compare: `https://github.com/${fullName}/compare/${input.before.slice(0, 12)}...${input.after.slice(0, 12)}`,
    commits, head_commit: commits.at(-1) ?? null,
    repository: repository(payload['repository'], input.repo),
    pusher: { name: input.pusher.login, email: `${input.pusher.id}+${input.pusher.login}@users.noreply.github.com` },
    sender: account(payload['sender'], input.pusher),
  };
}

export interface ReviewInput {
  readonly repo: RepoIdentity;
  readonly review: { readonly id: number; readonly user: Person; readonly state: 'approved' | 'changes_requested' | 'commented'; readonly body: string | null; readonly commitId: string; readonly submittedAt: string };
  /** OWNER, MEMBER, COLLABORATOR, CONTRIBUTOR or NONE: what GitHub says of the reviewer on this repository. */
  readonly authorAssociation: string;
  readonly pull: {
    readonly number: number; readonly title: string; readonly body: string | null; readonly user: Person;
    readonly headRef: string; readonly headSha: string; readonly baseRef: string; readonly baseSha: string;
    /** The head's repository owner when the PR comes from a fork. */
    readonly forkOwner?: Person;
    readonly createdAt: string;
  };
}

/** A `pull_request_review` (submitted) for a review on one of our pull requests. */
export function reviewPayload(input: ReviewInput): JsonObject {
  const payload = example('pull_request_review', (e) => e['action'] === 'submitted');
  const { repo, review, pull } = input;
  const fullName = `${repo.owner.login}/${repo.name}`;
  const exampleHead = obj(obj(payload['pull_request'], 'pull_request')['head'], 'pull_request.head');
  const adapted = rename(rename(payload, EXAMPLE_REPO, fullName), String(exampleHead['sha']), pull.headSha);
  const prTemplate = obj(adapted['pull_request'], 'pull_request');
  const reviewTemplate = obj(adapted['review'], 'review');
  const head = obj(prTemplate['head'], 'pull_request.head');
  const base = obj(prTemplate['base'], 'pull_request.base');
  const headOwner = pull.forkOwner ?? repo.owner;
  const headFullName = `${headOwner.login}/${repo.name}`;
  const prUrl = `https://api.github.com/repos/${fullName}/pulls/${pull.number}`;
  const html = `https://github.com/${fullName}/pull/${pull.number}`;
  const reviewHtml = `${html}#pullrequestreview-${review.id}`;
  return {
    ...adapted,
    review: {
      ...reviewTemplate, id: review.id, node_id: `PRR_${review.id}`, user: account(reviewTemplate['user'], review.user), body: review.body,
      commit_id: review.commitId, submitted_at: review.submittedAt, state: review.state, html_url: reviewHtml, pull_request_url: prUrl,
      author_association: input.authorAssociation, _links: { html: { href: reviewHtml }, pull_request: { href: prUrl } },
    },
    pull_request: {
      ...(JSON.parse(JSON.stringify(prTemplate).replace(/(\/(?:pulls|pull|issues)\/)2\b/g, `$1${pull.number}`)) as JsonObject), url: prUrl, id: 1000 + pull.number, node_id: `PR_${pull.number}`, html_url: html,
      // No test merge commit is computed here.
      number: pull.number, state: 'open', title: pull.title, body: pull.body, user: account(prTemplate['user'], pull.user), merge_commit_sha: null,
      created_at: pull.createdAt, updated_at: review.submittedAt, author_association: pull.user.login === repo.owner.login ? 'OWNER' : 'CONTRIBUTOR',
      head: {
        ...head, label: `${headOwner.login}:${pull.headRef}`, ref: pull.headRef, sha: pull.headSha, user: account(head['user'], headOwner),
        repo: repository(head['repo'], repo, headFullName, headOwner),
      },
      base: { ...base, label: `${repo.owner.login}:${pull.baseRef}`, ref: pull.baseRef, sha: pull.baseSha, user: account(base['user'], repo.owner), repo: repository(base['repo'], repo) },
    },
    repository: repository(payload['repository'], repo),
    sender: account(payload['sender'], review.user),
  };
}

/** The `workflow_dispatch` payload of a run started by the dispatcher's token. */
export function workflowDispatchPayload(input: { repo: RepoIdentity; ref: string; workflowPath: string; inputs: Readonly<Record<string, string>>; sender: Person }): JsonObject {
  // The examples are from an organisation's repository; ours belongs to a user, so there is no `organization`.
  const { organization: _organization, ...payload } = example('workflow_dispatch', () => true);
  return {
    ...payload, inputs: { ...input.inputs }, ref: input.ref, workflow: input.workflowPath,
    repository: repository(payload['repository'], input.repo), sender: account(payload['sender'], input.sender),
  };
}

/** `schedule`: https://docs.github.com/en/actions/reference/workflows-and-actions/events-that-trigger-workflows#schedule */
export const schedulePayload = (cron: string, workflowPath: string): JsonObject => ({ schedule: cron, workflow: workflowPath });
