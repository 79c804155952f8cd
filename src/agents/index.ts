// Registry of agent roles, keyed by the role name used in phases/*.yaml.
import { badInput } from '../core/errors.js';
import { architect } from './architect.js';
import { betaCoordinator } from './beta-coordinator.js';
import { businessAnalyst } from './business-analyst.js';
import { critic } from './critic.js';
import { designReviewer } from './design-reviewer.js';
import { docsWriter } from './docs-writer.js';
import { gateJudge } from './gate-judge.js';
import { ideator } from './ideator.js';
import { intakeAnalyst } from './intake-analyst.js';
import { productManager } from './product-manager.js';
import { qaEngineer } from './qa-engineer.js';
import { qaLead } from './qa-lead.js';
import { releaseManager } from './release-manager.js';
import { scaffolder } from './scaffolder.js';
import { securityReviewer } from './security-reviewer.js';
import { storyWriter } from './story-writer.js';
import { threatModeler } from './threat-modeler.js';
import type { AgentDefinition } from './types.js';

const definitions: readonly AgentDefinition[] = [
  intakeAnalyst, ideator, critic, productManager, businessAnalyst, architect, scaffolder,
  threatModeler, securityReviewer, storyWriter, qaEngineer, qaLead, designReviewer,
  releaseManager, docsWriter, betaCoordinator, gateJudge,
];

function register(list: readonly AgentDefinition[]): Readonly<Record<string, AgentDefinition>> {
  const registry: Record<string, AgentDefinition> = {};
  for (const definition of list) {
    // A duplicate would silently shadow a role; fail at import instead.
    if (Object.hasOwn(registry, definition.role)) throw new Error(`agent role "${definition.role}" is registered twice`);
    registry[definition.role] = definition;
  }
  return Object.freeze(registry);
}

/** Every agent role, by name. `gate-judge` is used by the engine for judged metrics. */
export const agents: Readonly<Record<string, AgentDefinition>> = register(definitions);

/** The role used to judge rubric metrics; its output schema is schemas/artifacts/judgement.schema.json. */
export const GATE_JUDGE_ROLE = 'gate-judge';

export function agentFor(role: string): AgentDefinition {
  const definition = Object.hasOwn(agents, role) ? agents[role] : undefined;
  if (!definition) {
    throw badInput(`unknown agent role "${role}" named in agents[].role of a phase file (phases/<id>.yaml or .ideamine/phases/<id>.yaml)`, [
      `known roles: ${Object.keys(agents).sort().join(', ')}`,
      'fix: correct the role in the phase file, or add a module under src/agents/ and register it in src/agents/index.ts',
    ]);
  }
  return definition;
}
