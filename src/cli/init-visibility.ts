// For `ideamine init`: is the repository public? Asked of GitHub's API when a token and a GitHub origin allow it.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { RepoInfo } from '../ports/forge.js';

export type VisibilityCheck =
  | { readonly checked: true; readonly repository: string; readonly visibility: RepoInfo['visibility'] }
  | { readonly checked: false; readonly repository: string | null; readonly reason: string };

export interface GitHubRemote {
  readonly host: string;
  readonly owner: string;
  readonly repo: string;
}

const DEFAULT_API = 'https://api.github.com';
const TIMEOUT_MS = 10_000;

/** Hosts that are GitHub: github.com, plus GITHUB_SERVER_URL's host (GitHub Enterprise) when set. */
export function githubHosts(env: NodeJS.ProcessEnv): Set<string> {
  const hosts = new Set(['github.com', 'www.github.com']);
  const server = env['GITHUB_SERVER_URL'];
  if (server) {
    try {
      hosts.add(new URL(server).host.toLowerCase());
    } catch {
      // Not a URL: only github.com counts.
    }
  }
  return hosts;
}

/**
 * Owner and repository of a remote URL on a GitHub host (https, ssh://, git@host:owner/repo, git://), else null.
 * Credentials embedded in the URL are dropped, never returned.
 */
export function parseGitHubRemote(url: string, hosts: ReadonlySet<string>): GitHubRemote | null {
  const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/)(.+)$/.exec(url);
  let host: string;
  let path: string;
  if (scp && !/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    host = scp[1] ?? '';
    path = scp[2] ?? '';
  } else {
    try {
      const parsed = new URL(url);
      host = parsed.host;
      path = parsed.pathname;
    } catch {
      return null;
    }
  }
  host = host.toLowerCase();
  if (!hosts.has(host)) return null;
  const match = /^\/?([A-Za-z0-9][A-Za-z0-9-]*)\/([A-Za-z0-9._-]+?)(?:\.git)?\/?$/.exec(path);
  if (!match?.[1] || !match[2]) return null;
  return { host, owner: match[1], repo: match[2] };
}

async function originUrl(repoRoot: string): Promise<string | null> {
  try {
    const { stdout } = await promisify(execFile)('git', ['remote', 'get-url', 'origin'], { cwd: repoRoot });
    return stdout.trim() || null;
  } catch {
    return null;
  }
}

/** Drops user:password@ from a URL before it is shown. */
const redact = (url: string): string => url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1');

export async function checkVisibility(repoRoot: string, env: NodeJS.ProcessEnv): Promise<VisibilityCheck> {
  const url = await originUrl(repoRoot);
  if (url === null) return { checked: false, repository: null, reason: 'the repository has no `origin` remote' };
  const remote = parseGitHubRemote(url, githubHosts(env));
  if (remote === null) return { checked: false, repository: null, reason: `origin (${redact(url)}) is not a repository on a GitHub host` };
  const repository = `${remote.owner}/${remote.repo}`;
  const token = env['GITHUB_TOKEN'] || env['GH_TOKEN'];
  if (!token) return { checked: false, repository, reason: 'neither GITHUB_TOKEN nor GH_TOKEN is set' };
  // Loaded only here: the other commands never pay for Octokit.
  const { createGitHubForge } = await import('../adapters/forge/github.js');
  const forge = createGitHubForge({
    token, owner: remote.owner, repo: remote.repo, baseUrl: env['GITHUB_API_URL'] || DEFAULT_API, identityLogin: 'ideamine-init',
    pacing: { serverErrorRetries: 0, rateLimitRetries: 0 },
    fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) }),
  });
  try {
    const info = await forge.repoInfo();
    return { checked: true, repository, visibility: info.visibility };
  } catch (caught) {
    const message = caught instanceof Error ? caught.message : String(caught);
    return { checked: false, repository, reason: message.split(token).join('***') };
  }
}
