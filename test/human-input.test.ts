// Rules for human input on gate PRs: each rule has a case that counts and one that does not.
import { createRequire } from 'node:module';
import type { WebhookDefinition } from '@octokit/webhooks-examples';
import { describe, expect, it } from 'vitest';
import { evaluateReviews, HUMAN_TEXT_MAX, parseCommand, type Comment, type HumanInputs, type Review } from '../src/core/human-input.js';

// The package's main entry is a JSON file (CommonJS): require reads it the same under Node and vitest.
const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as WebhookDefinition[];

const HEAD = 'a'.repeat(40);
const OLD = 'b'.repeat(40);

let clock = Date.parse('2025-03-01T10:00:00Z');
const at = (): string => new Date((clock += 60_000)).toISOString().replace('.000Z', 'Z');
let ids = 1;

const review = (login: string, state: string, body: string | null, extra: Partial<Review> = {}): Review =>
  ({ id: ids++, user: { login, type: login.endsWith('[bot]') ? 'Bot' : 'User' }, state, body, commit_id: HEAD, submitted_at: at(), ...extra });
const comment = (login: string, body: string, type = 'User'): Comment => ({ id: ids++, user: { login, type }, body, created_at: at() });

const base = (over: Partial<HumanInputs>): HumanInputs => ({
  reviews: [], comments: [], headSha: HEAD, prFromFork: false, ideaAuthor: 'ada', allowSelfWaiver: false,
  permissions: { alice: 'write', maria: 'maintain', root: 'admin', bob: 'read', tina: 'triage', ada: 'admin', 'renovate[bot]': 'write', sneaky: 'write' },
  ...over,
});

describe('evaluateReviews', () => {
  it('an approval on the head SHA by a writer is a waiver whose text is the justification', () => {
    const r = review('alice', 'APPROVED', 'Acceptable for the beta: coverage lands next sprint.');
    const d = evaluateReviews(base({ reviews: [r] }));
    expect(d.decision).toBe('waiver');
    expect(d.source).toMatchObject({ kind: 'review', id: r.id, login: 'alice', sha: HEAD, text: 'Acceptable for the beta: coverage lands next sprint.', truncated: false });
    expect(d.refused).toEqual([]);
  });

  it('an approval on an older SHA is stale', () => {
    const r = review('alice', 'APPROVED', 'fine', { commit_id: OLD });
    const d = evaluateReviews(base({ reviews: [r] }));
    expect(d.decision).toBe('none');
    expect(d.refused).toEqual([{ login: 'alice', id: r.id, reason: 'stale-sha' }]);
  });

  it('a COMMENTED review after an approval keeps the approval; a later change request replaces it', () => {
    const approve = review('maria', 'APPROVED', 'ok to ship');
    const chat = review('maria', 'COMMENTED', 'nit: typo');
    expect(evaluateReviews(base({ reviews: [approve, chat] })).source?.id).toBe(approve.id);
    const change = review('maria', 'CHANGES_REQUESTED', 'Cover the export feature first.');
    const d = evaluateReviews(base({ reviews: [approve, chat, change] }));
    expect(d.decision).toBe('guidance');
    expect(d.source).toMatchObject({ id: change.id, text: 'Cover the export feature first.' });
  });

  it('a dismissed review withdraws that user\'s decision', () => {
    const d = evaluateReviews(base({ reviews: [review('alice', 'APPROVED', 'ok'), review('alice', 'DISMISSED', 'ok')] }));
    expect(d).toEqual({ decision: 'none', refused: [] });
  });

  it('bots never count, by type or by [bot] login, or when listed', () => {
    const byType = review('helper', 'APPROVED', 'auto', { user: { login: 'helper', type: 'Bot' } });
    const byLogin = review('renovate[bot]', 'APPROVED', 'auto');
    const listed = review('sneaky', 'APPROVED', 'auto');
    const d = evaluateReviews(base({ reviews: [byType, byLogin, listed], permissions: { helper: 'admin', 'renovate[bot]': 'write', sneaky: 'write' }, botLogins: ['Sneaky'] }));
    expect(d.decision).toBe('none');
    expect(d.refused.map((r) => r.reason)).toEqual(['bot', 'bot', 'bot']);
  });

  it('nothing counts on a PR from a fork', () => {
    const d = evaluateReviews(base({ reviews: [review('root', 'APPROVED', 'ok')], prFromFork: true }));
    expect(d.decision).toBe('none');
    expect(d.refused[0]?.reason).toBe('fork');
  });

  it('read, triage and unknown users do not count; write, maintain and admin do', () => {
    for (const login of ['bob', 'tina', 'stranger']) {
      const d = evaluateReviews(base({ reviews: [review(login, 'APPROVED', 'ok')] }));
      expect(d.refused).toEqual([expect.objectContaining({ login, reason: 'permission' })]);
    }
    for (const login of ['alice', 'maria', 'root']) expect(evaluateReviews(base({ reviews: [review(login, 'APPROVED', 'ok')] })).decision).toBe('waiver');
  });

  it('the idea\'s author may waive only when the workflow allows self-waivers; guidance is always allowed', () => {
    const self = review('ada', 'APPROVED', 'my idea, my call');
    expect(evaluateReviews(base({ reviews: [self] })).refused).toEqual([{ login: 'ada', id: self.id, reason: 'self-waiver' }]);
    expect(evaluateReviews(base({ reviews: [self], allowSelfWaiver: true })).decision).toBe('waiver');
    expect(evaluateReviews(base({ reviews: [review('ada', 'CHANGES_REQUESTED', 'narrow the scope')] })).decision).toBe('guidance');
  });

  it('change requests carry guidance; an empty one, like an empty approval, does not count', () => {
    const empty = review('alice', 'CHANGES_REQUESTED', '  ');
    expect(evaluateReviews(base({ reviews: [empty] })).refused[0]?.reason).toBe('empty');
    expect(evaluateReviews(base({ reviews: [review('alice', 'APPROVED', null)] })).refused[0]?.reason).toBe('empty');
  });

  it('a counting change request holds the gate even when someone else approved later', () => {
    const change = review('maria', 'CHANGES_REQUESTED', 'Not yet.');
    const approve = review('alice', 'APPROVED', 'ship it');
    const d = evaluateReviews(base({ reviews: [change, approve] }));
    expect(d.decision).toBe('guidance');
    expect(d.source?.login).toBe('maria');
  });

  it('caps long text', () => {
    const d = evaluateReviews(base({ reviews: [review('alice', 'APPROVED', 'x'.repeat(HUMAN_TEXT_MAX + 50))] }));
    expect(d.source?.text).toHaveLength(HUMAN_TEXT_MAX);
    expect(d.source?.truncated).toBe(true);
  });

  it('reads real pull_request_review webhook payloads (lower-case states)', () => {
    const group = examples.find((e) => e.name === 'pull_request_review');
    const payload = group?.examples.find((e) => 'action' in e && e.action === 'submitted') as unknown as
      { review: Review & { user: { login: string; type: string } }; pull_request: { head: { sha: string } } } | undefined;
    if (!payload) throw new Error('webhooks-examples has no pull_request_review submitted example');
    expect(payload.review.state).toBe('commented');
    const login = payload.review.user.login;
    const inputs = (r: Review): HumanInputs => base({ reviews: [r], headSha: payload.pull_request.head.sha, permissions: { [login]: 'admin' }, ideaAuthor: null });
    expect(evaluateReviews(inputs(payload.review)).decision).toBe('none');
    const approved = { ...payload.review, state: 'approved', body: 'Waived: the metric is wrong for this idea.' };
    expect(evaluateReviews(inputs(approved))).toMatchObject({ decision: 'waiver', source: { login, sha: payload.pull_request.head.sha } });
  });
});

