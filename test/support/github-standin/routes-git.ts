// Stand-in handlers for the repository and Git data operations (refs, commits, trees, blobs).
import type { TreeEdit } from './git.js';
import { type Handler, type Reply, fail, validationFailed } from './reply.js';

const refJson = (base: string, full: string, ref: string, sha: string): object => ({
  ref: `refs/${ref}`, node_id: `REF_${ref}`, url: `${base}/repos/${full}/git/refs/${ref}`,
  object: { type: 'commit', sha, url: `${base}/repos/${full}/git/commits/${sha}` },
});

/** "refs/heads/x" and "heads/x" name the same ref. */
const refName = (raw: string): string => raw.replace(/^refs\//, '');

function commitJson(base: string, full: string, sha: string, c: { tree: string; parents: readonly string[]; message: string; author: object; committer: object }): object {
  return {
    sha, node_id: `C_${sha}`, url: `${base}/repos/${full}/git/commits/${sha}`, html_url: `https://github.com/${full}/commit/${sha}`,
    author: c.author, committer: c.committer, message: c.message, tree: { sha: c.tree, url: `${base}/repos/${full}/git/trees/${c.tree}` },
    parents: c.parents.map((p) => ({ sha: p, url: `${base}/repos/${full}/git/commits/${p}`, html_url: `https://github.com/${full}/commit/${p}` })),
    verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
  };
}

/** A ref write GitHub would refuse on a protected branch, checked before moving it. */
function protectedRefusal(ctx: Parameters<Handler>[0], ref: string): Reply | null {
  const branch = ref.replace(/^heads\//, '');
  return ref.startsWith('heads/') && ctx.repo.protectedBranches.has(branch)
    ? fail(422, `Protected branch update failed for refs/heads/${branch}.`)
    : null;
}

export const gitRoutes: Readonly<Record<string, Handler>> = {
  'repos/get': ({ repo, base, owner }) => ({
    status: 200,
    body: {
      id: 1, node_id: 'R_1', name: repo.name, full_name: repo.fullName, private: repo.visibility !== 'public', visibility: repo.visibility,
      default_branch: repo.defaultBranch, fork: false, owner: { login: owner.login, id: owner.id, type: owner.type },
      html_url: `https://github.com/${repo.fullName}`, url: `${base}/repos/${repo.fullName}`,
    },
  }),
  'git/get-ref': ({ repo, req, base }) => {
    const ref = refName(req.params.ref ?? '');
    const sha = repo.refs.get(ref);
    return sha ? { status: 200, body: refJson(base, repo.fullName, ref, sha) } : fail(404, 'Not Found');
  },
  'git/create-ref': (ctx) => {
    const { ref: raw, sha } = ctx.req.body as { ref: string; sha: string };
    if (!raw.startsWith('refs/') || raw.split('/').length < 3) return fail(422, 'Reference name must start with \'refs/\' and have at least two slashes.');
    const ref = refName(raw);
    if (ctx.repo.refs.has(ref)) return fail(422, 'Reference already exists');
    if (!ctx.repo.git.commits.has(sha)) return fail(422, 'Object does not exist');
    const refused = protectedRefusal(ctx, ref);
    if (refused) return refused;
    ctx.repo.refs.set(ref, sha);
    return { status: 201, body: refJson(ctx.base, ctx.repo.fullName, ref, sha) };
  },
  'git/update-ref': (ctx) => {
    const ref = refName(ctx.req.params.ref ?? '');
    const { sha, force } = ctx.req.body as { sha: string; force?: boolean };
    const current = ctx.repo.refs.get(ref);
    if (!current) return fail(422, 'Reference does not exist');
    if (!ctx.repo.git.commits.has(sha)) return fail(422, 'Object does not exist');
    const refused = protectedRefusal(ctx, ref);
    if (refused) return refused;
    if (force !== true && !ctx.repo.git.isAncestor(current, sha)) return fail(422, 'Update is not a fast forward');
    ctx.repo.refs.set(ref, sha);
    return { status: 200, body: refJson(ctx.base, ctx.repo.fullName, ref, sha) };
  },
  'git/delete-ref': (ctx) => {
    const ref = refName(ctx.req.params.ref ?? '');
    if (!ctx.repo.refs.has(ref)) return fail(422, 'Reference does not exist');
    const refused = protectedRefusal(ctx, ref);
    if (refused) return refused;
    ctx.repo.refs.delete(ref);
    return { status: 204 };
  },
  'git/get-commit': ({ repo, req, base }) => {
    const sha = req.params.commit_sha ?? '';
    const c = repo.git.commits.get(sha);
    return c ? { status: 200, body: commitJson(base, repo.fullName, sha, c) } : fail(404, 'Not Found');
  },
  'git/create-tree': ({ repo, req, base }) => {
    const { tree, base_tree: baseTree } = req.body as { tree: TreeEdit[]; base_tree?: string };
    if (baseTree !== undefined && !repo.git.trees.has(baseTree)) return validationFailed('base_tree is not a valid tree oid');
    for (const e of tree) {
      if (e.content !== undefined && e.sha !== undefined) return validationFailed(`tree.sha and tree.content are both set for "${e.path}"`);
      if (e.content === undefined && e.sha === undefined) return validationFailed(`Must supply tree.sha or tree.content for "${e.path}"`);
    }
    try {
      const sha = repo.git.editTree(baseTree ?? null, tree);
      const entries = (repo.git.trees.get(sha) ?? []).map((e) => ({ path: e.name, mode: e.mode, type: e.type, sha: e.sha, url: `${base}/repos/${repo.fullName}/git/${e.type}s/${e.sha}` }));
      return { status: 201, body: { sha, url: `${base}/repos/${repo.fullName}/git/trees/${sha}`, tree: entries, truncated: false } };
    } catch (caught) {
      return validationFailed(caught instanceof Error ? caught.message : String(caught));
    }
  },
  'git/create-blob': ({ repo, req, base }) => {
    const { content, encoding } = req.body as { content: string; encoding?: string };
    const sha = repo.git.writeBlob(Buffer.from(content, encoding === 'base64' ? 'base64' : 'utf8'));
    return { status: 201, body: { sha, url: `${base}/repos/${repo.fullName}/git/blobs/${sha}` } };
  },
  'git/create-commit': ({ repo, req, base, caller, now }) => {
    const { message, tree, parents = [] } = req.body as { message: string; tree: string; parents?: string[] };
    if (!repo.git.trees.has(tree)) return validationFailed('Tree SHA does not exist');
    if (parents.some((p) => !repo.git.commits.has(p))) return validationFailed('Parent SHA does not exist or is not a commit object');
    const person = { name: caller.login, email: `${caller.id}+${caller.login}@users.noreply.github.com`, date: now() };
    const data = { tree, parents, message, author: person, committer: person };
    const sha = repo.git.writeCommit(data);
    return { status: 201, body: commitJson(base, repo.fullName, sha, data) };
  },
};
