// A stand-in for the Actions runner: runs the generated workflows' jobs as GitHub would — `if:` evaluated on the
// event, `needs:` order (parallel where the DAG allows), one token per job with that job's `permissions:`,
// actions/checkout into a fresh clone of the remote (all branches, the event's SHA or the step's `ref`), then
// `node <bundle>` with INPUT_* (action.yml defaults filled in), GITHUB_* and the event payload file.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { baseActionEnv, spawnAction, type ActionRun } from './action-harness.js';
import type { GitBridge } from './github-git-bridge.js';
import type { GitHubStandIn, TokenSpec } from './github-standin.js';
import type { RunRecord } from './github-standin/state.js';
import { testGitEnv } from './git-repo.js';
import { workflowDispatchPayload, type Person, type RepoIdentity } from './webhook-payloads.js';
import { actionInputs, dagLevels, interpolate, jobRuns, rerunSet, type ExprContext, type JobSpec, type WorkflowSpec } from './workflow-spec.js';

const exec = promisify(execFile);
export const ACTIONS_BOT: Person = { login: 'github-actions[bot]', id: 41898282, type: 'Bot' };

export interface JobRun extends ActionRun {
  readonly workflow: string;
  readonly job: string;
  readonly runId: number;
  readonly attempt: number;
  /** The commit the job's checkout landed on. */
  readonly head: string;
  readonly startedAt: number;
  readonly endedAt: number;
  /** From the job summary's "GitHub API requests" line; null when the summary has none. */
  readonly requests: number | null;
  readonly killed: boolean;
}

export interface EventContext {
  readonly name: string;
  readonly payload: object;
  readonly sha: string;
  readonly ref: string;
}

export interface RunAttempt {
  readonly record: RunRecord;
  readonly attempt: number;
  readonly event: EventContext;
  readonly jobs: ReadonlyMap<string, JobRun>;
  /** Job ids run in this attempt (not kept from an earlier one), in start order. */
  readonly ran: readonly string[];
}

/** SIGKILLs a job's process group once `when()` holds (polled every few milliseconds), as a lost runner would. */
export interface KillPlan {
  readonly job: string;
  readonly when: () => boolean;
}

export interface RunnerOptions {
  readonly root: string;
  readonly dir: string;
  readonly bundle: string;
  readonly standIn: GitHubStandIn;
  readonly bridge: GitBridge;
  readonly cloneUrl: string;
  readonly repo: RepoIdentity;
  readonly dispatcher: WorkflowSpec;
  readonly runWorkflow: WorkflowSpec;
  readonly vars?: Readonly<Record<string, string>>;
  readonly secrets?: Readonly<Record<string, string>>;
  /** Each job on a host of its own (as on GitHub, a fresh runner VM per job); needs `unshare -r -u` and python3. */
  readonly runnerHosts?: boolean;
}

const tokenOf = (workflow: WorkflowSpec, job: JobSpec): string => `ghs_${workflow.name}_${job.id}`;

/** GITHUB_TOKEN per job, with exactly the job's `permissions:` (the stand-in enforces them). */
export const jobTokens = (...workflows: WorkflowSpec[]): Record<string, TokenSpec> => Object.fromEntries(workflows.flatMap((w) =>
  w.jobs.map((j) => [tokenOf(w, j), { login: ACTIONS_BOT.login, actions: true, permissions: j.permissions }] as const)));

const requestsIn = (summary: string): number | null => {
  const match = /GitHub API requests(?:<\/td><td>|: )(\d+)/.exec(summary);
  return match?.[1] ? Number(match[1]) : null;
};

/** `paths:` globs: `**` any depth, `*` within one directory. */
const glob = (pattern: string): RegExp =>
  new RegExp(`^${pattern.split('**').map((part) => part.split('*').map((t) => t.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')).join('.*')}$`);

/** Whether the workflow's `on:` takes the event: its `types:` for the payload's action, its `paths:` for a push. */
export function triggers(workflow: WorkflowSpec, event: EventContext): boolean {
  if (!(event.name in workflow.on)) return false;
  const filter = (workflow.on[event.name] ?? {}) as { types?: string[]; paths?: string[] };
  const payload = event.payload as { action?: string; commits?: { added?: string[]; modified?: string[]; removed?: string[] }[] };
  if (filter.types && !filter.types.includes(payload.action ?? '')) return false;
  if (filter.paths && event.name === 'push') {
    const changed = (payload.commits ?? []).flatMap((c) => [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])]);
    return changed.some((file) => (filter.paths ?? []).some((p) => glob(p).test(file)));
  }
  return true;
}

export class WorkflowRunner {
  readonly history: JobRun[] = [];
  /** The SHA each dispatched run resolved its ref to (when the dispatching job ended). */
  private readonly runShas = new Map<number, string>();
  private readonly inputs: Record<string, string>;
  private jobs = 0;

  constructor(private readonly o: RunnerOptions) {
    this.inputs = actionInputs(o.root);
  }

