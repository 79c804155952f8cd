// `ideamine init [dir]`: adds IdeaMine to a repository — the two workflows, an example idea, a guide — and checks visibility.
import { execFile } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { badInput } from '../core/errors.js';
import { WORKFLOW_FILES } from '../core/workflow-gen.js';
import { findPackageRoot } from '../engine/bundle.js';
import { generateForRepo, LOCAL_ACTION_REF } from '../engine/workflow-files.js';
import { GUIDE_FILE, nextSteps, PUBLIC_WARNING, renderGuide } from './init-guide.js';
import { checkVisibility, type VisibilityCheck } from './init-visibility.js';
import { parse, type Command } from './io.js';

/** The example idea copied from this package's ideas/. */
export const EXAMPLE_IDEA = 'shared-grocery-list.yaml';

export type FileAction = 'created' | 'replaced' | 'unchanged' | 'skipped';

export interface InitFile {
  readonly path: string;
  readonly action: FileAction;
  readonly reason?: string;
}

export interface InitReport {
  readonly repoRoot: string;
  readonly actionRef: string;
  readonly files: readonly InitFile[];
  readonly visibility: VisibilityCheck;
  readonly warnings: readonly string[];
  readonly nextSteps: readonly string[];
}

async function workTreeRoot(dir: string): Promise<string> {
  if (!existsSync(dir)) throw badInput(`${dir} does not exist`, ['Pass the directory of a git repository, or run `ideamine init` inside one.']);
  const git = (args: string[]) => promisify(execFile)('git', args, { cwd: dir }).then((r) => r.stdout.trim(), () => null);
  if ((await git(['rev-parse', '--is-inside-work-tree'])) !== 'true') {
    throw badInput(`${dir} is not inside a git work tree`, [
      'IdeaMine is added to a repository with a working tree (not a bare one): run `git init` there, or `git clone` your repository and run `ideamine init` inside it.',
    ]);
  }
  const root = await git(['rev-parse', '--show-toplevel']);
  if (!root) throw badInput(`${dir}: git could not name the repository's top-level directory`);
  return root;
}

/** The action the workflows call: --action-ref, or "./" when the repository itself holds IdeaMine's action.yml. */
function actionRefFor(repoRoot: string, given: string | undefined): string {
  if (given) return given;
  const actionYml = join(repoRoot, 'action.yml');
  if (existsSync(actionYml) && /^name:\s*IdeaMine\s*$/m.test(readFileSync(actionYml, 'utf8'))) return LOCAL_ACTION_REF;
  throw badInput('the workflows need to know where the IdeaMine action lives', [
    '--action-ref: pass the repository holding IdeaMine\'s action.yml and a ref, e.g. `--action-ref your-org/ideamine@<tag or commit SHA>`.',
    'IdeaMine is not published under a fixed name, so there is no default outside IdeaMine\'s own repository.',
  ]);
}

const normalise = (text: string): string => text.replace(/\r\n/g, '\n');

