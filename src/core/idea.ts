// The idea a user commits: its type (schemas/idea.schema.json is the source of truth).

export const COMPLEXITIES = ['simple', 'medium', 'complex', 'very_complex'] as const;
export type Complexity = (typeof COMPLEXITIES)[number];

export interface Idea {
  readonly name: string;
  readonly description: string;
  readonly complexity: Complexity;
  readonly category: string;
  readonly target_users: readonly string[];
  readonly core_features: readonly string[];
  readonly technical_requirements: {
    readonly platform: string;
    readonly expected_users: number;
    readonly budget: string;
    readonly timeline: string;
  };
  readonly constraints: readonly string[];
  readonly integrations: readonly string[];
  readonly compliance: readonly string[];
  /** Markdown body of an ideas/<slug>.md file. */
  readonly long_description?: string;
  readonly budget?: { readonly usd?: number; readonly tokens?: number };
  readonly model?: string;
}

/** An idea file after parsing: the slug (file name), the normalised idea and its hash. */
export interface LoadedIdea {
  readonly slug: string;
  readonly file: string;
  readonly idea: Idea;
  /** SHA-256 of the canonical JSON of the normalised idea. */
  readonly hash: string;
}

export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const MAX_IDEA_BYTES = 256 * 1024;
