// `ideamine init`: the CLI in real temp repositories; visibility asked of the GitHub stand-in on 127.0.0.1.
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { githubHosts, parseGitHubRemote } from '../src/cli/init-visibility.js';
import { jsonOf, makeIdeaRepo, PACKAGE_ROOT, runCli, type IdeaRepo } from './support/cli.js';
import { makeRepo } from './support/git-repo.js';
import { startGitHubStandIn, type GitHubStandIn } from './support/github-standin.js';

const REF = 'acme/ideamine@v1';
const WORKFLOWS = ['.github/workflows/ideamine.yml', '.github/workflows/ideamine-run.yml'];
const IDEA = 'ideas/shared-grocery-list.yaml';
const GUIDE = '.ideamine/README.md';
const ALL = [...WORKFLOWS, IDEA, GUIDE];

interface InitJson {
  readonly repoRoot: string;
  readonly actionRef: string;
  readonly files: readonly { path: string; action: string; reason?: string }[];
  readonly visibility: { checked: boolean; repository: string | null; visibility?: string; reason?: string };
  readonly warnings: readonly string[];
  readonly nextSteps: readonly string[];
}

const repos: IdeaRepo[] = [];
const fresh = (): IdeaRepo => {
  const repo = makeIdeaRepo({});
  repos.push(repo);
  return repo;
};
afterAll(() => {
  for (const repo of repos) repo.cleanup();
});

describe('ideamine init in a fresh repository', () => {
  const repo = fresh();
  const other = fresh();

  it('writes the two workflows, the example idea and the guide, and prints the next steps', async () => {
    const r = await repo.cli(['init', '--action-ref', REF]);
    expect(r.code, r.stderr).toBe(0);
    for (const path of ALL) {
      expect(existsSync(join(repo.dir, path)), path).toBe(true);
      expect(r.stdout).toContain(`wrote              ${path}`);
    }
    expect(r.stdout).toMatch(/Next steps:\n {2}1\. Turn on Settings → Actions → General → Workflow permissions → "Allow GitHub Actions to create and approve pull requests"/);
    expect(r.stdout).toContain(`git add ${ALL.join(' ')}`);
    expect(repo.git('status', '--porcelain')).toContain('?? .github/');
  });

  it('writes workflows byte-identical to `ideamine workflow` with the same action ref, so --check passes', async () => {
    const w = await other.cli(['workflow', '--action-ref', REF]);
    expect(w.code, w.stderr).toBe(0);
    for (const path of WORKFLOWS) expect(repo.read(path)).toBe(other.read(path));
    expect(repo.read(WORKFLOWS[1] ?? '')).toContain(`uses: ${REF}`);
    const check = await repo.cli(['workflow', '--check', '--action-ref', REF]);
    expect(check.code, check.stdout).toBe(0);
  });

  it('copies the package\'s example idea without the editor hint whose schema path would not resolve here', () => {
    const original = readFileSync(join(PACKAGE_ROOT, IDEA), 'utf8');
    expect(original.startsWith('# yaml-language-server:')).toBe(true);
    expect(repo.read(IDEA)).toBe(original.slice(original.indexOf('\n') + 1));
  });

  it('the guide names every secret and variable the workflows read, the tokens, the setting and the public-repo risk', () => {
    const guide = repo.read(GUIDE);
    const names = new Set(WORKFLOWS.flatMap((path) => [...repo.read(path).matchAll(/\b(?:secrets|vars)\.([A-Z_]+)/g)].map((m) => m[1] ?? '')));
    expect([...names]).toEqual(expect.arrayContaining(['ANTHROPIC_API_KEY', 'IDEAMINE_PR_TOKEN', 'IDEAMINE_MODEL', 'IDEAMINE_ALLOW_SELF_WAIVER']));
    for (const name of names) expect(guide, name).toContain(`\`${name}\``);
    for (const text of ['`GITHUB_TOKEN`', '`pr-token`', 'Allow GitHub Actions to create and approve pull requests', 'public repository', `--action-ref ${REF}`, 'Re-run failed jobs']) {
      expect(guide, text).toContain(text);
    }
  });

  it('a second init changes nothing and says each file is up to date', async () => {
    const before = ALL.map((p) => repo.read(p));
    const r = jsonOf<InitJson>(await repo.cli(['init', '--json', '--action-ref', REF]));
    expect(r.files.map((f) => [f.path, f.action])).toEqual(ALL.map((p) => [p, 'unchanged']));
    expect(ALL.map((p) => repo.read(p))).toEqual(before);
  });
});

