// The Action's inputs and runner environment, parsed into one typed options object.
import { badInput } from '../../src/core/errors.js';
import { SLUG_PATTERN } from '../../src/core/idea.js';

export const COMMANDS = ['dispatch', 'phase', 'review', 'tick', 'release'] as const;
/** Runs of the run workflow queued or in progress at once, repository-wide: 5 runs of at most 2 parallel phase jobs stay within a free plan's 20 concurrent jobs. */
export const DEFAULT_MAX_RUNS_IN_PROGRESS = 5;
/** A GitHub login: a user's, or an App's bot ("<app-slug>[bot]"). */
const LOGIN_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/;
export type ActionCommand = (typeof COMMANDS)[number];

export interface ActionOptions {
  readonly command: ActionCommand;
  readonly phase: string;
  readonly slug: string;
  readonly githubToken: string;
  readonly prToken: string | null;
  /** The login pr-token acts as, when given (an App installation token cannot read it); else read once with GET /user. */
  readonly prTokenLogin: string | null;
  readonly anthropicKey: string | null;
  readonly model: string;
  readonly budgetUsd: number | null;
  readonly allowSelfWaiver: boolean;
  readonly maxRunsInProgress: number;
  /** Null: no monthly spend cap. */
  readonly monthlyBudgetUsd: number | null;
  readonly owner: string;
  readonly repo: string;
  readonly apiUrl: string;
  readonly serverUrl: string;
  readonly workspace: string;
  readonly eventName: string;
  readonly eventPath: string | null;
  readonly actor: string;
  readonly runUrl: string;
  readonly env: NodeJS.ProcessEnv;
}

/** Inputs arrive as INPUT_<NAME> (upper-cased, spaces to underscores, dashes kept). */
const input = (env: NodeJS.ProcessEnv, name: string): string => (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim();

export function readOptions(env: NodeJS.ProcessEnv): ActionOptions {
  const command = input(env, 'command');
  if (!(COMMANDS as readonly string[]).includes(command)) {
    throw badInput(`input command: "${command}" is not one of ${COMMANDS.join(', ')}`, ['Set `with: command:` in the workflow (the generated workflows do).']);
  }
  const slug = input(env, 'slug');
  if (slug !== '' && !SLUG_PATTERN.test(slug)) throw badInput(`input slug: "${slug}" is not a lowercase slug (letters, digits, dashes)`);
  if ((command === 'phase' || command === 'release') && slug === '') throw badInput(`input slug is required for command ${command}`);
  const phase = input(env, 'phase');
  if (command === 'phase' && phase === '') throw badInput('input phase is required for command phase');
  const budget = input(env, 'budget-usd');
  const budgetUsd = budget === '' ? null : Number(budget);
  if (budgetUsd !== null && (!Number.isFinite(budgetUsd) || budgetUsd <= 0)) throw badInput(`input budget-usd: "${budget}" is not a positive number`);
  const maxRuns = input(env, 'max-runs-in-progress');
  const maxRunsInProgress = maxRuns === '' ? DEFAULT_MAX_RUNS_IN_PROGRESS : Number(maxRuns);
  if (!Number.isInteger(maxRunsInProgress) || maxRunsInProgress < 1) {
    throw badInput(`input max-runs-in-progress: "${maxRuns}" is not a whole number of at least 1`, [`Leave it empty for the default (${DEFAULT_MAX_RUNS_IN_PROGRESS}).`]);
  }
  const monthly = input(env, 'monthly-budget-usd');
  const monthlyBudgetUsd = monthly === '' ? null : Number(monthly);
  if (monthlyBudgetUsd !== null && (!Number.isFinite(monthlyBudgetUsd) || monthlyBudgetUsd <= 0)) {
    throw badInput(`input monthly-budget-usd: "${monthly}" is not a positive number of US dollars`, ['Leave it empty for no monthly cap.']);
  }
  const prTokenLogin = input(env, 'pr-token-login') || null;
  if (prTokenLogin !== null && !LOGIN_PATTERN.test(prTokenLogin)) {
    throw badInput(`input pr-token-login: "${prTokenLogin}" is not a GitHub login`, ['For a GitHub App token use "<app-slug>[bot]"; for a personal access token leave it empty.']);
  }
  const githubToken = input(env, 'github-token');
  if (githubToken === '') throw badInput('input github-token is empty', ['Leave it unset to use the default `${{ github.token }}`.']);
  const [owner = '', repo = ''] = (env['GITHUB_REPOSITORY'] ?? '').split('/');
  if (!owner || !repo) throw badInput('GITHUB_REPOSITORY is not set: this command runs inside GitHub Actions');
  const serverUrl = env['GITHUB_SERVER_URL'] ?? 'https://github.com';
  return {
    command: command as ActionCommand, phase, slug, githubToken,
    prToken: input(env, 'pr-token') || null,
    prTokenLogin,
    anthropicKey: input(env, 'anthropic-api-key') || null,
    model: input(env, 'model') || 'auto',
    budgetUsd,
    allowSelfWaiver: input(env, 'allow-self-waiver') === 'true',
    maxRunsInProgress, monthlyBudgetUsd,
    owner, repo,
    apiUrl: env['GITHUB_API_URL'] ?? 'https://api.github.com',
    serverUrl,
    workspace: env['GITHUB_WORKSPACE'] ?? process.cwd(),
    eventName: env['GITHUB_EVENT_NAME'] ?? '',
    eventPath: env['GITHUB_EVENT_PATH'] ?? null,
    actor: env['GITHUB_ACTOR'] ?? '',
    runUrl: `${serverUrl}/${owner}/${repo}/actions/runs/${env['GITHUB_RUN_ID'] ?? ''}`,
    env,
  };
}

/** "auto": Claude when a key is set, else the offline drafter; "offline"; or an Anthropic model id. */
export function modelSpec(options: ActionOptions): { spec: string; modelId?: string } {
  if (options.model === 'offline' || (options.model === 'auto' && !options.anthropicKey)) return { spec: 'offline' };
  if (options.model === 'auto') return { spec: 'anthropic' };
  return { spec: 'anthropic', modelId: options.model };
}
