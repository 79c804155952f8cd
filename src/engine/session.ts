// A run's ledger session: appends events and files as one compare-and-swap commit each, serialised.
import { prettyJson } from '../core/canonical.js';
import { ErrorCode, IdeaMineError } from '../core/errors.js';
import { appendEvents, parseLedger, serialiseEntries, type LedgerEntry, type NewEvent } from '../core/ledger.js';
import { LEASE_TTL_MS } from '../core/lease.js';
import { replay, type RunState } from '../core/run-state.js';
import { runDir } from '../core/run-id.js';
import type { Clock } from '../ports/clock.js';
import type { FileWrite, StateStore } from '../ports/store.js';

export interface SessionDeps {
  readonly store: StateStore;
  readonly clock: Clock;
  /** Applied to every file written (secrets → [REDACTED]). */
  readonly scrub: (text: string) => string;
}

const MAX_CAS_RETRIES = 8;

export class RunSession {
  private queue: Promise<unknown> = Promise.resolve();
  private constructor(
    private readonly deps: SessionDeps,
    readonly slug: string,
    readonly runId: string,
    private entries: LedgerEntry[],
    private tipCommit: string | null,
    private ledgerText: string,
    /** The lease this process holds (set once acquired), for fencing on rebase. */
    public claim: { scope: string; epoch: number } | null,
  ) {
    this.current = entries.length > 0 ? replay(entries) : null;
  }

  private current: RunState | null;

  get state(): RunState {
    if (!this.current) throw new Error('run session has no ledger yet');
    return this.current;
  }
  get ledger(): readonly LedgerEntry[] { return this.entries; }
  get tip(): string | null { return this.tipCommit; }
  /** The scrubber applied to every write (hash what you write after scrubbing). */
  scrub(text: string): string { return this.deps.scrub(text); }
  get ledgerPath(): string { return `${runDir(this.runId)}/ledger.jsonl`; }

  /** Loads an existing run at the branch tip; null when the run has no ledger. */
  static async open(deps: SessionDeps, slug: string, runId: string): Promise<RunSession | null> {
    const tip = await deps.store.tip(slug);
    if (!tip) return null;
    const path = `${runDir(runId)}/ledger.jsonl`;
    const text = (await deps.store.read(slug, [path], tip)).get(path) ?? null;
    if (text === null) return null;
    return new RunSession(deps, slug, runId, parseLedger(text, path, `branch ideamine/${slug}`), tip, text, null);
  }

  /**
   * A new ledger (replacing any previous one of the same run id, for --fresh). When no ledger existed and
   * another process starts the same run first (a lost race on the first commit), its run is opened instead
   * of being overwritten: the caller's lease decision then settles who drives it.
   */
  static async create(deps: SessionDeps, slug: string, runId: string, started: NewEvent, extra: FileWrite[] = []): Promise<RunSession> {
    const tip = await deps.store.tip(slug);
    const session = new RunSession(deps, slug, runId, [], tip, '', null);
    session.replacing = tip !== null && (await session.read(session.ledgerPath)) !== null;
    try {
      await session.record([started], [{ path: runDir(runId), content: null }, ...extra]);
    } catch (error) {
      if (!(error instanceof StartedElsewhere)) throw error;
      const theirs = await RunSession.open(deps, slug, runId);
      if (!theirs) throw error;
      return theirs;
    }
    session.replacing = true;
    return session;
  }

  /** False while creating a ledger where none was: a ledger appearing meanwhile is another process's start. */
  private replacing = true;

  /** Appends events (and files) durably; calls are serialised in order. */
  record(events: readonly NewEvent[], writes: readonly FileWrite[] = []): Promise<void> {
    const next = this.queue.then(() => this.commitOnce(events, writes));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Extends the lease when more than half its time has passed. */
  leaseRenewal(owner: string): NewEvent | null {
    const lease = this.claim ? this.state.leases[this.claim.scope] : undefined;
    if (!lease || lease.owner !== owner) return null;
    const now = this.deps.clock.now().getTime();
    if (Date.parse(lease.expiresAt) - now > LEASE_TTL_MS / 2) return null;
    return { type: 'lease.acquired', phase: null, data: { scope: lease.scope, owner, epoch: lease.epoch, expiresAt: new Date(now + LEASE_TTL_MS).toISOString(), renewal: true } };
  }

