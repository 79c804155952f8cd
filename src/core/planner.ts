// Plan: from the phase config and what upstream produced, the agent tasks of one attempt (pure).
import { hashJson, type Json } from './canonical.js';
import { select } from './paths.js';
import type { AgentConfig, MetricConfig, PhaseConfig } from './phase-config.js';
import { renderDataBlock, UNTRUSTED_NOTICE } from './prompt.js';

export interface AgentText {
  readonly system: string;
  readonly task: string;
}

export interface TaskSpec {
  readonly key: string;
  readonly phase: string;
  readonly role: string;
  readonly output: string;
  /** Index into the fan-out list, or null for a single task. */
  readonly item: number | null;
  readonly system: string;
  readonly user: string;
  readonly schema: Json;
  readonly maxTokens: number;
  readonly temperature: number;
}

export interface PlanInput {
  readonly phase: PhaseConfig;
  readonly agents: Readonly<Record<string, AgentText>>;
  readonly schemas: Readonly<Record<string, Json>>;
  readonly idea: Json;
  /** Every artifact produced so far in the run, by name. */
  readonly artifacts: Readonly<Record<string, Json>>;
  readonly modelId: string;
  /** Gate violations from the previous attempt (heal). */
  readonly feedback: readonly string[];
  /** Human guidance for this phase (from a review), untrusted. */
  readonly guidance: readonly string[];
}

/** The key covers everything that determines the output, never run ids, attempts or time. */
export function taskKey(parts: {
  system: string; user: string; schema: Json; modelId: string; maxTokens: number; temperature: number; upstream: Record<string, string>;
}): string {
  return hashJson({ v: 1, ...parts });
}

function fanOutItems(agent: AgentConfig, context: Json): Json[] {
  if (!agent.fanOut) return [];
  const selected = select(context, agent.fanOut.over) as Json[];
  const list = selected.length === 1 && Array.isArray(selected[0]) ? selected[0] : selected;
  return list.slice(0, agent.fanOut.max);
}

function userMessage(task: string, output: string, blocks: Record<string, Json | undefined>): string {
  const rendered = Object.entries(blocks)
    .filter((entry): entry is [string, Json] => entry[1] !== undefined)
    .map(([name, value]) => renderDataBlock(name, value));
  return [task, `Produce the "${output}" artifact by calling the ${output} tool exactly once.`, UNTRUSTED_NOTICE, ...rendered].join('\n\n');
}

export function planTasks(input: PlanInput): TaskSpec[] {
  const tasks: TaskSpec[] = [];
  const context: Json = { idea: input.idea, artifacts: input.artifacts as Record<string, Json>, item: null };
  for (const agent of input.phase.agents) {
    const text = input.agents[agent.role];
    const schema = input.schemas[agent.output];
    if (!text || schema === undefined) throw new Error(`phase ${input.phase.id}: agent ${agent.role} or schema ${agent.output} missing from the bundle`);
    const inputs: Record<string, Json> = {};
    const upstream: Record<string, string> = {};
    for (const name of agent.inputs) {
      const artifact = input.artifacts[name];
      if (artifact !== undefined) {
        inputs[name] = artifact;
        upstream[name] = hashJson(artifact);
      }
    }
    const items: (Json | undefined)[] = agent.fanOut ? fanOutItems(agent, context) : [undefined];
    items.forEach((item, index) => {
      const user = userMessage(text.task, agent.output, {
        idea: input.idea,
        artifacts: inputs,
        item,
        feedback: input.feedback.length > 0 ? [...input.feedback] : undefined,
        guidance: input.guidance.length > 0 ? [...input.guidance] : undefined,
      });
      const parts = { system: text.system, user, schema, modelId: input.modelId, maxTokens: agent.maxTokens, temperature: agent.temperature, upstream };
      tasks.push({
        key: taskKey(parts), phase: input.phase.id, role: agent.role, output: agent.output,
        item: agent.fanOut ? index : null, system: text.system, user, schema,
        maxTokens: agent.maxTokens, temperature: agent.temperature,
      });
    });
  }
  return tasks;
}

/** One judge task per judged metric whose artifact exists. */
export function planJudgeTasks(input: {
  phase: PhaseConfig; judge: AgentText; judgementSchema: Json; artifacts: Readonly<Record<string, Json>>; modelId: string;
}): { metric: MetricConfig; task: TaskSpec }[] {
  const out: { metric: MetricConfig; task: TaskSpec }[] = [];
  for (const metric of input.phase.gate.metrics) {
    if (metric.kind !== 'judged' || !metric.artifact || !metric.rubric) continue;
    const artifact = input.artifacts[metric.artifact];
    if (artifact === undefined) continue;
    const task = `${input.judge.task}\n\nRubric for "${metric.id}" (${metric.description}):\n${metric.rubric}`;
    const user = userMessage(task, 'judgement', { artifacts: { [metric.artifact]: artifact } });
    const parts = { system: input.judge.system, user, schema: input.judgementSchema, modelId: input.modelId, maxTokens: 1024, temperature: 0, upstream: { [metric.artifact]: hashJson(artifact) } };
    out.push({
      metric,
      task: { key: taskKey(parts), phase: input.phase.id, role: 'gate-judge', output: 'judgement', item: null, system: input.judge.system, user, schema: input.judgementSchema, maxTokens: 1024, temperature: 0 },
    });
  }
  return out;
}

/** Assembles a phase's artifacts from task outputs; fan-out outputs become { items: [...] }. */
export function assembleArtifacts(phase: PhaseConfig, tasks: readonly TaskSpec[], outputs: ReadonlyMap<string, Json>): Record<string, Json> {
  const result: Record<string, Json> = {};
  for (const agent of phase.agents) {
    const mine = tasks.filter((t) => t.role === agent.role && t.output === agent.output);
    if (agent.fanOut) {
      result[agent.output] = { items: mine.map((t) => outputs.get(t.key) ?? null) };
    } else {
      const only = mine[0];
      if (only && outputs.has(only.key)) result[agent.output] = outputs.get(only.key) ?? null;
    }
  }
  return result;
}
