// The ledger: append-only events in a SHA-256 chain. Pure: building, parsing and checking entries.
import { canonicalJson, sha256Hex, type Json } from './canonical.js';
import { ErrorCode, IdeaMineError } from './errors.js';

export const FORMAT_VERSION = 1;
export const GENESIS = '0'.repeat(64);

export const EVENT_TYPES = [
  'run.started', 'run.resumed', 'run.completed', 'run.superseded', 'run.deleted',
  'lease.acquired', 'lease.released',
  'phase.started', 'phase.passed', 'phase.blocked', 'phase.waived',
  'model.call', 'task.finished', 'task.failed',
  'artifact.written', 'gate.evaluated', 'waiver.granted',
  'clarify.question', 'clarify.assumption', 'budget.exceeded', 'timer.set', 'timer.fired',
  'waiver.expired',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface LedgerEntry {
  readonly formatVersion: number;
  readonly seq: number;
  readonly time: string;
  readonly type: EventType;
  readonly phase: string | null;
  readonly data: { readonly [key: string]: Json };
  readonly prev: string;
  readonly hash: string;
}

export type NewEvent = Pick<LedgerEntry, 'type' | 'phase' | 'data'>;

const hashOf = (entry: Omit<LedgerEntry, 'hash'>): string => sha256Hex(canonicalJson(entry));

/** Chains new events after `head` (the last entry, or null for a new ledger). */
export function appendEvents(head: LedgerEntry | null, events: readonly NewEvent[], time: string): LedgerEntry[] {
  const out: LedgerEntry[] = [];
  let prev = head;
  for (const event of events) {
    const body = {
      formatVersion: FORMAT_VERSION,
      seq: prev ? prev.seq + 1 : 0,
      time,
      type: event.type,
      phase: event.phase,
      data: event.data,
      prev: prev ? prev.hash : GENESIS,
    };
    const entry: LedgerEntry = { ...body, hash: hashOf(body) };
    out.push(entry);
    prev = entry;
  }
  return out;
}

export const serialiseEntries = (entries: readonly LedgerEntry[]): string =>
  entries.map((e) => `${canonicalJson(e)}\n`).join('');

export interface ChainProblem {
  readonly line: number;
  readonly message: string;
}

/** Parses ledger.jsonl and checks the chain; the first problem is reported with its line. */
export function checkLedger(text: string): { entries: LedgerEntry[]; problem: ChainProblem | null } {
  const entries: LedgerEntry[] = [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  let prev: LedgerEntry | null = null;
  for (const [index, line] of lines.entries()) {
    const lineNo = index + 1;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return { entries, problem: { line: lineNo, message: 'not valid JSON (truncated or edited line)' } };
    }
    const entry = parsed as LedgerEntry;
    if (typeof entry !== 'object' || entry === null || typeof entry.hash !== 'string') {
      return { entries, problem: { line: lineNo, message: 'not a ledger entry' } };
    }
    if (typeof entry.formatVersion !== 'number' || entry.formatVersion > FORMAT_VERSION) {
      return { entries, problem: { line: lineNo, message: `formatVersion ${String(entry.formatVersion)} is newer than this IdeaMine understands (${FORMAT_VERSION}); upgrade IdeaMine` } };
    }
    const { hash, ...body } = entry;
    if (hashOf(body) !== hash) return { entries, problem: { line: lineNo, message: `seq ${entry.seq}: hash does not match the entry's content (edited)` } };
    const expectedPrev = prev ? prev.hash : GENESIS;
    if (entry.prev !== expectedPrev) return { entries, problem: { line: lineNo, message: `seq ${entry.seq}: prev does not match the previous entry's hash (chain broken)` } };
    if (entry.seq !== (prev ? prev.seq + 1 : 0)) return { entries, problem: { line: lineNo, message: `seq ${entry.seq}: expected seq ${prev ? prev.seq + 1 : 0}` } };
    entries.push(entry);
    prev = entry;
  }
  return { entries, problem: null };
}

/** Parses a ledger or throws CORRUPT naming the file and line (`where`, e.g. the branch, is added in brackets). */
export function parseLedger(text: string, file: string, where?: string): LedgerEntry[] {
  const { entries, problem } = checkLedger(text);
  if (problem) {
    const code = problem.message.includes('formatVersion') ? ErrorCode.unsupportedFormat : ErrorCode.corrupt;
    throw new IdeaMineError(code, `${file} line ${problem.line}${where ? ` (${where})` : ''}: ${problem.message}`, {
      details: ['Run `ideamine verify <run-id>` for the full check; restore the state branch from its remote, or start over with `ideamine run <idea> --fresh`.'],
    });
  }
  return entries;
}
