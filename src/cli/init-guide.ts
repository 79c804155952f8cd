// For `ideamine init`: the guide written into the repository and the next steps printed after it.
import { WORKFLOW_FILES } from '../core/workflow-gen.js';

export const GUIDE_FILE = '.ideamine/README.md';
export const ACTIONS_SETTING = 'Allow GitHub Actions to create and approve pull requests';
export const SETTING_PATH = `Settings → Actions → General → Workflow permissions → "${ACTIONS_SETTING}"`;
export const PUBLIC_WARNING =
  'the state branches ideamine/<slug> publish every prompt, model output, review text and the ledger of each run: in a public repository anyone can read them.';

export interface GuideInput {
  readonly actionRef: string;
  /** Path of the example idea, e.g. ideas/shared-grocery-list.yaml. */
  readonly exampleIdea: string;
}

export function renderGuide({ actionRef, exampleIdea }: GuideInput): string {
  return `# IdeaMine in this repository

Written by \`ideamine init\`. IdeaMine turns an idea file into a reviewed product plan and scaffold,
one phase per GitHub Actions job, with every step committed to the state branch \`ideamine/<slug>\`.
The workflows \`${WORKFLOW_FILES.dispatcher}\` and \`${WORKFLOW_FILES.run}\` call the action \`${actionRef}\`.
\`${exampleIdea}\` is an example idea: pushing it starts a run.

## What happens when you push an idea

1. You commit \`ideas/<slug>.yaml\` (or \`ideas/<slug>.md\` with YAML front matter) to the default
   branch. The slug is the file name: lowercase letters, digits and dashes.
2. The \`ideamine\` workflow (job "dispatch changed ideas") validates each changed idea. Problems are
   annotations on the file and, all of them, in the job summary (GitHub shows only about ten
   annotations per step). For each valid idea it starts one \`ideamine-run\` workflow whose only
   input is the slug.
3. \`ideamine-run\` has one job per phase, in the order of the phase graph, parallel where the graph
   allows. Each job reads the tip of \`ideamine/<slug>\`, does what is due for its phase (or exits at
   once when nothing is), pushes its progress there and writes a job summary: artifacts, gate
   metrics and score, tokens, cost.
4. When a phase's quality gate still fails after its retries, the job fails with a link to the pull
   request "Gate failed: <phase> — <idea name>" (branch \`ideamine-gate/<slug>/<phase>\`). Its body is
   the gate report: which metrics failed, by how much, what was tried.
   - **Approve** it to waive the gate: your review text is the justification, and the run resumes
     by itself.
   - **Request changes** with a text: the phase is retried with your text as guidance.
   - Only the latest review of someone whose role is write, maintain or admin counts, on the pull
     request's current commit; bots and forks never count, and the idea's own author may waive only
     when the variable \`IDEAMINE_ALLOW_SELF_WAIVER\` is \`true\`. A review that does not count gets a
     comment saying why.
5. "Re-run failed jobs" in the Actions tab resumes from the state branch: finished phases and agent
   tasks are not redone and cost nothing.
6. On its schedule (\`cron:\` in \`${WORKFLOW_FILES.dispatcher}\`) the "reconcile" job catches up on what
   was missed, such as a review event that never arrived. GitHub runs schedules late under load, so
   timers mean "not before".
7. When the run ends, \`dossiers/<slug>/RELEASE_DOSSIER.md\` and \`release-dossier.json\` are committed
   to the default branch, or proposed in a pull request when branch protection refuses the commit.

## Tokens, secrets and variables

| name | kind | what it is for |
|---|---|---|
| \`GITHUB_TOKEN\` | automatic | Pushes to the state branches, starting run workflows, reading reviews and reviewers' roles, comments. Each job asks only for the permissions it needs (\`permissions:\` in the workflows). What it pushes starts no other workflow, so checkpoints trigger nothing. |
| \`ANTHROPIC_API_KEY\` | secret, optional | Claude writes and judges the artifacts. Without it the built-in offline drafter runs: no network, no cost, and judged metrics are "not judged". |
| \`IDEAMINE_PR_TOKEN\` | secret, optional | Given to the action as \`pr-token\`: gate pull requests, answers to reviews and the dossier commit are made with it, so your CI and required checks run on them (events made with \`GITHUB_TOKEN\` start no workflows). Without it, the job summary says that required checks will not run on those pull requests. |
| \`IDEAMINE_MODEL\` | variable, optional | \`auto\` (default: Claude when the key is set, else offline), \`offline\`, or an Anthropic model id. |
| \`IDEAMINE_BUDGET_USD\` | variable, optional | Spending cap in USD for one run; empty means the phases' own budgets. |
| \`IDEAMINE_ALLOW_SELF_WAIVER\` | variable, optional | \`true\` lets an idea's author waive its gates. Default \`false\`. |
| \`IDEAMINE_PR_TOKEN_LOGIN\` | variable, optional | The login \`IDEAMINE_PR_TOKEN\` acts as, so IdeaMine recognises its own gate pull requests. Leave it empty for a personal access token (its login is read through the API); a GitHub App token needs \`<app-slug>[bot]\`. |
| \`IDEAMINE_MAX_RUNS_IN_PROGRESS\` | variable, optional | Repository-wide cap on run workflows queued or in progress (empty: 5). An idea over the cap starts later, when there is room. |
| \`IDEAMINE_MONTHLY_BUDGET_USD\` | variable, optional | Repository-wide cap in USD on model spend per calendar month (UTC). Empty: no cap. |

Secrets and variables live under Settings → Secrets and variables → Actions. For
\`IDEAMINE_PR_TOKEN\`, use a fine-grained personal access token limited to this repository, with read
and write access to Contents, Pull requests, Issues and Actions. A GitHub App installation token
expires after an hour, so it cannot be stored as a secret; the generated workflows read the secret
only.

## One repository setting

${SETTING_PATH} must be ticked (an organisation policy can
override it). Without it GitHub refuses the gate pull requests made with \`GITHUB_TOKEN\`, and the
failing job says so. \`GITHUB_TOKEN\` cannot read this setting: the refusal is how IdeaMine finds out.

## Public repositories

The ${PUBLIC_WARNING.replace(/^the /, '')} Keep ideas you do not want published in a private
repository (\`ideamine init\` warns when it can tell the repository is public).

## Changing the workflows

The two workflow files are generated: do not edit them. After changing the phases (your own
\`.ideamine/phases/*.yaml\`) or upgrading IdeaMine, run \`ideamine workflow --action-ref ${actionRef}\`
and commit the result; \`ideamine workflow --check --action-ref ${actionRef}\` in CI catches drift.
Commit them with your own credentials: \`GITHUB_TOKEN\` may not push files under \`.github/workflows/\`
(a personal access token needs the \`workflow\` scope for that).
`;
}

