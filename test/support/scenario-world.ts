// The world of the Action scenario test: a repository "acme/widgets" whose Git side is a bare repository served by
// `git http-backend` on 127.0.0.1 and whose API side is the GitHub stand-in (bridged into one repository), the
// generated workflows, one token per job, a user's clone, people with roles, and event payloads built from it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { buildActionBundle, ROOT } from './action-harness.js';
import { bridgeGit, type GitBridge } from './github-git-bridge.js';
import { startGitHubStandIn, type GitHubStandIn } from './github-standin.js';
import { testGitEnv } from './git-repo.js';
import { allowHttpPush, startHttpGitServer, type HttpGitServer } from './http-backend.js';
import { pushPayload, reviewPayload, schedulePayload, type Person, type RepoIdentity } from './webhook-payloads.js';
import { jobTokens, WorkflowRunner, type EventContext } from './workflow-runner.js';
import { loadWorkflow, type WorkflowSpec } from './workflow-spec.js';

export interface LedgerEvent {
  readonly seq: number;
  readonly type: string;
  readonly phase: string | null;
  readonly data: Record<string, unknown>;
}

export interface World {
  readonly dir: string;
  readonly standIn: GitHubStandIn;
  readonly http: HttpGitServer;
  readonly bareDir: string;
  readonly bridge: GitBridge;
  readonly runner: WorkflowRunner;
  readonly repo: RepoIdentity;
  readonly dispatcher: WorkflowSpec;
  readonly runWorkflow: WorkflowSpec;
  person(login: string): Person;
  /** git in the bare remote (what a clone sees). */
  remoteGit(...args: string[]): string;
  /** Someone commits files on a branch (UTC dates, as the stand-in stores them) and pushes over HTTP; returns the `push` event. */
  push(files: Readonly<Record<string, string>>, message: string, pusher: string, branch?: string): EventContext;
  /**
   * Subjects of the state branch's last commits on the remote, newest first, read from the loose files (fast enough to
   * poll while jobs push; parallel jobs interleave their commits, hence more than the tip).
   */
  stateSubjects(slug: string, depth?: number): string[];
  /** The `pull_request_review` event GitHub sends for a review stored in the stand-in. */
  reviewEvent(prNumber: number, reviewId: number): EventContext;
  scheduleEvent(): EventContext;
  /** The run's ledger on the remote's state branch (empty when missing). */
  ledger(slug: string, runId: string): LedgerEvent[];
  close(): Promise<void>;
}

const REPO_ID = 1296269;

