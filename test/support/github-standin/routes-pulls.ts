// Stand-in handlers for pull requests, reviews, issue comments and collaborator permissions.
import { type Handler, fail, page, validationFailed } from './reply.js';
import { commentJson, pullJson, reviewJson, type PullRecord } from './state.js';

const ROLE_TO_PERMISSION: Readonly<Record<string, string>> = { admin: 'admin', maintain: 'write', write: 'write', triage: 'read', read: 'read' };

export const pullRoutes: Readonly<Record<string, Handler>> = {
  'pulls/create': ({ repo, req, base, owner, caller, callerIsActions, now }) => {
    const b = req.body as { title?: string; head: string; base: string; body?: string };
    if (callerIsActions && !repo.allowActionsToCreatePrs) return fail(403, 'GitHub Actions is not permitted to create or approve pull requests.');
    const headRef = b.head.includes(':') ? b.head.slice(b.head.indexOf(':') + 1) : b.head;
    const headOwner = b.head.includes(':') ? b.head.slice(0, b.head.indexOf(':')) : repo.owner;
    if (headOwner !== repo.owner || !repo.refs.has(`heads/${headRef}`)) return validationFailed(`head "${b.head}" is invalid`, 'PullRequest');
    if (!repo.refs.has(`heads/${b.base}`)) return validationFailed(`base "${b.base}" is invalid`, 'PullRequest');
    if (repo.refs.get(`heads/${headRef}`) === repo.refs.get(`heads/${b.base}`)) return validationFailed(`No commits between ${b.base} and ${headRef}`, 'PullRequest');
    const existing = repo.pulls.find((p) => p.state === 'open' && p.headRef === headRef && p.headRepo === repo.fullName && p.baseRef === b.base);
    if (existing) return validationFailed(`A pull request already exists for ${repo.owner}:${headRef}.`, 'PullRequest');
    if (!b.title) return validationFailed('title is missing', 'PullRequest');
    if ((b.body ?? '').length >= 65_536) return validationFailed('body is too long (maximum is 65536 characters)', 'PullRequest');
    const at = now();
    const pull: PullRecord = {
      number: repo.pulls.length + 1, state: 'open', title: b.title, body: b.body ?? null, user: caller, headRef, headRepo: repo.fullName,
      baseRef: b.base, forkHeadSha: null, createdAt: at, updatedAt: at, closedAt: null, mergedAt: null, closedHeadSha: null,
    };
    repo.pulls.push(pull);
    return { status: 201, body: pullJson(base, repo, owner, pull) };
  },
  'pulls/list': ({ repo, req, base, owner, url }) => {
    const state = String(req.query.state ?? 'open');
    const head = req.query.head === undefined ? null : String(req.query.head);
    const pulls = repo.pulls
      .filter((p) => state === 'all' || p.state === state)
      .filter((p) => head === null || `${p.headRepo.split('/')[0] ?? ''}:${p.headRef}` === head)
      .filter((p) => req.query.base === undefined || p.baseRef === req.query.base)
      .sort((a, b) => b.number - a.number);
    return page(pulls.map((p) => pullJson(base, repo, owner, p)), req, url.toString());
  },
  'pulls/get': ({ repo, req, base, owner }) => {
    const pull = repo.pulls.find((p) => p.number === Number(req.params.pull_number));
    return pull ? { status: 200, body: pullJson(base, repo, owner, pull) } : fail(404, 'Not Found');
  },
  'pulls/update': ({ repo, req, base, owner, now }) => {
    const pull = repo.pulls.find((p) => p.number === Number(req.params.pull_number));
    if (!pull) return fail(404, 'Not Found');
    const b = req.body as { title?: string; body?: string; state?: 'open' | 'closed' };
    if ((b.body ?? '').length >= 65_536) return validationFailed('body is too long (maximum is 65536 characters)', 'PullRequest');
    if (b.title !== undefined) pull.title = b.title;
    if (b.body !== undefined) pull.body = b.body;
    if (b.state === 'closed' && pull.state === 'open') {
      pull.closedHeadSha = repo.headSha(pull);
      pull.state = 'closed';
      pull.closedAt = now();
    }
    pull.updatedAt = now();
    return { status: 200, body: pullJson(base, repo, owner, pull) };
  },
  'pulls/list-reviews': ({ repo, req, base, url }) => {
    const n = Number(req.params.pull_number);
    if (!repo.pulls.some((p) => p.number === n)) return fail(404, 'Not Found');
    return page((repo.reviews.get(n) ?? []).map((r) => reviewJson(base, repo, n, r)), req, url.toString());
  },
  'issues/list-comments': ({ repo, req, base, url }) => {
    const n = Number(req.params.issue_number);
    if (!repo.pulls.some((p) => p.number === n)) return fail(404, 'Not Found');
    return page((repo.comments.get(n) ?? []).map((c) => commentJson(base, repo, n, c)), req, url.toString());
  },
  'issues/create-comment': ({ repo, req, base, caller, now, nextId }) => {
    const n = Number(req.params.issue_number);
    if (!repo.pulls.some((p) => p.number === n)) return fail(404, 'Not Found');
    const { body } = req.body as { body: string };
    if (body.length >= 65_536) return validationFailed('Body is too long (maximum is 65536 characters)', 'IssueComment');
    const comment = { id: nextId(), user: caller, body, createdAt: now() };
    repo.comments.set(n, [...(repo.comments.get(n) ?? []), comment]);
    return { status: 201, body: commentJson(base, repo, n, comment) };
  },
  'repos/get-collaborator-permission-level': ({ repo, req, base, account }) => {
    const login = req.params.username ?? '';
    const role = repo.collaborators.get(login.toLowerCase());
    if (role === undefined) {
      // A known user without access reads as "none" on a private repository and "read" on a public one.
      const fallback = repo.visibility === 'public' ? 'read' : 'none';
      return { status: 200, body: { permission: fallback, role_name: fallback === 'none' ? '' : 'read', user: { login, id: account(login).id, type: account(login).type, url: `${base}/users/${login}` } } };
    }
    return { status: 200, body: { permission: ROLE_TO_PERMISSION[role] ?? 'read', role_name: role, user: { login, id: account(login).id, type: account(login).type } } };
  },
};
