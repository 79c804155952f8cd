// An agent role: its standing instructions (system prompt) and the task it is given each call.
export interface AgentDefinition {
  /** Role name as used in phases/*.yaml. */
  readonly role: string;
  /** One line for people (dossier, status). */
  readonly summary: string;
  /** Standing instructions: the stable, cacheable prefix of every call. */
  readonly system: string;
  /** What to produce this call; untrusted data follows it in separate data blocks. */
  readonly task: string;
}
