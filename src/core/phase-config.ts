// Types of a phase file (phases/<id>.yaml); schemas/phase.schema.json is the source of truth.

export const PHASE_IDS = [
  'intake', 'ideation', 'critique', 'prd', 'bizdev', 'architecture', 'build',
  'security', 'story-loop', 'qa', 'aesthetic', 'release', 'beta',
] as const;
export type PhaseId = (typeof PHASE_IDS)[number];

export const METRIC_KINDS = ['schema_valid', 'count', 'coverage', 'secrets', 'judged', 'nonempty'] as const;
export type MetricKind = (typeof METRIC_KINDS)[number];
export type Operator = '>=' | '<=' | '>' | '<' | '==';

export interface AgentConfig {
  /** Agent role: a module under src/agents/ registered in src/agents/index.ts. */
  readonly role: string;
  /** Artifact name written by this agent: schemas/artifacts/<output>.schema.json. */
  readonly output: string;
  /** Upstream artifacts (by name) given to the agent as data. */
  readonly inputs: readonly string[];
  /** Run the agent once per element of this path (e.g. "artifacts.architecture.components"). */
  readonly fanOut?: { readonly over: string; readonly max: number };
  readonly maxTokens: number;
  readonly temperature: number;
}

export interface MetricConfig {
  readonly id: string;
  readonly kind: MetricKind;
  readonly description: string;
  readonly artifact?: string;
  /** count: path counted; nonempty: path whose values must be non-empty; coverage: the values to find. */
  readonly path?: string;
  /** coverage: where the values must appear. */
  readonly in?: string;
  readonly rubric?: string;
  readonly operator: Operator;
  readonly threshold: number;
  readonly weight: number;
  readonly required: boolean;
}

export interface PhaseConfig {
  readonly id: PhaseId;
  readonly title: string;
  readonly description: string;
  readonly needs: readonly PhaseId[];
  readonly agents: readonly AgentConfig[];
  readonly parallelism: number;
  readonly budget: { readonly tokens: number; readonly usd: number; readonly wallClockSeconds: number };
  readonly gate: {
    readonly passThreshold: number;
    readonly maxAttempts: number;
    readonly metrics: readonly MetricConfig[];
  };
  readonly qav: { readonly maxQuestions: number; readonly maxAssumptions: number };
  readonly retries: { readonly model: number };
  readonly timeouts: { readonly taskSeconds: number };
}
