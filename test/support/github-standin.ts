// A stateful GitHub stand-in on 127.0.0.1: checks each request against the OpenAPI subset and the token's scopes.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OpenApiSubset } from './github-standin/openapi.js';
import type { Handler, HandlerContext, Reply } from './github-standin/reply.js';
import { fail } from './github-standin/reply.js';
import { actionRoutes } from './github-standin/routes-actions.js';
import { gitRoutes } from './github-standin/routes-git.js';
import { pullRoutes } from './github-standin/routes-pulls.js';
import { missingScope, type TokenPermissions } from './github-standin/scopes.js';
import { RepoState } from './github-standin/state.js';
import { Seeder } from './github-standin/seed.js';

export type { TokenPermissions } from './github-standin/scopes.js';
export type { Reply } from './github-standin/reply.js';

export interface TokenSpec {
  readonly login: string;
  /** Mirrors the workflow's `permissions:` (metadata: read is implied). */
  readonly permissions: TokenPermissions;
  /** GITHUB_TOKEN: the repository's "Allow GitHub Actions to create … pull requests" setting applies. */
  readonly actions?: boolean;
  /** Requests per hour before the primary rate limit (GITHUB_TOKEN: 1,000 per repository). */
  readonly quota?: number;
}

export interface StandInOptions {
  readonly owner?: string;
  readonly repo?: string;
  readonly defaultBranch?: string;
  readonly visibility?: 'public' | 'private';
  readonly tokens: Readonly<Record<string, TokenSpec>>;
  /** Files of the default branch's first commit. */
  readonly files?: Readonly<Record<string, string>>;
  /** Workflow file names (e.g. "ideamine-run.yml") that accept dispatches. */
  readonly workflows?: readonly string[];
}

/** A scripted answer or side effect for the next `times` requests to a route ("METHOD /template" or operationId). */
export interface Fault {
  readonly route: string;
  readonly times?: number;
  /** Sent instead of handling the request. */
  readonly respond?: Reply;
  /** Runs before handling (e.g. moves a ref: "a ref that moved"). */
  readonly run?: (standIn: GitHubStandIn) => void;
}

export interface LoggedRequest {
  readonly method: string;
  readonly route: string;
  readonly operationId: string | null;
  readonly path: string;
  readonly status: number;
  readonly login: string | null;
}

interface Handled {
  readonly reply: Reply;
  readonly route: string;
  readonly operationId?: string;
  readonly token?: TokenSpec;
}

const ROUTES: Readonly<Record<string, Handler>> = { ...gitRoutes, ...pullRoutes, ...actionRoutes };
const api = new OpenApiSubset();

export class GitHubStandIn extends Seeder {
  readonly log: LoggedRequest[] = [];
  /** Requests GitHub's API would not accept or this stand-in does not know: each one fails a test. */
  readonly unexpected: string[] = [];
  /** 403s for missing token permissions (expected in scope tests, a bug elsewhere). */
  readonly scopeRefusals: string[] = [];
  private readonly faults: { fault: Fault; left: number }[] = [];
  private readonly expectations = new Map<string, number>();
  private readonly used = new Map<string, number>();
  private server: Server | undefined;
  url = '';

  private constructor(readonly options: StandInOptions, repo: RepoState) {
    super(repo);
  }

