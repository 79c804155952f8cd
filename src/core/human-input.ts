// Which human input on a gate PR counts (pure): latest decision per user, on the head SHA, with write access.

/** Lengths are capped: review text goes into prompts and the ledger. */
export const HUMAN_TEXT_MAX = 4000;
/** Roles (`role_name` from the collaborator permission API) whose input counts. */
export const COUNTING_ROLES: readonly string[] = ['write', 'maintain', 'admin'];

export interface HumanUser {
  readonly login: string;
  /** GitHub's account type: "User", "Bot", "Organization". */
  readonly type?: string;
}

/** A pull request review, in GitHub's shape (the fields that matter). */
export interface Review {
  readonly id: number;
  readonly user: HumanUser | null;
  /** APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING (any case: webhooks use lower case). */
  readonly state: string;
  readonly body: string | null;
  readonly commit_id: string | null;
  readonly submitted_at?: string | null;
}

/** An issue comment on the PR, in GitHub's shape. */
export interface Comment {
  readonly id: number;
  readonly user: HumanUser | null;
  readonly body: string | null;
  readonly created_at: string;
}

export type HumanCommand = { readonly kind: 'waive' | 'guide'; readonly text: string };

/**
 * `/ideamine waive <justification>` or `/ideamine guide <guidance>` on the comment's first
 * non-empty line; the text runs on to the end of the comment. Anything else is not a command.
 */
export function parseCommand(body: string | null): HumanCommand | null {
  const text = (body ?? '').replace(/\r\n?/g, '\n').trimStart();
  const match = /^\/ideamine[ \t]+(waive|guide|guidance)\b([\s\S]*)$/i.exec(text);
  if (!match?.[1]) return null;
  return { kind: match[1].toLowerCase() === 'waive' ? 'waive' : 'guide', text: (match[2] ?? '').trim() };
}

export const REFUSAL_REASONS = ['bot', 'fork', 'permission', 'stale-sha', 'stale-comment', 'self-waiver', 'empty'] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export interface HumanInputs {
  readonly reviews: readonly Review[];
  readonly comments?: readonly Comment[];
  readonly headSha: string;
  /** login → role_name; a missing login has no access. */
  readonly permissions: Readonly<Record<string, string | null>>;
  /** True when the PR's head is in a fork: nothing on it counts (our gate PRs never are). */
  readonly prFromFork: boolean;
  readonly ideaAuthor: string | null;
  readonly allowSelfWaiver: boolean;
  /** Extra logins treated as bots (e.g. IdeaMine's own identity when it is a user token). */
  readonly botLogins?: readonly string[];
  /** Comments have no SHA: those before the head commit's time answered an older report. */
  readonly headCommittedAt?: string | null;
}

export interface HumanSource {
  readonly kind: 'review' | 'comment';
  readonly id: number;
  readonly login: string;
  /** The commit the review was on; null for a comment. */
  readonly sha: string | null;
  readonly text: string;
  readonly truncated: boolean;
  readonly at: string | null;
}

export interface HumanDecision {
  readonly decision: 'waiver' | 'guidance' | 'none';
  /** The input that decided: the latest counting approval (waiver) or change request (guidance). */
  readonly source?: HumanSource;
  /** Every latest decision that did not count, with the reason (for the job summary). */
  readonly refused: readonly { readonly login: string; readonly id: number; readonly reason: RefusalReason }[];
}

interface Candidate {
  readonly source: Omit<HumanSource, 'text' | 'truncated'>;
  readonly user: HumanUser;
  readonly verdict: 'waive' | 'guide' | 'dismissed';
  readonly rawText: string;
}

const isBot = (user: HumanUser, extra: readonly string[]): boolean =>
  user.type === 'Bot' || user.login.toLowerCase().endsWith('[bot]') || extra.some((b) => b.toLowerCase() === user.login.toLowerCase());

const cap = (text: string): { text: string; truncated: boolean } =>
  text.length <= HUMAN_TEXT_MAX ? { text, truncated: false } : { text: text.slice(0, HUMAN_TEXT_MAX), truncated: true };

