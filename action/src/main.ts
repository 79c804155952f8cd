// The Action's entry (bundled to action/dist/index.js): reads inputs, runs one command, sets outputs or fails the job.
import * as core from '@actions/core';
import { toIdeaMineError } from '../../src/core/errors.js';
import { dispatchCommand, type CommandResult } from './commands/dispatch.js';
import { phaseCommand } from './commands/phase.js';
import { releaseCommand } from './commands/release.js';
import { reviewCommand } from './commands/review.js';
import { tickCommand } from './commands/tick.js';
import { readOptions, type ActionOptions } from './options.js';

const SECRET_INPUTS = ['INPUT_GITHUB-TOKEN', 'INPUT_PR-TOKEN', 'INPUT_ANTHROPIC-API-KEY'];

async function run(options: ActionOptions, signal: AbortSignal): Promise<CommandResult> {
  switch (options.command) {
    case 'phase': return phaseCommand(options, signal);
    case 'dispatch': return dispatchCommand(options);
    case 'review': return reviewCommand(options);
    case 'release': return releaseCommand(options, signal);
    case 'tick': return tickCommand(options);
  }
}

async function main(): Promise<void> {
  // Masked before anything can print them (inputs are read from the environment, as the runner passes them).
  for (const name of SECRET_INPUTS) {
    const value = process.env[name]?.trim();
    if (value) core.setSecret(value);
  }
  const stop = new AbortController();
  // The runner sends SIGTERM on cancel or timeout: finished work is on the state branch; stop taking more.
  process.once('SIGTERM', () => stop.abort());
  process.once('SIGINT', () => stop.abort());
  try {
    const options = readOptions(process.env);
    const result = await run(options, stop.signal);
    core.setOutput('status', result.status);
    core.setOutput('run-id', result.runId);
    if (result.failure) core.setFailed(result.failure);
  } catch (caught) {
    const error = toIdeaMineError(caught);
    core.setOutput('status', 'failed');
    core.setFailed([`${error.code}: ${error.message}`, ...error.details].join('\n'));
  }
}

await main();
