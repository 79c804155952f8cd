// Reading GitHub's error responses: status, message and the validation errors, classified for the forge.
import { ErrorCode, IdeaMineError } from '../../core/errors.js';
import type { CommitRefusal } from '../../ports/forge.js';

export interface HttpFailure {
  readonly status: number;
  /** GitHub's message plus the validation errors' messages, one string to match on. */
  readonly text: string;
}

/** The status and text of an Octokit RequestError; null for anything else (a bug, rethrown). */
export function httpFailure(caught: unknown): HttpFailure | null {
  if (caught === null || typeof caught !== 'object' || !('status' in caught)) return null;
  const status: unknown = caught.status;
  if (typeof status !== 'number') return null;
  const data = (caught as { response?: { data?: unknown } }).response?.data;
  const parts: string[] = [caught instanceof Error ? caught.message : ''];
  if (data !== null && typeof data === 'object') {
    const { message, errors } = data as { message?: unknown; errors?: unknown };
    if (typeof message === 'string') parts.push(message);
    if (Array.isArray(errors)) {
      for (const e of errors as unknown[]) {
        if (typeof e === 'string') parts.push(e);
        else if (e !== null && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string') parts.push((e as { message: string }).message);
      }
    }
  }
  return { status, text: parts.join(' | ') };
}

export const isStatus = (caught: unknown, ...statuses: number[]): boolean => {
  const failure = httpFailure(caught);
  return failure !== null && statuses.includes(failure.status);
};

/** A ref update that lost a race: the tip moved, or another writer created the branch first. */
export function isLostRace(caught: unknown): boolean {
  const failure = httpFailure(caught);
  return failure !== null && failure.status === 422 && /not a fast[- ]forward|reference already exists|object does not exist/i.test(failure.text);
}

/** Permanent refusals of a write, named so a person knows what to change. */
export function commitRefusal(caught: unknown): { reason: CommitRefusal; message: string } | null {
  const failure = httpFailure(caught);
  if (failure === null) return null;
  const { status, text } = failure;
  if (/workflows?`? permission|refusing to allow .* workflow/i.test(text)) {
    return { reason: 'workflow-scope', message: `${text} (GITHUB_TOKEN may not change .github/workflows; use a token with the workflows permission)` };
  }
  if ((status === 422 || status === 409 || status === 403) && /protected branch|rule violations?|reference update failed|must be made through a pull request|push protection|repository rule/i.test(text)) {
    return { reason: 'protected', message: `${text} (the branch is protected by a rule or ruleset; allow IdeaMine's identity to push, or let the dossier stay on the state branch)` };
  }
  if ((status === 403 || status === 404) && /not accessible by integration|must have (admin|push) access|permission/i.test(text)) {
    return { reason: 'forbidden', message: `${text} (grant the workflow \`contents: write\`)` };
  }
  return null;
}

/** GitHub's answer when "Allow GitHub Actions to create and approve pull requests" is off. */
export const isActionsPrCreationDisabled = (caught: unknown): boolean => {
  const failure = httpFailure(caught);
  return failure !== null && failure.status === 403 && /not permitted to create or approve pull requests/i.test(failure.text);
};

export const isPrAlreadyExists = (caught: unknown): boolean => {
  const failure = httpFailure(caught);
  return failure !== null && failure.status === 422 && /pull request already exists/i.test(failure.text);
};

/** Wraps a failure with what was being done and whether trying later can help. */
export function forgeError(doing: string, caught: unknown, details: readonly string[] = []): IdeaMineError {
  const failure = httpFailure(caught);
  if (failure === null) return new IdeaMineError(ErrorCode.internal, `${doing}: ${caught instanceof Error ? caught.message : String(caught)}`, { cause: caught });
  const retryable = failure.status >= 500 || failure.status === 429 || /rate limit/i.test(failure.text);
  const code = failure.status === 404 ? ErrorCode.notFound : failure.status === 401 || failure.status === 403 ? ErrorCode.refused : ErrorCode.internal;
  return new IdeaMineError(code, `${doing}: GitHub answered ${failure.status}: ${failure.text}`, { cause: caught, retryable, details });
}