/** Orders by time, then reviews before comments, then id: GitHub ids grow with time per kind. */
const time = (at: string | null | undefined): number => {
  const ms = Date.parse(at ?? '');
  return Number.isNaN(ms) ? 0 : ms;
};

function later(a: Candidate, b: Candidate): boolean {
  const ta = time(a.source.at);
  const tb = time(b.source.at);
  if (ta !== tb) return ta > tb;
  if (a.source.kind !== b.source.kind) return a.source.kind === 'comment';
  return a.source.id > b.source.id;
}

function candidates(input: HumanInputs): Candidate[] {
  const out: Candidate[] = [];
  for (const r of input.reviews) {
    // COMMENTED reviews and unsubmitted (PENDING) ones carry no decision; a DISMISSED one withdraws it.
    // The REST API says "APPROVED"; webhook payloads say "approved".
    const state = r.state.toUpperCase();
    const verdict = state === 'APPROVED' ? 'waive' : state === 'CHANGES_REQUESTED' ? 'guide' : state === 'DISMISSED' ? 'dismissed' : null;
    if (verdict === null || r.user === null) continue;
    out.push({ source: { kind: 'review', id: r.id, login: r.user.login, sha: r.commit_id, at: r.submitted_at ?? null }, user: r.user, verdict, rawText: r.body ?? '' });
  }
  for (const c of input.comments ?? []) {
    const command = parseCommand(c.body);
    if (command === null || c.user === null) continue;
    out.push({ source: { kind: 'comment', id: c.id, login: c.user.login, sha: null, at: c.created_at }, user: c.user, verdict: command.kind, rawText: command.text });
  }
  return out;
}

function refusal(c: Candidate, input: HumanInputs): RefusalReason | null {
  if (isBot(c.user, input.botLogins ?? [])) return 'bot';
  if (input.prFromFork) return 'fork';
  const role = input.permissions[c.user.login] ?? null;
  if (role === null || !COUNTING_ROLES.includes(role)) return 'permission';
  if (c.source.kind === 'review' && c.source.sha !== input.headSha) return 'stale-sha';
  if (c.source.kind === 'comment' && input.headCommittedAt && time(c.source.at) < time(input.headCommittedAt)) return 'stale-comment';
  if (c.rawText.trim() === '') return 'empty';
  if (c.verdict === 'waive' && !input.allowSelfWaiver && input.ideaAuthor !== null && c.user.login.toLowerCase() === input.ideaAuthor.toLowerCase()) return 'self-waiver';
  return null;
}

/**
 * Decides what the humans said. Per user only the latest decision counts (an approval
 * followed by a comment-only review is still an approval; a later change request replaces it).
 * A counting change request wins over approvals: a waiver bypasses the gate, so any maintainer's
 * objection holds it. Among several, the latest decides.
 */
export function evaluateReviews(input: HumanInputs): HumanDecision {
  const latest = new Map<string, Candidate>();
  for (const c of candidates(input)) {
    const key = c.user.login.toLowerCase();
    const seen = latest.get(key);
    if (!seen || later(c, seen)) latest.set(key, c);
  }
  const refused: { login: string; id: number; reason: RefusalReason }[] = [];
  let waiver: Candidate | undefined;
  let guidance: Candidate | undefined;
  for (const c of latest.values()) {
    if (c.verdict === 'dismissed') continue;
    const reason = refusal(c, input);
    if (reason !== null) {
      refused.push({ login: c.user.login, id: c.source.id, reason });
    } else if (c.verdict === 'waive') {
      if (!waiver || later(c, waiver)) waiver = c;
    } else if (!guidance || later(c, guidance)) {
      guidance = c;
    }
  }
  refused.sort((a, b) => (a.login < b.login ? -1 : a.login > b.login ? 1 : a.id - b.id));
  const chosen = guidance ?? waiver;
  if (!chosen) return { decision: 'none', refused };
  return { decision: guidance ? 'guidance' : 'waiver', source: { ...chosen.source, ...cap(chosen.rawText.trim()) }, refused };
}
