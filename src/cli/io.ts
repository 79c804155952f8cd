// Command plumbing: the shape of a subcommand, its output streams and argument parsing with clear errors.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { badInput } from '../core/errors.js';

export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Aborted on SIGTERM/SIGINT. */
  readonly signal: AbortSignal;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly help: string;
  run(argv: readonly string[], io: Io): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses argv for a command; unknown options and missing values are BAD_INPUT naming the command. */
export function parse<O extends Options>(command: string, argv: readonly string[], options: O, positionals: { min: number; max: number; names: string }) {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw badInput((error as Error).message, [`See \`ideamine ${command} --help\`.`]);
  }
  if (!(parsed.values as Record<string, unknown>)['help']) {
    const count = parsed.positionals.length;
    if (count < positionals.min || count > positionals.max) {
      throw badInput(`expected ${positionals.names}, got ${count === 0 ? 'nothing' : parsed.positionals.map((p) => `"${p}"`).join(' ')}`, [`See \`ideamine ${command} --help\`.`]);
    }
  }
  return parsed;
}

export const fmtUsd = (n: number | null): string => (n === null ? 'not measured' : `$${n.toFixed(4)}`);
export const fmtTokens = (n: number | null): string => (n === null ? 'not measured' : String(n));
