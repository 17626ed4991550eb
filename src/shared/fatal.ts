import { isAppError } from './errors.ts';

/** One clear line for expected failures (bad config, unreachable database); a stack only for real bugs. */
export function describeFatal(error: unknown): string {
  if (isAppError(error)) return error.message;
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