  /**
   * The dispatcher for one event: not triggered at all when `on:` does not take the event (types, push paths);
   * otherwise every job whose `if:` holds runs, and `skipped` names the others.
   */
  async event(event: EventContext): Promise<{ triggered: boolean; ran: JobRun[]; skipped: string[] }> {
    if (!triggers(this.o.dispatcher, event)) return { triggered: false, ran: [], skipped: this.o.dispatcher.jobs.map((j) => j.id) };
    const runId = this.o.standIn.nextId();
    const ran: JobRun[] = [];
    const skipped: string[] = [];
    for (const job of this.o.dispatcher.jobs) {
      if (!jobRuns(job, this.context(this.o.dispatcher, job, event, runId, 1))) skipped.push(job.id);
      else ran.push(await this.job(this.o.dispatcher, job, event, runId, 1));
    }
    return { triggered: true, ran, skipped };
  }

  /** One dispatcher job whatever its `if:` says (what the action itself does with an event the workflow filters out). */
  forced(jobId: string, event: EventContext): Promise<JobRun> {
    const job = this.o.dispatcher.jobs.find((j) => j.id === jobId);
    if (!job) throw new Error(`${this.o.dispatcher.path} has no job ${jobId}`);
    return this.job(this.o.dispatcher, job, event, this.o.standIn.nextId(), 1);
  }

  /** Runs queued in the stand-in (dispatched) and not started yet. */
  queued(): RunRecord[] {
    return this.o.standIn.repo.runs.filter((r) => r.status === 'queued');
  }

  /** A dispatched run of the run workflow, all jobs in `needs:` order; independent jobs run at once. */
  start(record: RunRecord, kill?: KillPlan): Promise<RunAttempt> {
    const sha = this.runShas.get(record.id) ?? this.o.standIn.repo.refs.get(`heads/${record.headBranch}`) ?? '';
    const payload = workflowDispatchPayload({ repo: this.o.repo, ref: `refs/heads/${record.headBranch}`, workflowPath: this.o.runWorkflow.path, inputs: record.inputs, sender: ACTIONS_BOT });
    return this.attempt(record, 1, { name: 'workflow_dispatch', payload, sha, ref: `refs/heads/${record.headBranch}` }, new Map(), null, kill);
  }

  /** "Re-run failed jobs": the failed jobs and their dependents, same SHA and event payload, the others' results kept. */
  rerunFailed(previous: RunAttempt, kill?: KillPlan): Promise<RunAttempt> {
    const failed = [...previous.jobs.values()].filter((j) => j.code !== 0).map((j) => j.job);
    return this.attempt(previous.record, previous.attempt + 1, previous.event, previous.jobs, rerunSet(this.o.runWorkflow.jobs, failed), kill);
  }

  private async attempt(record: RunRecord, attempt: number, event: EventContext, kept: ReadonlyMap<string, JobRun>, only: Set<string> | null, kill?: KillPlan): Promise<RunAttempt> {
    const wf = this.o.runWorkflow;
    this.o.standIn.setRunStatus(record.id, 'in_progress');
    const results = new Map<string, Promise<JobRun | null>>();
    const ran: string[] = [];
    for (const job of dagLevels(wf.jobs).flat()) {
      const previous = kept.get(job.id) ?? null;
      const needs = job.needs.map((n) => results.get(n) ?? Promise.resolve(null));
      results.set(job.id, Promise.all(needs).then(async (done) => {
        if (only !== null && !only.has(job.id)) return previous;
        const needsCtx = Object.fromEntries(job.needs.map((n, i) => [n, { result: done[i] === null ? 'skipped' : done[i]?.code === 0 ? 'success' : 'failure', outputs: {} }]));
        if (!jobRuns(job, { ...this.context(wf, job, event, record.id, attempt, record.inputs), needs: needsCtx })) return null;
        ran.push(job.id);
        return this.job(wf, job, event, record.id, attempt, record.inputs, kill?.job === job.id ? kill : undefined);
      }));
    }
    const jobs = new Map<string, JobRun>();
    for (const [id, result] of results) {
      const run = await result;
      if (run) jobs.set(id, run);
    }
    this.o.standIn.setRunStatus(record.id, 'completed', [...jobs.values()].some((j) => j.code !== 0) ? 'failure' : 'success');
    return { record, attempt, event, jobs, ran };
  }

