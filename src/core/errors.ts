// The error vocabulary: one base error with a stable code, an exit code, retryability and a cause.

export const ExitCode = { ok: 0, failed: 1, badInput: 2, blocked: 3 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export const ErrorCode = {
  badInput: 'BAD_INPUT',
  notFound: 'NOT_FOUND',
  blocked: 'BLOCKED',
  conflict: 'CONFLICT',
  leaseHeld: 'LEASE_HELD',
  leaseLost: 'LEASE_LOST',
  corrupt: 'CORRUPT',
  unsupportedFormat: 'UNSUPPORTED_FORMAT',
  model: 'MODEL',
  budget: 'BUDGET',
  refused: 'REFUSED',
  internal: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const exitFor: Record<ErrorCode, ExitCode> = {
  BAD_INPUT: ExitCode.badInput,
  NOT_FOUND: ExitCode.badInput,
  UNSUPPORTED_FORMAT: ExitCode.badInput,
  BLOCKED: ExitCode.blocked,
  CONFLICT: ExitCode.failed,
  LEASE_HELD: ExitCode.failed,
  LEASE_LOST: ExitCode.failed,
  CORRUPT: ExitCode.failed,
  MODEL: ExitCode.failed,
  BUDGET: ExitCode.blocked,
  REFUSED: ExitCode.failed,
  INTERNAL: ExitCode.failed,
};

export interface IdeaMineErrorOptions {
  readonly retryable?: boolean;
  readonly cause?: unknown;
  /** Extra lines shown under the message (the report, the fix). */
  readonly details?: readonly string[];
}

export class IdeaMineError extends Error {
  override readonly name = 'IdeaMineError';
  readonly retryable: boolean;
  readonly details: readonly string[];
  constructor(readonly code: ErrorCode, message: string, options: IdeaMineErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable ?? false;
    this.details = options.details ?? [];
  }
  get exitCode(): ExitCode {
    return exitFor[this.code];
  }
}

export const badInput = (message: string, details: readonly string[] = []): IdeaMineError =>
  new IdeaMineError(ErrorCode.badInput, message, { details });

/** Turns any caught value into an IdeaMineError (unknown errors become INTERNAL). */
export function toIdeaMineError(caught: unknown): IdeaMineError {
  if (caught instanceof IdeaMineError) return caught;
  if (caught instanceof Error) return new IdeaMineError(ErrorCode.internal, caught.message, { cause: caught });
  return new IdeaMineError(ErrorCode.internal, String(caught));
}
