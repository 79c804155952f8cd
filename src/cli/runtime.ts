// Shared setup for commands: repository root, the git state store (pushing to a remote if asked), the scrubber and telemetry.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { systemClock } from '../adapters/clock/system.js';
import { createGitStore } from '../adapters/store/git.js';
import { checkRemote, withRemote, type RemoteStore } from '../adapters/store/remote.js';
import { badInput } from '../core/errors.js';
import { scrub } from '../core/scrub.js';
import type { Clock } from '../ports/clock.js';
import type { StateStore } from '../ports/store.js';
import { noopTelemetry, type Telemetry } from '../ports/telemetry.js';
import { findPackageRoot } from '../engine/bundle.js';
import type { Io } from './io.js';

const SECRET_ENV = ['ANTHROPIC_API_KEY', 'GITHUB_TOKEN', 'GH_TOKEN', 'INPUT_GITHUB-TOKEN', 'INPUT_PR-TOKEN', 'INPUT_ANTHROPIC-API-KEY', 'IDEAMINE_PR_TOKEN'];

export interface Runtime {
  readonly repoRoot: string;
  readonly packageRoot: string;
  readonly packageVersion: string;
  readonly store: StateStore & { close?: () => Promise<void> | void };
  /** The same store when commits are pushed (`--push`), else null. */
  readonly remote: RemoteStore | null;
  readonly clock: Clock;
  readonly telemetry: Telemetry;
  readonly scrub: (text: string) => string;
  close(): Promise<void>;
}

export async function repoRootOf(cwd: string): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)('git', ['rev-parse', '--show-toplevel'], { cwd });
    return stdout.trim();
  } catch {
    throw badInput(`${cwd} is not inside a git repository`, ['IdeaMine keeps its state in git: run `git init` (and commit your idea file) first.']);
  }
}

export function secretsFromEnv(env: NodeJS.ProcessEnv): string[] {
  return SECRET_ENV.map((name) => env[name]).filter((v): v is string => typeof v === 'string' && v.length >= 8);
}

async function telemetryFor(env: NodeJS.ProcessEnv, scrubText: (t: string) => string): Promise<Telemetry> {
  if (!env['OTEL_EXPORTER_OTLP_ENDPOINT'] && !env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']) return noopTelemetry;
  const { createOtelTelemetry } = await import('../adapters/telemetry/otel.js');
  return createOtelTelemetry({ env, scrub: scrubText });
}

export interface RuntimeOptions {
  /** Push every state commit to this remote (compare-and-swap), pulling the slug's branch first. */
  readonly push?: { readonly remote: string };
}

export async function openRuntime(io: Io, options: RuntimeOptions = {}): Promise<Runtime> {
  const repoRoot = await repoRootOf(io.cwd);
  if (options.push) await checkRemote(repoRoot, options.push.remote);
  const packageRoot = findPackageRoot();
  const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string };
  const secrets = secretsFromEnv(io.env);
  const scrubText = (text: string): string => scrub(text, secrets);
  const local = await createGitStore({ repoDir: repoRoot });
  const remote = options.push ? withRemote(local, { repoDir: repoRoot, remote: options.push.remote }) : null;
  const store = remote ?? local;
  const telemetry = await telemetryFor(io.env, scrubText);
  return {
    repoRoot, packageRoot, packageVersion: pkg.version, store, remote, clock: systemClock, telemetry, scrub: scrubText,
    async close() {
      await telemetry.shutdown();
      await store.close?.();
    },
  };
}
