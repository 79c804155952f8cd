// Stand-in handlers for workflow dispatches and workflow runs.
import { type Handler, fail, validationFailed } from './reply.js';
import { runJson, type RunRecord } from './state.js';

export const actionRoutes: Readonly<Record<string, Handler>> = {
  'actions/create-workflow-dispatch': ({ repo, req, now, nextId }) => {
    const workflow = repo.workflow(req.params.workflow_id ?? '');
    if (!workflow) return fail(404, 'Not Found');
    const { ref, inputs = {} } = req.body as { ref: string; inputs?: Record<string, unknown> };
    const branch = ref.replace(/^refs\/heads\//, '');
    if (!repo.refs.has(`heads/${branch}`)) return fail(422, `No ref found for: ${ref}`);
    // GitHub caps inputs at 25 and wants them as strings here (the workflow declares their types).
    if (Object.keys(inputs).length > 25) return validationFailed('you may only define up to 25 `inputs` for a `workflow_dispatch` event');
    const run: RunRecord = {
      id: nextId(), workflowId: workflow.id, status: 'queued', conclusion: null, event: 'workflow_dispatch', headBranch: branch,
      displayTitle: workflow.name, createdAt: now(), inputs: Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, String(v)])),
    };
    repo.runs.push(run);
    return { status: 204 };
  },
  'actions/list-workflow-runs': ({ repo, req, base }) => {
    const workflow = repo.workflow(req.params.workflow_id ?? '');
    if (!workflow) return fail(404, 'Not Found');
    const status = req.query.status === undefined ? null : String(req.query.status);
    const runs = repo.runs
      .filter((r) => r.workflowId === workflow.id)
      .filter((r) => status === null || r.status === status || r.conclusion === status)
      .sort((a, b) => b.id - a.id);
    const perPage = Math.min(100, Number(req.query.per_page ?? 30));
    return { status: 200, body: { total_count: runs.length, workflow_runs: runs.slice(0, perPage).map((r) => runJson(base, repo, r)) } };
  },
};