describe('existing files', () => {
  it('keeps a file with other content, naming it, and replaces it only with --force', async () => {
    const repo = fresh();
    repo.write(IDEA, 'name: My own idea\n');
    repo.write(WORKFLOWS[0] ?? '', 'name: mine\n');
    const kept = await repo.cli(['init', '--action-ref', REF]);
    expect(kept.code, kept.stderr).toBe(0);
    expect(kept.stdout).toContain(`skipped            ${IDEA} — exists with other content; kept (--force replaces it)`);
    expect(kept.stdout).toContain(`skipped            ${WORKFLOWS[0] ?? ''}`);
    expect(repo.read(IDEA)).toBe('name: My own idea\n');
    expect(repo.read(WORKFLOWS[0] ?? '')).toBe('name: mine\n');
    expect(kept.stdout).toContain('Push an idea under ideas/');

    const forced = jsonOf<InitJson>(await repo.cli(['init', '--force', '--json', '--action-ref', REF]));
    expect(forced.files.map((f) => [f.path, f.action])).toEqual([
      [WORKFLOWS[0], 'replaced'], [WORKFLOWS[1], 'unchanged'], [IDEA, 'replaced'], [GUIDE, 'unchanged'],
    ]);
    expect(repo.read(IDEA)).toContain('name: Shared grocery list');
    expect(repo.read(WORKFLOWS[0] ?? '')).toContain('# generated by `ideamine workflow`');
  });

  it('never writes through a symbolic link, even with --force', async () => {
    const repo = fresh();
    const outside = join(repo.root, 'outside.md');
    writeFileSync(outside, 'not yours\n');
    mkdirSync(join(repo.dir, '.ideamine'));
    symlinkSync(outside, join(repo.dir, GUIDE));
    const r = jsonOf<InitJson>(await repo.cli(['init', '--force', '--json', '--action-ref', REF]));
    expect(r.files.find((f) => f.path === GUIDE)).toMatchObject({ action: 'skipped', reason: expect.stringContaining('symbolic link') as unknown });
    expect(readFileSync(outside, 'utf8')).toBe('not yours\n');
  });
});