  private async commitOnce(events: readonly NewEvent[], writes: readonly FileWrite[]): Promise<void> {
    const time = this.deps.clock.now().toISOString();
    const scrubbed = writes.map((w) => (w.content === null ? w : { path: w.path, content: this.deps.scrub(w.content) }));
    // Event data is scrubbed before it is hashed, so the chain covers exactly what is stored.
    const clean = events.map((e) => ({ ...e, data: JSON.parse(this.deps.scrub(JSON.stringify(e.data))) as NewEvent['data'] }));
    for (let attempt = 0; ; attempt += 1) {
      // Re-chained on every try: after a rebase our events follow theirs.
      const added = appendEvents(this.entries.at(-1) ?? null, clean, time);
      const entries = [...this.entries, ...added];
      const ledgerText = this.ledgerText + serialiseEntries(added);
      const state = replay(entries);
      // With no new events (a rebuilt run.json) the trailers still name the ledger's head.
      const last = added.at(-1) ?? entries.at(-1);
      const files: FileWrite[] = [
        ...scrubbed,
        { path: this.ledgerPath, content: ledgerText },
        { path: `${runDir(this.runId)}/run.json`, content: prettyJson(state) },
      ];
      const message = added.length === 0 ? `ideamine: ${this.runId} run.json rebuilt from the ledger`
        : `ideamine: ${this.runId} ${last?.type ?? 'update'}${last?.phase ? ` ${last.phase}` : ''}`;
      const trailers = {
        'IdeaMine-Run': this.runId,
        'IdeaMine-Phase': last?.phase ?? '-',
        'IdeaMine-Event': added.map((e) => e.type).join(','),
        'IdeaMine-Seq': String(last?.seq ?? 0),
        'IdeaMine-Head': last?.hash ?? '',
      };
      try {
        this.tipCommit = await this.deps.store.commit(this.slug, { writes: files, message, trailers, expectedTip: this.tipCommit });
        this.entries = entries;
        this.ledgerText = ledgerText;
        this.current = state;
        return;
      } catch (error) {
        if (!(error instanceof IdeaMineError) || error.code !== ErrorCode.conflict || attempt >= MAX_CAS_RETRIES) throw error;
        await this.rebase();
        await this.deps.clock.sleep(Math.floor(Math.random() * 25 * (attempt + 1)));
      }
    }
  }

  /**
   * The tip moved (another run of the slug, or a parallel phase job, committed first). Take their
   * ledger, check it extends ours, stop if our lease was taken (fencing), and let the caller
   * re-chain our new events after theirs.
   */
  private async rebase(): Promise<void> {
    const tip = await this.deps.store.tip(this.slug);
    const theirs = tip ? (await this.deps.store.read(this.slug, [this.ledgerPath], tip)).get(this.ledgerPath) ?? null : null;
    if (this.entries.length === 0 && !this.replacing && theirs !== null) throw new StartedElsewhere(this.runId);
    if (this.entries.length > 0 && theirs !== this.ledgerText) {
      if (theirs === null || !theirs.startsWith(this.ledgerText)) {
        throw new IdeaMineError(ErrorCode.corrupt, `${this.ledgerPath} on branch ideamine/${this.slug} no longer extends the ledger this process read (rewritten history)`, {
          details: ['Run `ideamine verify <run-id>`; restore the state branch from a good copy, or start over with --fresh.'],
        });
      }
      const merged = parseLedger(theirs, this.ledgerPath, `branch ideamine/${this.slug}`);
      const newer = merged.slice(this.entries.length);
      const claim = this.claim;
      // Entries we had not seen are another process's: a lease on our scope at our epoch or above fences us.
      const onScope = (e: LedgerEntry): boolean => e.type === 'lease.acquired' && (e.data['scope'] ?? 'run') === claim?.scope;
      const fenced = claim && newer.find((e) => onScope(e) && typeof e.data['epoch'] === 'number' && e.data['epoch'] >= claim.epoch);
      if (fenced) {
        const owner = JSON.stringify(fenced.data['owner']);
        const epoch = JSON.stringify(fenced.data['epoch']);
        const what = claim.scope === 'run' ? 'the run' : claim.scope.replace('phase:', 'phase ');
        // Our lease.acquired never landed: the other process took the lease first (both decided at once).
        if (!this.entries.some((e) => onScope(e) && e.data['epoch'] === claim.epoch)) {
          throw new IdeaMineError(ErrorCode.leaseHeld, `${this.runId}: ${what} is held by ${owner} (epoch ${epoch}), which took it first; this process stops without writing`, {
            details: ['Only one process may drive a run (or a phase) at a time: wait for it to finish, or run again after its lease expires. Check `ideamine status`.'],
          });
        }
        throw new IdeaMineError(ErrorCode.leaseLost, `run ${this.runId}: ${owner} took over ${claim.scope} with epoch ${epoch}; this process (epoch ${claim.epoch}) stops without writing`, {
          details: ['Only one process may drive a run (or a phase) at a time. Check `ideamine status`.'],
        });
      }
      this.entries = merged;
      this.ledgerText = theirs;
      this.current = replay(merged);
    }
    this.tipCommit = tip;
  }

  /** run.json is a cache of the ledger: when the stored copy disagrees, it is rewritten (no new events). True when it was. */
  async rebuildStaleCache(): Promise<boolean> {
    const stored = await this.read(`${runDir(this.runId)}/run.json`);
    if (stored === prettyJson(this.state)) return false;
    await this.record([]);
    return true;
  }

  /** Reads a file of this slug's state at the current tip. */
  async read(path: string): Promise<string | null> {
    if (!this.tipCommit) return null;
    return (await this.deps.store.read(this.slug, [path], this.tipCommit)).get(path) ?? null;
  }

  async readMany(paths: readonly string[]): Promise<Map<string, string | null>> {
    if (!this.tipCommit || paths.length === 0) return new Map(paths.map((p) => [p, null]));
    return this.deps.store.read(this.slug, paths, this.tipCommit);
  }
}

/** The first commit of a new run lost its race to another process starting the same run. */
class StartedElsewhere extends IdeaMineError {
  constructor(runId: string) {
    super(ErrorCode.conflict, `run ${runId} was started by another process at the same time`, { retryable: true });
  }
}