describe('comment commands', () => {
  it('parses /ideamine waive and /ideamine guide with multi-line text', () => {
    expect(parseCommand('/ideamine waive Known gap,\ntracked in #12')).toEqual({ kind: 'waive', text: 'Known gap,\ntracked in #12' });
    expect(parseCommand('\n /IdeaMine guide focus on onboarding')).toEqual({ kind: 'guide', text: 'focus on onboarding' });
    expect(parseCommand('please /ideamine waive this')).toBeNull();
    expect(parseCommand('/ideamine waiver x')).toBeNull();
  });

  it('a command comment by a writer counts like a review; by others it is refused', () => {
    const ok = comment('alice', '/ideamine waive The gate metric does not apply to CLI tools.');
    expect(evaluateReviews(base({ comments: [ok] }))).toMatchObject({ decision: 'waiver', source: { kind: 'comment', id: ok.id, sha: null } });
    const reader = comment('bob', '/ideamine waive please');
    const bot = comment('github-actions[bot]', '/ideamine waive echo', 'Bot');
    const d = evaluateReviews(base({ comments: [reader, bot], permissions: { bob: 'read', 'github-actions[bot]': 'write' } }));
    expect(d.decision).toBe('none');
    expect(d.refused.map((r) => `${r.login}:${r.reason}`)).toEqual(['bob:permission', 'github-actions[bot]:bot']);
  });

  it('plain comments are ignored; a comment before the head commit answered an older report', () => {
    const early = comment('alice', '/ideamine guide use Postgres');
    const headCommittedAt = at();
    const chat = comment('maria', 'thanks!');
    const d = evaluateReviews(base({ comments: [early, chat], headCommittedAt }));
    expect(d).toEqual({ decision: 'none', refused: [{ login: 'alice', id: early.id, reason: 'stale-comment' }] });
  });

  it('the latest of a user\'s review and command comment decides', () => {
    const approve = review('alice', 'APPROVED', 'fine');
    const guide = comment('alice', '/ideamine guide actually, add rate limits first');
    const d = evaluateReviews(base({ reviews: [approve], comments: [guide] }));
    expect(d).toMatchObject({ decision: 'guidance', source: { kind: 'comment', text: 'actually, add rate limits first' } });
  });
});