describe('where init may write', () => {
  it('refuses a directory that is not a git work tree, and a bare repository, writing nothing', async () => {
    const plain = fresh();
    const dir = join(plain.root, 'not-a-repo');
    mkdirSync(dir);
    const r = await runCli(['init', '--action-ref', REF], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`ideamine init: ${dir} is not inside a git work tree`);
    expect(r.stderr).toContain('git init');
    const bare = makeRepo({ bare: true });
    try {
      const b = await runCli(['init', bare.dir, '--action-ref', REF], { cwd: plain.root });
      expect(b.code).toBe(2);
      expect(b.stderr).toContain('is not inside a git work tree');
      expect(existsSync(join(bare.dir, '.github'))).toBe(false);
    } finally {
      bare.cleanup();
    }
    const missing = await runCli(['init', join(plain.root, 'nowhere')], { cwd: plain.root });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('does not exist');
  });

  it('writes at the top of the work tree when given a subdirectory', async () => {
    const repo = fresh();
    mkdirSync(join(repo.dir, 'src', 'deep'), { recursive: true });
    const r = await runCli(['init', 'src/deep', '--action-ref', REF], { cwd: repo.dir });
    expect(r.code, r.stderr).toBe(0);
    for (const path of ALL) expect(existsSync(join(repo.dir, path)), path).toBe(true);
    expect(existsSync(join(repo.dir, 'src', 'deep', '.github'))).toBe(false);
  });

  it('needs --action-ref outside IdeaMine\'s own repository, and defaults to "./" inside it', async () => {
    const repo = fresh();
    const r = await repo.cli(['init']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--action-ref');
    expect(existsSync(join(repo.dir, '.github'))).toBe(false);
    repo.write('action.yml', readFileSync(join(PACKAGE_ROOT, 'action.yml'), 'utf8'));
    const own = jsonOf<InitJson>(await repo.cli(['init', '--json']));
    expect(own.actionRef).toBe('./');
    expect(repo.read(WORKFLOWS[1] ?? '')).toContain('uses: ./\n');
  });
});

describe('repository visibility', () => {
  let standIn: GitHubStandIn | undefined;
  afterEach(async () => {
    const s = standIn;
    standIn = undefined;
    if (s) await s.close();
  });

  const githubRepo = (): IdeaRepo => {
    const repo = fresh();
    repo.git('remote', 'add', 'origin', 'https://github.com/acme/widgets.git');
    return repo;
  };
  const start = async (visibility: 'public' | 'private'): Promise<GitHubStandIn> => {
    standIn = await startGitHubStandIn({ visibility, tokens: { 'ghp-reader': { login: 'ada', permissions: { contents: 'read' } } } });
    return standIn;
  };

  it('warns when GitHub says the repository is public', async () => {
    const s = await start('public');
    const repo = githubRepo();
    const r = await repo.cli(['init', '--json', '--action-ref', REF], { GITHUB_TOKEN: 'ghp-reader', GITHUB_API_URL: s.url });
    expect(r.code, r.stderr).toBe(0);
    const report = jsonOf<InitJson>(r);
    expect(report.visibility).toEqual({ checked: true, repository: 'acme/widgets', visibility: 'public' });
    expect(r.stderr).toMatch(/^warning: acme\/widgets is public: the state branches ideamine\/<slug> publish every prompt/m);
    expect(s.count('repos/get')).toBe(1);
    expect(s.count()).toBe(1);
    s.assertNoUnexpected();
  });

  it('says nothing alarming for a private repository (token from GH_TOKEN)', async () => {
    const s = await start('private');
    const repo = githubRepo();
    const r = await repo.cli(['init', '--action-ref', REF], { GH_TOKEN: 'ghp-reader', GITHUB_API_URL: s.url });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Repository acme/widgets is private.');
    expect(r.stderr).toBe('');
    expect(s.count('repos/get')).toBe(1);
    s.assertNoUnexpected();
  });

  it('says it could not check, and why, without a token, without a GitHub origin, or when GitHub refuses the token', async () => {
    const noToken = await githubRepo().cli(['init', '--action-ref', REF]);
    expect(noToken.stderr).toContain('warning: Could not check whether acme/widgets is public (neither GITHUB_TOKEN nor GH_TOKEN is set)');
    expect(noToken.stderr).toContain('gh repo view --json visibility');

    const local = fresh();
    local.git('remote', 'add', 'origin', 'https://user:secret-pass@gitlab.example.com/acme/widgets.git');
    const notGitHub = await local.cli(['init', '--action-ref', REF], { GITHUB_TOKEN: 'ghp-reader' });
    expect(notGitHub.stderr).toContain('(origin (https://gitlab.example.com/acme/widgets.git) is not a repository on a GitHub host)');
    expect(notGitHub.stderr).not.toContain('secret-pass');

    const s = await start('public');
    const refused = await githubRepo().cli(['init', '--json', '--action-ref', REF], { GITHUB_TOKEN: 'ghp-unknown-token', GITHUB_API_URL: s.url });
    expect(refused.code, refused.stderr).toBe(0);
    const report = jsonOf<InitJson>(refused);
    expect(report.visibility.checked).toBe(false);
    expect(report.visibility.reason).toContain('GitHub answered 401');
    expect(refused.stderr).toContain('Could not check whether acme/widgets is public');
    expect(refused.stderr + refused.stdout).not.toContain('ghp-unknown-token');
    expect(s.unexpected).toEqual(['GET /repos/{owner}/{repo}: no or unknown token']);
  });
});

describe('parseGitHubRemote', () => {
  const hosts = githubHosts({});
  it('reads https, ssh and scp-like remotes, with or without .git, dropping credentials', () => {
    for (const url of [
      'https://github.com/acme/widgets.git', 'https://x-access-token:abc@github.com/acme/widgets', 'git@github.com:acme/widgets.git',
      'ssh://git@github.com/acme/widgets.git', 'git://github.com/acme/widgets.git', 'https://github.com/acme/widgets/',
    ]) {
      expect(parseGitHubRemote(url, hosts), url).toEqual({ host: 'github.com', owner: 'acme', repo: 'widgets' });
    }
  });

  it('refuses other hosts and paths that are not owner/repo; GITHUB_SERVER_URL adds an Enterprise host', () => {
    for (const url of ['https://gitlab.com/acme/widgets.git', 'file:///srv/git/widgets.git', '/srv/git/widgets.git', 'https://github.com/acme', 'https://github.com/acme/widgets/tree/main']) {
      expect(parseGitHubRemote(url, hosts), url).toBeNull();
    }
    const ghes = githubHosts({ GITHUB_SERVER_URL: 'https://git.corp.example' });
    expect(parseGitHubRemote('git@git.corp.example:team/app.git', ghes)).toEqual({ host: 'git.corp.example', owner: 'team', repo: 'app' });
  });
});
