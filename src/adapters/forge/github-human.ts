// Reads a PR's reviews, comments and the deciders' roles: the input core/human-input.ts evaluates.
import { parseCommand, type Comment, type Review } from '../../core/human-input.js';
import type { HumanInputSnapshot } from '../../ports/forge.js';
import { forgeError, isStatus } from './github-errors.js';
import type { ForgeOctokit } from './github-octokit.js';
import { toGatePr } from './github-pulls.js';

export interface HumanReadContext {
  readonly octokit: ForgeOctokit;
  readonly owner: string;
  readonly repo: string;
  readonly identity: string;
}

const botLike = (user: { login: string; type?: string } | null): boolean =>
  user === null || user.type === 'Bot' || user.login.toLowerCase().endsWith('[bot]');

/** role_name (write, maintain, admin, custom …) or null when the user has no access. */
async function roleOf(ctx: HumanReadContext, login: string): Promise<string | null> {
  try {
    const { data } = await ctx.octokit.rest.repos.getCollaboratorPermissionLevel({ owner: ctx.owner, repo: ctx.repo, username: login });
    return data.role_name === '' || data.permission === 'none' ? null : data.role_name;
  } catch (caught) {
    if (isStatus(caught, 404)) return null;
    throw forgeError(`reading ${login}'s permission on ${ctx.owner}/${ctx.repo}`, caught);
  }
}

export async function readHumanInput(ctx: HumanReadContext, prNumber: number): Promise<HumanInputSnapshot> {
  const { octokit, owner, repo } = ctx;
  try {
    const { data: pull } = await octokit.rest.pulls.get({ owner, repo, pull_number: prNumber });
    const pr = toGatePr(pull, ctx.identity);
    const rawReviews = await octokit.paginate(octokit.rest.pulls.listReviews, { owner, repo, pull_number: prNumber, per_page: 100 });
    const rawComments = await octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number: prNumber, per_page: 100 });
    const reviews: Review[] = rawReviews.map((r) => ({
      id: r.id, user: r.user ? { login: r.user.login, type: r.user.type } : null, state: r.state, body: r.body, commit_id: r.commit_id, submitted_at: r.submitted_at ?? null,
    }));
    const comments: Comment[] = rawComments.map((c) => ({ id: c.id, user: c.user ? { login: c.user.login, type: c.user.type } : null, body: c.body ?? null, created_at: c.created_at }));
    // Only people who decided something need their role read: one request each.
    const deciders = new Set<string>();
    for (const r of reviews) if (!['COMMENTED', 'PENDING', 'DISMISSED'].includes(r.state.toUpperCase()) && r.user && !botLike(r.user)) deciders.add(r.user.login);
    for (const c of comments) if (c.user && !botLike(c.user) && parseCommand(c.body) !== null) deciders.add(c.user.login);
    const permissions: Record<string, string | null> = {};
    for (const login of [...deciders].sort()) permissions[login] = await roleOf(ctx, login);
    let headCommittedAt: string | null = null;
    if (comments.some((c) => c.user !== null && deciders.has(c.user.login))) {
      const { data: head } = await octokit.rest.git.getCommit({ owner, repo, commit_sha: pr.headSha });
      headCommittedAt = head.committer.date;
    }
    return { pr, reviews, comments, permissions, headCommittedAt };
  } catch (caught) {
    if (caught instanceof Error && !('status' in caught)) throw caught;
    throw forgeError(`reading reviews of #${prNumber}`, caught, ['Reading reviews needs `pull-requests: read`; comments need `issues: read`.']);
  }
}
