// Stand-in handlers for workflow dispatches and workflow runs, and for the token's own user (GET /user).
import { type Handler, fail, validationFailed } from './reply.js';
import { accountJson, runJson, type RunRecord, type WorkflowRecord } from './state.js';

/** A run's title as GitHub shows it: the workflow's `run-name` with `inputs.*` filled in, else the workflow's name. */
function displayTitle(workflow: WorkflowRecord, inputs: Readonly<Record<string, string>>): string {
  if (workflow.runName === undefined) return workflow.name;
  // Only the expressions a dispatched run-name can use here: `inputs.<name>` and `github.event.inputs.<name>`.
  return workflow.runName.replace(/\$\{\{\s*(?:github\.event\.)?inputs\.([\w-]+)\s*\}\}/g, (_, name: string) => inputs[name] ?? '');
}

export const actionRoutes: Readonly<Record<string, Handler>> = {
  'actions/create-workflow-dispatch': ({ repo, req, now, nextId }) => {
    const workflow = repo.workflow(req.params.workflow_id ?? '');
    if (!workflow) return fail(404, 'Not Found');
    const { ref, inputs = {} } = req.body as { ref: string; inputs?: Record<string, unknown> };
    const branch = ref.replace(/^refs\/heads\//, '');
    if (!repo.refs.has(`heads/${branch}`)) return fail(422, `No ref found for: ${ref}`);
    // GitHub caps inputs at 25 and wants them as strings here (the workflow declares their types).
    if (Object.keys(inputs).length > 25) return validationFailed('you may only define up to 25 `inputs` for a `workflow_dispatch` event');
    const strings = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, String(v)]));
    const run: RunRecord = {
      id: nextId(), workflowId: workflow.id, status: 'queued', conclusion: null, event: 'workflow_dispatch', headBranch: branch,
      displayTitle: displayTitle(workflow, strings), createdAt: now(), inputs: strings,
    };
    repo.runs.push(run);
    return { status: 204 };
  },
  'actions/list-workflow-runs': ({ repo, req, base, url }) => {
    const workflow = repo.workflow(req.params.workflow_id ?? '');
    if (!workflow) return fail(404, 'Not Found');
    const status = req.query.status === undefined ? null : String(req.query.status);
    const runs = repo.runs
      .filter((r) => r.workflowId === workflow.id)
      .filter((r) => status === null || r.status === status || r.conclusion === status)
      .sort((a, b) => b.id - a.id);
    const perPage = Math.min(100, Number(req.query.per_page ?? 30));
    const pageNo = Math.max(1, Number(req.query.page ?? 1));
    const slice = runs.slice((pageNo - 1) * perPage, pageNo * perPage);
    // GitHub pages this list like any other (octokit.paginate follows rel="next" and keeps workflow_runs).
    const next = new URL(url);
    next.searchParams.set('per_page', String(perPage));
    next.searchParams.set('page', String(pageNo + 1));
    const more = pageNo * perPage < runs.length;
    return {
      status: 200,
      body: { total_count: runs.length, workflow_runs: slice.map((r) => runJson(base, repo, r)) },
      ...(more ? { headers: { link: `<${next.toString()}>; rel="next"` } } : {}),
    };
  },
  // A PAT (or OAuth) token reads its user; an installation token (GITHUB_TOKEN, an App's) is refused, as on GitHub.
  'users/get-authenticated': ({ caller, base }) => (caller.type === 'Bot'
    ? fail(403, 'Resource not accessible by integration')
    : { status: 200, body: { ...accountJson(base, caller), name: null, email: null, created_at: '2020-01-01T00:00:00Z' } }),
};
