// The Action's inputs and runner environment, parsed into one typed options object.
import { badInput } from '../../src/core/errors.js';
import { SLUG_PATTERN } from '../../src/core/idea.js';

export const COMMANDS = ['dispatch', 'phase', 'review', 'tick', 'release'] as const;
export type ActionCommand = (typeof COMMANDS)[number];

export interface ActionOptions {
  readonly command: ActionCommand;
  readonly phase: string;
  readonly slug: string;
  readonly githubToken: string;
  readonly prToken: string | null;
  readonly anthropicKey: string | null;
  readonly model: string;
  readonly budgetUsd: number | null;
  readonly allowSelfWaiver: boolean;
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
  const githubToken = input(env, 'github-token');
  if (githubToken === '') throw badInput('input github-token is empty', ['Leave it unset to use the default `${{ github.token }}`.']);
  const [owner = '', repo = ''] = (env['GITHUB_REPOSITORY'] ?? '').split('/');
  if (!owner || !repo) throw badInput('GITHUB_REPOSITORY is not set: this command runs inside GitHub Actions');
  const serverUrl = env['GITHUB_SERVER_URL'] ?? 'https://github.com';
  return {
    command: command as ActionCommand, phase, slug, githubToken,
    prToken: input(env, 'pr-token') || null,
    anthropicKey: input(env, 'anthropic-api-key') || null,
    model: input(env, 'model') || 'auto',
    budgetUsd,
    allowSelfWaiver: input(env, 'allow-self-waiver') === 'true',
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
