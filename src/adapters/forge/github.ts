// The Forge port on GitHub's REST API: gate PRs, human input, Git data commits and workflow runs.
import { ErrorCode, IdeaMineError } from '../../core/errors.js';
import { capText, gateBranch, renderMarker, sameGate, BODY_BUDGET } from '../../core/gate-pr.js';
import type { Forge, ForgeCommitRequest, GatePr, GatePrRequest, GatePrResult, RepoInfo, WorkflowRunStatus } from '../../ports/forge.js';
import { commitFiles, type RepoRef } from './github-commit.js';
import { forgeError, isActionsPrCreationDisabled, isPrAlreadyExists, isStatus } from './github-errors.js';
import { readHumanInput } from './github-human.js';
import { toGatePr } from './github-pulls.js';
import { createClient, type ForgeOctokit, type MutableStats, type PacingOptions } from './github-octokit.js';

export interface GitHubForgeOptions {
  readonly token: string;
  readonly owner: string;
  readonly repo: string;
  /** GITHUB_API_URL in Actions; https://api.github.com by default. */
  readonly baseUrl?: string;
  readonly fetch?: typeof globalThis.fetch;
  /**
   * The login the token acts as (github-actions[bot] for GITHUB_TOKEN, <app-slug>[bot] for an App), or
   * null to ask GitHub (GET /user) once, on first need: that works for a personal access token only.
   */
  readonly identityLogin: string | null;
  readonly pacing?: PacingOptions & { readonly raceJitterMs?: number };
  readonly warn?: (message: string) => void;
}

