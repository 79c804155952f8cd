// The stand-in's handler contract and GitHub's error bodies.
import type { MatchedRequest } from './openapi.js';
import type { Account, RepoState } from './state.js';

export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface HandlerContext {
  readonly repo: RepoState;
  readonly req: MatchedRequest;
  /** The token's identity. */
  readonly caller: Account;
  /** True for GITHUB_TOKEN (github-actions[bot]): the repository's Actions PR setting applies. */
  readonly callerIsActions: boolean;
  /** The repository owner's account. */
  readonly owner: Account;
  readonly base: string;
  /** The request's full URL (for Link headers). */
  readonly url: URL;
  readonly now: () => string;
  readonly nextId: () => number;
  readonly account: (login: string) => Account;
}

export type Handler = (ctx: HandlerContext) => Reply;

const DOCS = 'https://docs.github.com/rest';

export const fail = (status: number, message: string, extra: object = {}): Reply =>
  ({ status, body: { message, documentation_url: DOCS, status: String(status), ...extra } });

export const validationFailed = (message: string, resource = 'Request'): Reply =>
  fail(422, 'Validation Failed', { errors: [{ resource, code: 'custom', message }] });

/** Page of a list with GitHub's Link header (octokit.paginate follows rel="next"). */
export function page<T>(items: readonly T[], req: MatchedRequest, selfUrl: string): Reply {
  const perPage = Math.min(100, Number(req.query.per_page ?? 30));
  const pageNo = Math.max(1, Number(req.query.page ?? 1));
  const slice = items.slice((pageNo - 1) * perPage, pageNo * perPage);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = (n: number, rel: string): string => {
    const url = new URL(selfUrl);
    url.searchParams.set('per_page', String(perPage));
    url.searchParams.set('page', String(n));
    return `<${url.toString()}>; rel="${rel}"`;
  };
  const links = [...(pageNo < last ? [link(pageNo + 1, 'next'), link(last, 'last')] : []), ...(pageNo > 1 ? [link(1, 'first'), link(pageNo - 1, 'prev')] : [])];
  return { status: 200, body: slice, ...(links.length > 0 ? { headers: { link: links.join(', ') } } : {}) };
}
