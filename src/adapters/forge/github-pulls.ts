// A GitHub pull request (list or get shape) as a GatePr: ours only when head ref, author and marker agree.
import { gateBranch, parseMarker } from '../../core/gate-pr.js';
import type { GatePr } from '../../ports/forge.js';

/** The subset of a pull request (list or get) the forge reads. */
export interface PullLike {
  readonly number: number;
  readonly html_url: string;
  readonly state: string;
  readonly merged_at: string | null;
  readonly title: string;
  readonly body: string | null;
  readonly user: { readonly login: string } | null;
  readonly head: { readonly ref: string; readonly sha: string; readonly repo: { readonly full_name: string } | null };
  readonly base: { readonly ref: string; readonly repo: { readonly full_name: string } };
}

export function toGatePr(pull: PullLike, identity: string): GatePr {
  const marker = parseMarker(pull.body);
  const author = pull.user?.login ?? '';
  const fromFork = pull.head.repo?.full_name !== pull.base.repo.full_name;
  // Never the marker alone: head ref, author and marker must agree (anyone can paste a marker).
  const ours = marker !== null && !fromFork && author.toLowerCase() === identity.toLowerCase() && pull.head.ref === gateBranch(marker.slug, marker.phase);
  return {
    number: pull.number, url: pull.html_url, state: pull.state === 'open' ? 'open' : 'closed', merged: pull.merged_at !== null,
    headRef: pull.head.ref, headSha: pull.head.sha, baseRef: pull.base.ref, author, fromFork, marker, ours,
  };
}