  private context(wf: WorkflowSpec, job: JobSpec, event: EventContext, runId: number, attempt: number, inputs: Record<string, string> = {}): ExprContext {
    const { repo } = this.o;
    return {
      github: {
        event_name: event.name, event: event.payload, sha: event.sha, ref: event.ref, ref_name: event.ref.replace(/^refs\/(heads|tags)\//, ''),
        repository: `${repo.owner.login}/${repo.name}`, repository_owner: repo.owner.login, token: tokenOf(wf, job),
        run_id: String(runId), run_attempt: String(attempt), workflow: wf.name, job: job.id, actor: ACTIONS_BOT.login,
        server_url: 'https://github.com', api_url: this.o.standIn.url,
      },
      inputs, vars: { ...this.o.vars }, secrets: { ...this.o.secrets },
    };
  }

  private async checkout(workspace: string, branch: string, sha: string | null): Promise<string> {
    const git = async (...args: string[]): Promise<string> => (await exec('git', args, { cwd: workspace, env: testGitEnv() })).stdout.trim();
    mkdirSync(workspace, { recursive: true });
    await git('init', '-q');
    await git('remote', 'add', 'origin', this.o.cloneUrl);
    // fetch-depth: 0 fetches every branch; the checked-out branch is then pinned to the event's SHA.
    await git('-c', 'protocol.version=2', 'fetch', '-q', '--prune', '--no-tags', '--no-recurse-submodules', 'origin', '+refs/heads/*:refs/remotes/origin/*');
    if (sha !== null) await git('update-ref', `refs/remotes/origin/${branch}`, sha);
    await git('checkout', '-q', '--force', '-B', branch, `refs/remotes/origin/${branch}`);
    return git('rev-parse', 'HEAD');
  }

  private async job(wf: WorkflowSpec, job: JobSpec, event: EventContext, runId: number, attempt: number, inputs: Record<string, string> = {}, kill?: KillPlan): Promise<JobRun> {
    this.jobs += 1;
    const dir = join(this.o.dir, 'jobs', `${String(this.jobs).padStart(3, '0')}-${wf.name}-${job.id}-${attempt}`);
    mkdirSync(join(dir, 'tmp'), { recursive: true });
    const ctx = this.context(wf, job, event, runId, attempt, inputs);
    this.o.bridge.sync();
    const ref = job.checkoutRef === null ? null : interpolate(job.checkoutRef, ctx);
    const branch = ref ?? event.ref.replace(/^refs\/heads\//, '');
    const workspace = join(dir, 'workspace');
    const head = await this.checkout(workspace, branch, ref === null ? event.sha : null);
    const files = Object.fromEntries(['event.json', 'output', 'summary', 'env', 'path', 'state'].map((f) => [f, join(dir, f)]));
    for (const [name, path] of Object.entries(files)) writeFileSync(path ?? '', name === 'event.json' ? JSON.stringify(event.payload, null, 2) : '');
    const withInputs = { ...this.inputs, ...job.with };
    const env: NodeJS.ProcessEnv = {
      ...baseActionEnv(),
      ...Object.fromEntries(Object.entries(withInputs).map(([k, v]) => [`INPUT_${k.replace(/ /g, '_').toUpperCase()}`, interpolate(v, ctx)])),
      CI: 'true', GITHUB_ACTIONS: 'true', GITHUB_WORKFLOW: wf.name, GITHUB_WORKFLOW_REF: `${String(ctx.github['repository'])}/${wf.path}@${event.ref}`,
      GITHUB_JOB: job.id, GITHUB_RUN_ID: String(runId), GITHUB_RUN_NUMBER: String(runId), GITHUB_RUN_ATTEMPT: String(attempt),
      GITHUB_EVENT_NAME: event.name, GITHUB_EVENT_PATH: files['event.json'], GITHUB_SHA: event.sha, GITHUB_REF: event.ref,
      GITHUB_REF_NAME: String(ctx.github['ref_name']), GITHUB_REF_TYPE: 'branch', GITHUB_REPOSITORY: String(ctx.github['repository']),
      GITHUB_REPOSITORY_OWNER: this.o.repo.owner.login, GITHUB_ACTOR: ACTIONS_BOT.login, GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_API_URL: this.o.standIn.url, GITHUB_WORKSPACE: workspace, GITHUB_OUTPUT: files['output'], GITHUB_STEP_SUMMARY: files['summary'],
      GITHUB_ENV: files['env'], GITHUB_PATH: files['path'], GITHUB_STATE: files['state'], RUNNER_TEMP: join(dir, 'tmp'), RUNNER_OS: 'Linux',
    };
    const startedAt = performance.now();
    const spawned = spawnAction(this.o.bundle, env, workspace, { detached: true, ...(this.o.runnerHosts ? { hostname: `runner-${this.jobs}` } : {}) });
    let killed = false;
    const poll = kill ? setInterval(() => {
      if (killed || !kill.when()) return;
      killed = true;
      spawned.kill('SIGKILL', true);
    }, 3) : null;
    const result = await spawned.done;
    if (poll) clearInterval(poll);
    const endedAt = performance.now();
    this.o.bridge.sync();
    // A workflow_dispatch run resolves its ref when it is created: remember that SHA for its checkouts.
    for (const r of this.o.standIn.repo.runs) if (!this.runShas.has(r.id)) this.runShas.set(r.id, this.o.standIn.repo.refs.get(`heads/${r.headBranch}`) ?? '');
    const run: JobRun = { ...result, workflow: wf.file, job: job.id, runId, attempt, head, startedAt, endedAt, requests: requestsIn(result.summary), killed };
    this.history.push(run);
    return run;
  }
}