/** Keeps the body under GitHub's limit with the marker intact at its end. */
function fitBody(request: GatePrRequest): string {
  const marker = renderMarker(request.marker);
  const text = request.body.includes(marker) ? request.body.replace(marker, '').trimEnd() : request.body;
  return `${capText(text, `\`${request.file.path}\` in this pull request`, BODY_BUDGET - marker.length - 2)}\n\n${marker}`;
}

const ACTIONS_PR_SETTING = [
  'The repository (or its organisation) does not allow GitHub Actions to create pull requests.',
  'Turn on Settings → Actions → General → "Allow GitHub Actions to create and approve pull requests",',
  'or give IdeaMine an App or PAT token through the `pr-token` input. The setting cannot be read with GITHUB_TOKEN; this refusal is how it shows.',
];

/** Runs a request sequence; an HTTP failure becomes an IdeaMineError naming what was being done. */
async function guard<T>(doing: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (caught) {
    if (caught instanceof IdeaMineError) throw caught;
    throw forgeError(doing, caught);
  }
}

const INSTALLATION_LOGIN = [
  'An App installation token cannot read its own login (GitHub refuses GET /user to installation tokens).',
  'Set the input `pr-token-login` to the App\'s bot login, "<app-slug>[bot]" (actions/create-github-app-token outputs app-slug;',
  'the generated workflows pass the repository variable IDEAMINE_PR_TOKEN_LOGIN).',
];

export function createGitHubForge(options: GitHubForgeOptions): Forge {
  const stats: MutableStats = { requests: 0, byRoute: {} };
  const octokit: ForgeOctokit = createClient({
    token: options.token, baseUrl: options.baseUrl ?? 'https://api.github.com',
    ...(options.fetch ? { fetch: options.fetch } : {}), ...(options.pacing ? { pacing: options.pacing } : {}), ...(options.warn ? { warn: options.warn } : {}),
  }, stats);
  const { owner, repo } = options;
  let identity = options.identityLogin;
  let asking: Promise<string> | undefined;
  let info: RepoInfo | undefined;

  /** The token's login, asked of GitHub at most once per forge (one request per job). */
  const resolveIdentity = (): Promise<string> => {
    if (identity !== null) return Promise.resolve(identity);
    asking ??= (async () => {
      try {
        const { data } = await octokit.rest.users.getAuthenticated();
        identity = data.login;
        return data.login;
      } catch (caught) {
        if (isStatus(caught, 403)) throw forgeError('reading the login of the pr-token (GET /user)', caught, INSTALLATION_LOGIN);
        throw forgeError('reading the login of the pr-token (GET /user)', caught);
      }
    })();
    return asking;
  };

  const repoInfo = async (): Promise<RepoInfo> => {
    if (info) return info;
    try {
      const { data } = await octokit.rest.repos.get({ owner, repo });
      const visibility = data.visibility === 'internal' ? 'internal' : data.private ? 'private' : 'public';
      info = { defaultBranch: data.default_branch, visibility, fullName: data.full_name };
      return info;
    } catch (caught) {
      throw forgeError(`reading repository ${owner}/${repo}`, caught);
    }
  };
  const ref: RepoRef = { octokit, owner, repo, defaultBranch: async () => (await repoInfo()).defaultBranch, raceJitterMs: options.pacing?.raceJitterMs ?? 200 };
  const commit = (request: ForgeCommitRequest) => commitFiles(ref, request);

  async function findOurs(request: GatePrRequest, head: string): Promise<{ pr: GatePr; title: string; body: string | null } | null> {
    const identity = await resolveIdentity();
    const pulls = await octokit.paginate(octokit.rest.pulls.list, { owner, repo, state: 'open', head: `${owner}:${head}`, per_page: 100 });
    for (const pull of pulls) {
      const pr = toGatePr(pull, identity);
      if (pr.ours && sameGate(pr.marker, request.marker)) return { pr, title: pull.title, body: pull.body };
    }
    return null;
  }

  async function findOrCreateGatePr(request: GatePrRequest): Promise<GatePrResult> {
    const identity = await resolveIdentity();
    const head = gateBranch(request.marker.slug, request.marker.phase);
    const { defaultBranch } = await repoInfo();
    const body = fitBody(request);
    const committed = await commit({ branch: head, files: [request.file], message: `ideamine: gate report for ${request.marker.slug}/${request.marker.phase} (attempt ${request.marker.attempt})` });
    if (committed.kind === 'refused') throw new IdeaMineError(ErrorCode.refused, `gate branch ${head}: ${committed.message}`);
    try {
      const { data } = await octokit.rest.pulls.create({ owner, repo, head, base: defaultBranch, title: request.title, body, maintainer_can_modify: false });
      return { pr: toGatePr(data, identity), action: 'created' };
    } catch (caught) {
      if (isActionsPrCreationDisabled(caught)) throw new IdeaMineError(ErrorCode.refused, `opening the gate PR for ${head}: ${ACTIONS_PR_SETTING[0] ?? ''}`, { cause: caught, details: ACTIONS_PR_SETTING.slice(1) });
      if (!isPrAlreadyExists(caught)) throw forgeError(`opening the gate PR for ${head}`, caught);
    }
    const found = await guard(`finding the gate PR for ${head}`, () => findOurs(request, head));
    if (!found) {
      throw new IdeaMineError(ErrorCode.refused, `an open pull request from ${head} exists, but it was not opened by ${identity} with IdeaMine's marker for ${request.marker.slug}/${request.marker.phase}`, {
        details: ['Close that pull request (or rename its branch) so IdeaMine can open its own.'],
      });
    }
    if (found.title === request.title && found.body === body) return { pr: found.pr, action: 'unchanged' };
    const { data } = await guard(`updating #${found.pr.number}`, () => octokit.rest.pulls.update({ owner, repo, pull_number: found.pr.number, title: request.title, body }));
    return { pr: toGatePr(data, identity), action: 'updated' };
  }

  async function findOrCreatePr(request: { head: string; title: string; body: string }): Promise<{ number: number; url: string; action: 'created' | 'existing' }> {
    const me = await resolveIdentity();
    const { defaultBranch } = await repoInfo();
    const body = capText(request.body, `branch \`${request.head}\``);
    try {
      const { data } = await octokit.rest.pulls.create({ owner, repo, head: request.head, base: defaultBranch, title: request.title, body });
      return { number: data.number, url: data.html_url, action: 'created' };
    } catch (caught) {
      if (isActionsPrCreationDisabled(caught)) throw new IdeaMineError(ErrorCode.refused, `opening a pull request from ${request.head}: ${ACTIONS_PR_SETTING[0] ?? ''}`, { cause: caught, details: ACTIONS_PR_SETTING.slice(1) });
      if (!isPrAlreadyExists(caught)) throw forgeError(`opening a pull request from ${request.head}`, caught);
    }
    const open = await guard(`finding the pull request from ${request.head}`, () => octokit.rest.pulls.list({ owner, repo, state: 'open', head: `${owner}:${request.head}`, per_page: 100 }));
    const ours = open.data.find((p) => p.user?.login === me);
    if (!ours) throw new IdeaMineError(ErrorCode.refused, `an open pull request from ${request.head} exists, but ${me} did not open it`, { details: ['Close it (or rename its branch) so IdeaMine can open its own.'] });
    return { number: ours.number, url: ours.html_url, action: 'existing' };
  }

  async function comment(issueNumber: number, text: string, fullTextAt?: string): Promise<{ id: number; url: string }> {
    const body = capText(text, fullTextAt ?? 'the run\'s ledger on its state branch');
    try {
      const { data } = await octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body });
      return { id: data.id, url: data.html_url };
    } catch (caught) {
      throw forgeError(`commenting on #${issueNumber}`, caught, ['The workflow needs `issues: write` and `pull-requests: write`.']);
    }
  }

  return {
    get identity(): string {
      if (identity === null) throw new IdeaMineError(ErrorCode.internal, 'the forge\'s login was read before resolveIdentity() settled');
      return identity;
    },
    resolveIdentity,
    stats,
    repoInfo,
    commitFiles: commit,
    findOrCreateGatePr,
    findOrCreatePr,
    async listGatePrs() {
      const me = await resolveIdentity();
      const pulls = await guard('listing open gate PRs', () => octokit.paginate(octokit.rest.pulls.list, { owner, repo, state: 'open', per_page: 100 }));
      return pulls.filter((p) => p.head.ref.startsWith('ideamine-gate/')).map((p) => toGatePr(p, me)).filter((pr) => pr.ours);
    },
    closeGatePr: (prNumber, text) => guard(`closing #${prNumber}`, async () => {
      const me = await resolveIdentity();
      const { data } = await octokit.rest.pulls.get({ owner, repo, pull_number: prNumber });
      const pr = toGatePr(data, me);
      if (!pr.ours) throw new IdeaMineError(ErrorCode.refused, `#${prNumber} is not an IdeaMine gate PR (author ${pr.author}, head ${pr.headRef}): not closing it`);
      await comment(prNumber, text, `\`${pr.headRef}\``);
      if (pr.state === 'open') await octokit.rest.pulls.update({ owner, repo, pull_number: prNumber, state: 'closed' });
      try {
        await octokit.rest.git.deleteRef({ owner, repo, ref: `heads/${pr.headRef}` });
      } catch (caught) {
        // Already deleted (or never pushed): closing is what matters.
        if (!isStatus(caught, 404, 422)) throw forgeError(`deleting branch ${pr.headRef}`, caught);
      }
    }),
    readHumanInput: async (prNumber) => readHumanInput({ octokit, owner, repo, identity: await resolveIdentity() }, prNumber),
    comment,
    async dispatchRun(workflowFile, gitRef, inputs) {
      try {
        await octokit.rest.actions.createWorkflowDispatch({ owner, repo, workflow_id: workflowFile, ref: gitRef, inputs: { ...inputs } });
      } catch (caught) {
        throw forgeError(`dispatching ${workflowFile} on ${gitRef}`, caught, ['The dispatcher needs `actions: write`, and the workflow must have a workflow_dispatch trigger on that ref.']);
      }
    },
    async listWorkflowRuns(workflowFile, status?: WorkflowRunStatus, limit?: number) {
      // One request while there are at most 100 (the usual case); more pages only when there are more and no limit is reached.
      let seen = 0;
      const runs = await guard(`listing runs of ${workflowFile}`, () =>
        octokit.paginate(octokit.rest.actions.listWorkflowRuns, { owner, repo, workflow_id: workflowFile, per_page: 100, ...(status ? { status } : {}) }, (response, done) => {
          seen += response.data.length;
          if (limit !== undefined && seen >= limit) done();
          return response.data;
        }));
      return runs.map((r) => ({
        id: r.id, status: r.status ?? 'unknown', conclusion: r.conclusion, event: r.event, headBranch: r.head_branch,
        displayTitle: r.display_title, createdAt: r.created_at, url: r.html_url,
      }));
    },
  };
}
