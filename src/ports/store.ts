// StateStore port: the state branch ideamine/<slug> as a file tree with compare-and-swap commits.

export interface FileWrite {
  readonly path: string;
  /** UTF-8 text; null deletes the path (a directory path deletes everything under it). */
  readonly content: string | null;
}

export interface CommitRequest {
  readonly writes: readonly FileWrite[];
  readonly message: string;
  /** Git trailers (run, phase, event, seq, head). */
  readonly trailers: Readonly<Record<string, string>>;
  /** The tip this commit builds on: null for a new branch. A different tip is a CONFLICT. */
  readonly expectedTip: string | null;
}

export interface PublishResult {
  readonly committed: boolean;
  /** Where the files landed (branch name or "state branch"), or why they did not. */
  readonly where: string;
  readonly commit?: string;
}

export interface StateStore {
  /** Current commit of the slug's state branch, or null if the branch does not exist. */
  tip(slug: string): Promise<string | null>;
  /** Reads files at a commit (default: the tip); missing files map to null. */
  read(slug: string, paths: readonly string[], at?: string): Promise<Map<string, string | null>>;
  /** Immediate children names of a directory at the tip (files and directories). */
  list(slug: string, dir: string): Promise<string[]>;
  /** Commits on top of expectedTip atomically; throws IdeaMineError CONFLICT when the tip moved. */
  commit(slug: string, request: CommitRequest): Promise<string>;
  /** Slugs that have a state branch. */
  slugs(): Promise<string[]>;
  /** Commits files on the user's current branch, touching only those paths. */
  publish(files: readonly FileWrite[], message: string): Promise<PublishResult>;
  /** Reads a file from the user's current branch (HEAD); null if missing. */
  readPublished(path: string): Promise<string | null>;
}