  static async start(options: StandInOptions): Promise<GitHubStandIn> {
    const repo = new RepoState(options.owner ?? 'acme', options.repo ?? 'widgets', options.defaultBranch ?? 'main', options.visibility ?? 'private');
    const standIn = new GitHubStandIn(options, repo);
    standIn.seedRepository(options.files ?? { 'README.md': '# widgets\n' }, options.workflows ?? []);
    for (const spec of Object.values(options.tokens)) standIn.account(spec.login);
    const server = createServer((req, res) => { void standIn.serve(req, res); });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    standIn.server = server;
    standIn.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return standIn;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  fault(fault: Fault): void {
    this.faults.push({ fault, left: fault.times ?? 1 });
  }

  secondaryRateLimit(route: string, retryAfterSeconds: number, times = 1): void {
    this.fault({ route, times, respond: { ...fail(403, 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.'), headers: { 'retry-after': String(retryAfterSeconds) } } });
  }

  serverError(route: string, status = 502, times = 1): void {
    this.fault({ route, times, respond: fail(status, 'Server Error') });
  }

  /** The route must be requested at least `times` times before assertExpectationsMet(). */
  expect(route: string, times = 1): void {
    this.expectations.set(route, times);
  }

  count(route?: string): number {
    return route === undefined ? this.log.length : this.log.filter((r) => matches(route, r.route, r.method, r.operationId ?? undefined)).length;
  }

  assertNoUnexpected(): void {
    if (this.unexpected.length > 0) throw new Error(`GitHub stand-in saw ${this.unexpected.length} unexpected request(s):\n${this.unexpected.join('\n')}`);
  }

  assertExpectationsMet(): void {
    const unmet = [...this.expectations].filter(([route, times]) => (this.used.get(route) ?? 0) < times).map(([route, times]) => `${route}: expected ${times}, got ${this.used.get(route) ?? 0}`);
    const unusedFaults = this.faults.filter((f) => f.left > 0).map((f) => `fault on ${f.fault.route}: ${f.left} left unused`);
    if (unmet.length + unusedFaults.length > 0) throw new Error(`GitHub stand-in expectations not met:\n${[...unmet, ...unusedFaults].join('\n')}`);
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', this.url);
    const reply = this.handle(method, url, Buffer.concat(chunks).toString('utf8'), req.headers.authorization ?? '');
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', 'x-github-request-id': `STANDIN:${this.log.length}`, ...reply.reply.headers };
    if (reply.token) Object.assign(headers, this.rateHeaders(reply.token));
    this.log.push({ method, route: reply.route, operationId: reply.operationId ?? null, path: url.pathname, status: reply.reply.status, login: reply.token?.login ?? null });
    res.writeHead(reply.reply.status, headers);
    res.end(reply.reply.status === 204 || reply.reply.body === undefined ? undefined : JSON.stringify(reply.reply.body));
  }

  private handle(method: string, url: URL, rawBody: string, authorization: string): Handled {
    const token = this.options.tokens[authorization.replace(/^(token|bearer)\s+/i, '')];
    const checked = api.check(method, url, rawBody);
    const route = checked.ok ? checked.request.route : `${method} ${url.pathname}`;
    if (!token) return this.unexpectedReply(route, `${route}: no or unknown token`, fail(401, 'Bad credentials'));
    if (!checked.ok) return this.unexpectedReply(route, checked.problem, fail(checked.status, checked.problem), token);
    const { request } = checked;
    const { operationId } = request;
    this.used.set(request.route, (this.used.get(request.route) ?? 0) + 1);
    this.used.set(request.operationId, (this.used.get(request.operationId) ?? 0) + 1);
    // Routes outside a repository (GET /user) have no owner to check.
    if (request.params.owner !== undefined && (request.params.owner.toLowerCase() !== this.repo.owner.toLowerCase() || (request.params.repo ?? '').toLowerCase() !== this.repo.name.toLowerCase())) {
      return this.unexpectedReply(route, `${route}: unknown repository ${request.params.owner ?? ''}/${request.params.repo ?? ''}`, fail(404, 'Not Found'), token);
    }
    if (this.spend(token) < 0) return { route, operationId, token, reply: fail(403, 'API rate limit exceeded for installation.') };
    for (const entry of this.faults) {
      if (entry.left <= 0 || !matches(entry.fault.route, request.route, method, request.operationId)) continue;
      entry.left -= 1;
      entry.fault.run?.(this);
      if (entry.fault.respond) return { route, operationId, token, reply: entry.fault.respond };
      break;
    }
    const missing = missingScope(request.operationId, token.permissions);
    if (missing !== null) {
      this.scopeRefusals.push(`${route}: token of ${token.login} lacks ${missing}`);
      return { route, operationId, token, reply: fail(403, 'Resource not accessible by integration') };
    }
    const handler = ROUTES[request.operationId];
    if (!handler) return this.unexpectedReply(route, `${route}: the stand-in has no handler`, fail(501, 'Not implemented by the stand-in'), token);
    const ctx: HandlerContext = {
      repo: this.repo, req: request, caller: this.account(token.login), callerIsActions: token.actions === true, owner: this.account(this.repo.owner),
      base: this.url, url, now: () => this.tick(), nextId: () => this.nextId(), account: (login) => this.account(login),
    };
    return { route, operationId, token, reply: handler(ctx) };
  }

  private unexpectedReply(route: string, problem: string, reply: Reply, token?: TokenSpec): Handled {
    this.unexpected.push(problem);
    return token ? { route, reply, token } : { route, reply };
  }

  private readonly spent = new Map<string, number>();

  private spend(token: TokenSpec): number {
    const used = (this.spent.get(token.login) ?? 0) + 1;
    this.spent.set(token.login, used);
    return (token.quota ?? 1000) - used;
  }

  private rateHeaders(token: TokenSpec): Record<string, string> {
    const limit = token.quota ?? 1000;
    const used = this.spent.get(token.login) ?? 0;
    return {
      'x-ratelimit-limit': String(limit), 'x-ratelimit-remaining': String(Math.max(0, limit - used)), 'x-ratelimit-used': String(used),
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600), 'x-ratelimit-resource': 'core',
    };
  }
}

function matches(pattern: string, route: string, method: string, operationId?: string): boolean {
  return pattern === route || pattern === operationId || pattern === `${method} *`;
}

export const startGitHubStandIn = (options: StandInOptions): Promise<GitHubStandIn> => GitHubStandIn.start(options);
