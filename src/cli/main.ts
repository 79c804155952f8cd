// The `ideamine` command: one module per subcommand, one top-level catch mapping errors to exit codes.
import { ExitCode, toIdeaMineError } from '../core/errors.js';
import { gcCommand } from './gc-command.js';
import { initCommand } from './init-command.js';
import type { Command, Io } from './io.js';
import { runCommand } from './run-command.js';
import { statusCommand } from './status-command.js';
import { verifyCommand } from './verify-command.js';
import { waiveCommand } from './waive-command.js';
import { workflowCommand } from './workflow-command.js';

export const commands: readonly Command[] = [runCommand, statusCommand, verifyCommand, waiveCommand, gcCommand, workflowCommand, initCommand];

function usage(): string {
  return [
    'ideamine — run an idea through 13 phases to a verified release dossier, state in git.',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(8)} ${c.summary}`),
    '',
    'Run `ideamine <command> --help` for its options. Exit codes: 0 done, 1 failed, 2 bad input, 3 blocked on a human.',
  ].join('\n');
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(`${usage()}\n`);
    return name === undefined ? ExitCode.badInput : ExitCode.ok;
  }
  if (name === '--version') {
    io.out('ideamine\n');
    return ExitCode.ok;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.err(`ideamine: unknown command "${name}"\n\n${usage()}\n`);
    return ExitCode.badInput;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`Usage: ${command.usage}\n\n${command.help}\n`);
    return ExitCode.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (caught) {
    const error = toIdeaMineError(caught);
    io.err(`ideamine ${name}: ${error.message}\n${error.details.map((d) => `  ${d}\n`).join('')}`);
    if (error.code === 'INTERNAL' && io.env['IDEAMINE_DEBUG'] && caught instanceof Error) io.err(`${caught.stack ?? ''}\n`);
    return error.exitCode;
  }
}

/** Process entry: wires signals (first one asks to stop at a safe point, second exits) and exits. */
export async function cli(): Promise<void> {
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) process.exit(130);
    process.stderr.write(`\nideamine: ${signal} received — saving finished work and stopping (again to exit now)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const code = await main(process.argv.slice(2), {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
  });
  process.exitCode = code;
}
