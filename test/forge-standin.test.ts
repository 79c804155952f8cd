// The GitHub stand-in itself: it must reject what GitHub would, so tests using it can fail.
import { afterEach, describe, expect, it } from 'vitest';
import { GitStore } from './support/github-standin/git.js';
import { startGitHubStandIn, type GitHubStandIn } from './support/github-standin.js';

let standIn: GitHubStandIn | undefined;
afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});

async function start(quota?: number): Promise<GitHubStandIn> {
  standIn = await startGitHubStandIn({
    tokens: {
      full: { login: 'github-actions[bot]', actions: true, permissions: { contents: 'write', 'pull-requests': 'write' }, ...(quota ? { quota } : {}) },
      none: { login: 'reader[bot]', permissions: {} },
    },
  });
  return standIn;
}

async function call(s: GitHubStandIn, method: string, path: string, body?: unknown, token = 'full'): Promise<{ status: number; data: unknown; headers: Headers }> {
  const res = await fetch(`${s.url}${path}`, {
    method, headers: { authorization: `token ${token}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, data: text === '' ? null : JSON.parse(text), headers: res.headers };
}

describe('request checks against the OpenAPI subset', () => {
  it('accepts a valid request and records nothing unexpected', async () => {
    const s = await start();
    expect((await call(s, 'GET', '/repos/acme/widgets/git/ref/heads/main')).status).toBe(200);
    expect((await call(s, 'GET', '/repos/acme/widgets/git/ref/heads%2Fmain')).status).toBe(200);
    s.assertNoUnexpected();
  });

  it('rejects a body missing a required field, an unknown key, a bad enum and an unknown query parameter', async () => {
    const s = await start();
    expect((await call(s, 'POST', '/repos/acme/widgets/pulls', { title: 't', base: 'main' })).status).toBe(422);
    expect((await call(s, 'POST', '/repos/acme/widgets/git/refs', { ref: 'refs/heads/x', sha: 'a'.repeat(40), forse: true })).status).toBe(422);
    expect((await call(s, 'GET', '/repos/acme/widgets/pulls?state=bogus')).status).toBe(422);
    expect((await call(s, 'GET', '/repos/acme/widgets/pulls?author=me')).status).toBe(422);
    expect(s.unexpected).toHaveLength(4);
    expect(s.unexpected[0]).toContain('must have required property \'head\'');
    expect(s.unexpected[1]).toContain('unknown key "forse"');
    expect(s.unexpected[2]).toContain('query parameter "state": must be one of "open", "closed", "all"');
    expect(s.unexpected[3]).toContain('query "author" is not a parameter');
    expect(() => s.assertNoUnexpected()).toThrow(/4 unexpected request/);
  });

  it('rejects unknown routes, other repositories and missing tokens', async () => {
    const s = await start();
    expect((await call(s, 'GET', '/repos/acme/widgets/branches')).status).toBe(404);
    expect((await call(s, 'GET', '/repos/acme/other')).status).toBe(404);
    expect((await call(s, 'GET', '/repos/acme/widgets', undefined, 'stolen')).status).toBe(401);
    expect(s.unexpected).toHaveLength(3);
  });
});

describe('token scopes', () => {
  it('answers 403 like GitHub when the workflow did not grant the permission; metadata is always readable', async () => {
    const s = await start();
    const refused = await call(s, 'GET', '/repos/acme/widgets/pulls', undefined, 'none');
    expect(refused.status).toBe(403);
    expect(refused.data).toMatchObject({ message: 'Resource not accessible by integration' });
    expect(s.scopeRefusals).toEqual(['GET /repos/{owner}/{repo}/pulls: token of reader[bot] lacks pull-requests: read']);
    expect((await call(s, 'GET', '/repos/acme/widgets', undefined, 'none')).status).toBe(200);
    expect((await call(s, 'POST', '/repos/acme/widgets/actions/workflows/x.yml/dispatches', { ref: 'main' })).status).toBe(403);
    s.assertNoUnexpected();
  });

  it('enforces the primary rate limit with GitHub\'s headers', async () => {
    const s = await start(2);
    expect((await call(s, 'GET', '/repos/acme/widgets')).headers.get('x-ratelimit-remaining')).toBe('1');
    await call(s, 'GET', '/repos/acme/widgets');
    const limited = await call(s, 'GET', '/repos/acme/widgets');
    expect(limited.status).toBe(403);
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
  });
});

describe('expectations and faults', () => {
  it('reports expectations and scripted faults left unused', async () => {
    const s = await start();
    s.expect('pulls/create');
    s.serverError('GET /repos/{owner}/{repo}/pulls');
    expect(() => s.assertExpectationsMet()).toThrow(/pulls\/create: expected 1, got 0[\s\S]*fault on GET \/repos\/\{owner\}\/\{repo\}\/pulls: 1 left unused/);
    expect((await call(s, 'GET', '/repos/acme/widgets/pulls')).status).toBe(502);
    await call(s, 'POST', '/repos/acme/widgets/pulls', { title: 't', head: 'nope', base: 'main' });
    s.assertExpectationsMet();
  });
});

describe('state', () => {
  it('pages lists with a Link header', async () => {
    const s = await start();
    for (const ref of ['a', 'b', 'c']) s.openPull({ login: 'alice', headRef: ref, title: ref, body: '' });
    const first = await call(s, 'GET', '/repos/acme/widgets/pulls?per_page=2');
    expect((first.data as unknown[]).length).toBe(2);
    expect(first.headers.get('link')).toContain('rel="next"');
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1] ?? '';
    const second = await call(s, 'GET', new URL(next).pathname + new URL(next).search);
    expect((second.data as { title: string }[]).map((p) => p.title)).toEqual(['a']);
  });

  it('names git objects as git does', () => {
    const git = new GitStore();
    expect(git.writeBlob(Buffer.from('hello\n'))).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
    expect(git.writeTree([])).toBe('4b825dc642cb6eb9a060e54bf8d69288fbee4904');
    const tree = git.editTree(null, [{ path: 'hello.txt', mode: '100644', type: 'blob', content: 'hello\n' }]);
    // `printf 'hello\n' > hello.txt && git add . && git write-tree`
    expect(tree).toBe('aaa96ced2d9a1c8e72c56b253a0e2fe78393feb7');
  });

  it('refuses a non-fast-forward ref update unless forced', async () => {
    const s = await start();
    const main = s.repo.refs.get('heads/main') ?? '';
    const side = s.pushCommit('side', { 'x.txt': 'x' });
    s.pushCommit('main', { 'y.txt': 'y' });
    const res = await call(s, 'PATCH', '/repos/acme/widgets/git/refs/heads/side', { sha: main, force: false });
    expect(res.status).toBe(422);
    expect(res.data).toMatchObject({ message: 'Update is not a fast forward' });
    expect(s.repo.refs.get('heads/side')).toBe(side);
    s.assertNoUnexpected();
  });
});
