/**
 * Expected failures carry a stable code so callers (CLI, Slack, HTTP) can map them to a clear message or status
 * without parsing text. The message is written for the person who caused it; `cause` keeps detail for the log.
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'DATABASE_UNREACHABLE'
  | 'CATALOG_INVALID'
  | 'VALIDATION'
  | 'DESCRIPTION_INVALID'
  | 'GRANT_MALFORMED'
  | 'UNKNOWN_ENDPOINT'
  | 'UNKNOWN_PARTNER'
  | 'PARTNER_EXISTS'
  | 'KEY_NOT_FOUND'
  | 'KEY_MALFORMED'
  | 'STALE_VERSION'
  | 'KEY_REVOKED'
  | 'IMPORT_INVALID'
  | 'ROLE_INVALID'
  | 'FORBIDDEN';

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: readonly string[];

  constructor(code: ErrorCode, message: string, options: { details?: readonly string[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details ?? [];
  }
}

export function isAppError(error: unknown, code?: ErrorCode): error is AppError {
  return error instanceof AppError && (code === undefined || error.code === code);
}