export async function startWorld(label: string, options: { collaborators: Readonly<Record<string, string>>; runnerHosts?: boolean }): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), `ideamine-${label}-`));
  const bundle = await buildActionBundle(dir);
  const dispatcher = loadWorkflow(ROOT, 'ideamine.yml');
  const runWorkflow = loadWorkflow(ROOT, 'ideamine-run.yml');
  const standIn = await startGitHubStandIn({
    tokens: jobTokens(dispatcher, runWorkflow),
    workflows: [dispatcher.file, runWorkflow.file],
    files: {
      'README.md': '# widgets\n',
      [dispatcher.path]: readFileSync(join(ROOT, dispatcher.path), 'utf8'),
      [runWorkflow.path]: readFileSync(join(ROOT, runWorkflow.path), 'utf8'),
    },
  });
  const run = standIn.repo.workflow(runWorkflow.file);
  if (run && runWorkflow.runName !== null) run.runName = runWorkflow.runName;
  for (const [login, role] of Object.entries(options.collaborators)) standIn.addCollaborator(login, role);

  const root = join(dir, 'git');
  const bareDir = join(root, 'acme', 'widgets.git');
  mkdirSync(bareDir, { recursive: true });
  const gitIn = (cwd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): string =>
    execFileSync('git', args, { cwd, env: { ...testGitEnv(), ...env }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] }).replace(/\n$/, '');
  gitIn(bareDir, ['init', '-q', '--bare', '--initial-branch=main']);
  allowHttpPush(bareDir);
  const http = await startHttpGitServer(root);
  const bridge = bridgeGit(standIn.repo, bareDir);
  bridge.sync();

  const owner = standIn.account(standIn.repo.owner);
  const repo: RepoIdentity = { owner: { login: owner.login, id: owner.id, type: owner.type }, name: standIn.repo.name, id: REPO_ID, defaultBranch: 'main', private: true };
  const runner = new WorkflowRunner({
    root: ROOT, dir, bundle, standIn, bridge, cloneUrl: http.url('acme/widgets.git'), repo, dispatcher, runWorkflow, runnerHosts: options.runnerHosts === true,
  });

  const userDir = join(dir, 'user');
  gitIn(dir, ['clone', '-q', http.url('acme/widgets.git'), userDir]);
  const person = (login: string): Person => {
    const a = standIn.account(login);
    return { login: a.login, id: a.id, type: a.type };
  };
  const remoteGit = (...args: string[]): string => gitIn(bareDir, args);
  const fullName = `${repo.owner.login}/${repo.name}`;

  return {
    dir, standIn, http, bareDir, bridge, runner, repo, dispatcher, runWorkflow, person, remoteGit,
    push(files, message, pusher, branch = 'main') {
      const who = person(pusher);
      const env = { TZ: 'UTC', GIT_AUTHOR_NAME: who.login, GIT_AUTHOR_EMAIL: `${who.id}+${who.login}@users.noreply.github.com`, GIT_COMMITTER_NAME: who.login, GIT_COMMITTER_EMAIL: `${who.id}+${who.login}@users.noreply.github.com` };
      gitIn(userDir, ['fetch', '-q', 'origin']);
      gitIn(userDir, ['checkout', '-q', '-B', branch, `origin/${branch}`]);
      const before = gitIn(userDir, ['rev-parse', 'HEAD']);
      for (const [path, content] of Object.entries(files)) {
        mkdirSync(dirname(join(userDir, path)), { recursive: true });
        writeFileSync(join(userDir, path), content);
      }
      gitIn(userDir, ['add', '--', ...Object.keys(files)], env);
      gitIn(userDir, ['commit', '-q', '-m', message], env);
      gitIn(userDir, ['push', '-q', 'origin', branch], env);
      const after = gitIn(userDir, ['rev-parse', 'HEAD']);
      const commits = gitIn(userDir, ['rev-list', '--reverse', `${before}..${after}`]).split('\n').filter(Boolean).map((id) => {
        const [treeId = '', name = '', email = '', timestamp = ''] = gitIn(userDir, ['show', '-s', '--format=%T%n%an%n%ae%n%aI', id]).split('\n');
        const changes = gitIn(userDir, ['diff-tree', '--no-commit-id', '--no-renames', '-r', '--name-status', id]).split('\n').filter(Boolean).map((l) => l.split('\t'));
        const of = (status: string): string[] => changes.filter(([s]) => s === status).map(([, path]) => path ?? '');
        return { id, treeId, message: gitIn(userDir, ['show', '-s', '--format=%B', id]), timestamp, author: { name, email }, added: of('A'), modified: of('M'), removed: of('D') };
      });
      const ref = `refs/heads/${branch}`;
      return { name: 'push', payload: pushPayload({ repo, ref, before, after, commits, pusher: who }), sha: after, ref };
    },
    reviewEvent(prNumber, reviewId) {
      const pull = standIn.pull(prNumber);
      const review = (standIn.repo.reviews.get(prNumber) ?? []).find((r) => r.id === reviewId);
      if (!review) throw new Error(`no review ${reviewId} on #${prNumber}`);
      const role = standIn.repo.collaborators.get(review.user.login.toLowerCase());
      const association = review.user.login === repo.owner.login ? 'OWNER' : role !== undefined ? 'COLLABORATOR' : 'NONE';
      const fork = pull.headRepo === fullName ? undefined : person(pull.headRepo.split('/')[0] ?? '');
      const baseSha = standIn.repo.refs.get(`heads/${pull.baseRef}`) ?? '';
      const payload = reviewPayload({
        repo, authorAssociation: association,
        review: { id: review.id, user: review.user, state: review.state.toLowerCase() as 'approved', body: review.body, commitId: review.commitId, submittedAt: review.submittedAt },
        pull: {
          number: pull.number, title: pull.title, body: pull.body, user: pull.user, headRef: pull.headRef, headSha: standIn.repo.headSha(pull),
          baseRef: pull.baseRef, baseSha, createdAt: pull.createdAt, ...(fork ? { forkOwner: fork } : {}),
        },
      });
      return { name: 'pull_request_review', payload, sha: baseSha, ref: `refs/pull/${prNumber}/merge` };
    },
    scheduleEvent() {
      const cron = ((dispatcher.on['schedule'] as { cron: string }[] | undefined)?.[0]?.cron) ?? '';
      return { name: 'schedule', payload: schedulePayload(cron, dispatcher.path), sha: standIn.repo.refs.get('heads/main') ?? '', ref: 'refs/heads/main' };
    },
    stateSubjects(slug, depth = 6) {
      const subjects: string[] = [];
      try {
        let oid = readFileSync(join(bareDir, 'refs', 'heads', 'ideamine', slug), 'utf8').trim();
        while (oid && subjects.length < depth) {
          const object = inflateSync(readFileSync(join(bareDir, 'objects', oid.slice(0, 2), oid.slice(2)))).toString('utf8');
          subjects.push(object.slice(object.indexOf('\n\n') + 2).split('\n', 1)[0] ?? '');
          oid = /\nparent ([0-9a-f]{40})/.exec(object)?.[1] ?? '';
        }
      } catch {
        // Packed, or mid-update: the next poll reads it.
      }
      return subjects;
    },
    ledger(slug, runId) {
      let text = '';
      try {
        text = remoteGit('show', `ideamine/${slug}:.ideamine/runs/${runId}/ledger.jsonl`);
      } catch {
        return [];
      }
      return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as LedgerEvent);
    },
    async close() {
      await http.close();
      await standIn.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