export interface NextStepsInput {
  readonly guide: string;
  /** The example idea, when this init wrote it. */
  readonly exampleWritten: string | null;
  /** Files IdeaMine needs in the repository (written now or already there), to commit. */
  readonly toCommit: readonly string[];
}

export function nextSteps({ guide, exampleWritten, toCommit }: NextStepsInput): string[] {
  const commit = toCommit.length > 0
    ? `Review, commit and push with your own credentials (GITHUB_TOKEN may not push .github/workflows/): git add ${toCommit.join(' ')} && git commit -m "Add IdeaMine" && git push`
    : 'Every file was skipped: compare them with a fresh `ideamine init --force` in a scratch clone, then commit and push.';
  return [
    `Turn on ${SETTING_PATH}.`,
    'Optional: add the secret ANTHROPIC_API_KEY (without it runs use the offline drafter) and IDEAMINE_PR_TOKEN (so gate pull requests and the dossier commit run your CI).',
    commit,
    exampleWritten === null
      ? 'Push an idea under ideas/ to the default branch to start a run; watch the workflows "ideamine" and "ideamine-run" in the Actions tab.'
      : `That push includes ${exampleWritten}, which starts its run: watch the workflows "ideamine" and "ideamine-run" in the Actions tab (delete or edit the example first if you do not want it run).`,
    `Read ${guide} for what happens next: gate pull requests, waivers, re-runs and the dossier.`,
  ];
}
