// The one way an Action command drives the engine: the bundle, the model and the secrets from the job's options.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as core from '@actions/core';
import { systemClock } from '../../../src/adapters/clock/system.js';
import { createModel } from '../../../src/adapters/model/index.js';
import type { RemoteStore } from '../../../src/adapters/store/remote.js';
import { secretsFromEnv } from '../../../src/cli/runtime.js';
import type { LoadedIdea } from '../../../src/core/idea.js';
import { scrub } from '../../../src/core/scrub.js';
import { findPackageRoot, loadBundle } from '../../../src/engine/bundle.js';
import { runIdea, type RunOutcome, type RunScope } from '../../../src/engine/run.js';
import { noopTelemetry } from '../../../src/ports/telemetry.js';
import { modelSpec, type ActionOptions } from '../options.js';

/** Every secret the job knows: scrubbed from whatever the run writes. */
export const jobSecrets = (options: ActionOptions): string[] => [
  ...secretsFromEnv(options.env),
  ...[options.githubToken, options.prToken, options.anthropicKey].filter((s): s is string => s !== null),
];

export async function runScoped(options: ActionOptions, store: RemoteStore, idea: LoadedIdea, signal: AbortSignal, scope: RunScope): Promise<RunOutcome> {
  const packageRoot = findPackageRoot();
  const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string };
  const secrets = jobSecrets(options);
  const bundle = await loadBundle({ packageRoot, repoRoot: options.workspace });
  const { spec, modelId } = modelSpec(options);
  const env = {
    ...(options.anthropicKey ? { ANTHROPIC_API_KEY: options.anthropicKey } : {}),
    ...(options.env['ANTHROPIC_BASE_URL'] ? { ANTHROPIC_BASE_URL: options.env['ANTHROPIC_BASE_URL'] } : {}),
  };
  const model = await createModel(spec, env, { ...(modelId ? { modelId } : {}), readFile: (p) => readFile(p, 'utf8') });
  return runIdea({
    idea, bundle, model, store, clock: systemClock, telemetry: noopTelemetry, scrub: (text) => scrub(text, secrets),
    ...(options.budgetUsd === null ? {} : { budgetUsd: options.budgetUsd }), concurrency: 4, fresh: false,
    log: (line) => core.info(line), stopSignal: signal, packageVersion: pkg.version, publish: false, scope,
  });
}