/** Writes one file unless it exists (then only with force, and never through a symlink or over a directory). */
function place(repoRoot: string, path: string, content: string, force: boolean): InitFile {
  const file = join(repoRoot, path);
  let stat;
  try {
    stat = lstatSync(file);
  } catch {
    stat = null;
  }
  if (stat !== null) {
    if (!stat.isFile()) return { path, action: 'skipped', reason: `exists and is not a regular file (${stat.isSymbolicLink() ? 'a symbolic link' : 'a directory or special file'}); not replaced even with --force` };
    if (normalise(readFileSync(file, 'utf8')) === content) return { path, action: 'unchanged' };
    if (!force) return { path, action: 'skipped', reason: 'exists with other content; kept (--force replaces it)' };
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
  return { path, action: stat === null ? 'created' : 'replaced' };
}

/** The package's example idea without its editor hint, whose relative schema path would not resolve in another repository. */
function exampleIdeaText(packageRoot: string): string {
  const text = readFileSync(join(packageRoot, 'ideas', EXAMPLE_IDEA), 'utf8');
  return normalise(text).replace(/^# yaml-language-server: \$schema=.*\n/, '');
}

export async function initRepository(options: { dir: string; force: boolean; actionRef?: string; env: NodeJS.ProcessEnv }): Promise<InitReport> {
  const repoRoot = await workTreeRoot(options.dir);
  const actionRef = actionRefFor(repoRoot, options.actionRef);
  const packageRoot = findPackageRoot();
  const generated = await generateForRepo({ packageRoot, repoRoot, actionRef });
  const exampleIdea = `ideas/${EXAMPLE_IDEA}`;
  const planned: [string, string][] = [
    [WORKFLOW_FILES.dispatcher, generated.dispatcher],
    [WORKFLOW_FILES.run, generated.run],
    [exampleIdea, exampleIdeaText(packageRoot)],
    [GUIDE_FILE, renderGuide({ actionRef, exampleIdea })],
  ];
  const files = planned.map(([path, content]) => place(repoRoot, path, content, options.force));
  const visibility = await checkVisibility(repoRoot, options.env);
  const warnings: string[] = [];
  if (visibility.checked && visibility.visibility === 'public') {
    warnings.push(`${visibility.repository} is public: ${PUBLIC_WARNING} Use a private repository for ideas you do not want published.`);
  } else if (!visibility.checked) {
    warnings.push(`Could not check whether ${visibility.repository ?? 'this repository'} is public (${visibility.reason}). If it is, ${PUBLIC_WARNING} `
      + 'Check with `gh repo view --json visibility`, or run `ideamine init` again with GITHUB_TOKEN (or GH_TOKEN) set to a token that can read the repository and `origin` pointing at GitHub.');
  }
  const written = files.filter((f) => f.action === 'created' || f.action === 'replaced');
  const steps = nextSteps({
    guide: GUIDE_FILE,
    exampleWritten: written.some((f) => f.path === exampleIdea) ? exampleIdea : null,
    toCommit: files.filter((f) => f.action !== 'skipped').map((f) => f.path),
  });
  return { repoRoot, actionRef, files, visibility, warnings, nextSteps: steps };
}

function describe(file: InitFile): string {
  const verb = { created: 'wrote', replaced: 'replaced', unchanged: 'already up to date', skipped: 'skipped' }[file.action];
  return `  ${verb.padEnd(18)} ${file.path}${file.reason ? ` — ${file.reason}` : ''}\n`;
}

export const initCommand: Command = {
  name: 'init',
  summary: 'add IdeaMine to a repository: the two workflows, an example idea and a guide',
  usage: 'ideamine init [dir] [--force] [--json] [--action-ref <owner/repo@ref>]',
  help: [
    'Writes .github/workflows/ideamine.yml and ideamine-run.yml (as `ideamine workflow` generates them), the example',
    `idea ideas/${EXAMPLE_IDEA} and the guide ${GUIDE_FILE} into the git work tree at dir (default: here).`,
    'Existing files are kept, each named, unless --force. Warns when the repository is public (the state branches',
    'publish every prompt and output): it asks GitHub when GITHUB_TOKEN or GH_TOKEN is set and origin is on GitHub',
    '(GITHUB_API_URL overrides the API address), and says when it could not check.',
    '  --action-ref   the IdeaMine action the workflows call, owner/repo@ref (default "./" only in IdeaMine\'s own repository)',
    '  --force        replace files that exist with other content',
    '  --json         print the report as JSON on stdout',
  ].join('\n'),
  async run(argv, io) {
    const { values, positionals } = parse('init', argv, {
      force: { type: 'boolean' }, json: { type: 'boolean' }, 'action-ref': { type: 'string' },
    }, { min: 0, max: 1, names: 'at most one directory' });
    const report = await initRepository({
      dir: resolve(io.cwd, positionals[0] ?? '.'), force: values.force === true, env: io.env,
      ...(values['action-ref'] ? { actionRef: values['action-ref'] } : {}),
    });
    for (const warning of report.warnings) io.err(`warning: ${warning}\n`);
    if (values.json) {
      io.out(`${JSON.stringify(report, null, 2)}\n`);
      return 0;
    }
    io.out(`IdeaMine in ${report.repoRoot} (action ${report.actionRef}):\n${report.files.map(describe).join('')}`);
    const v = report.visibility;
    if (v.checked) io.out(`Repository ${v.repository} is ${v.visibility}.\n`);
    io.out(`\nNext steps:\n${report.nextSteps.map((s, i) => `  ${i + 1}. ${s}\n`).join('')}`);
    return 0;
  },
};
