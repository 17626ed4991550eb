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
  | 'KEY_REPLACED'
  | 'IMPORT_INVALID'
  | 'ROLE_INVALID'
  | 'FORBIDDEN'
  | 'APPROVAL_NOT_CONFIGURED'
  | 'APPROVAL_NOT_FOUND'
  | 'APPROVAL_CLOSED'
  | 'SELF_APPROVAL'
  | 'REVEAL_UNAVAILABLE'
  | 'PGP_KEY_INVALID'
  | 'PGP_KEY_PRIVATE'
  | 'PGP_KEY_MULTIPLE'
  | 'PGP_KEY_EXPIRED'
  | 'PGP_KEY_REVOKED'
  | 'PGP_KEY_NO_ENCRYPTION'
  | 'PGP_KEY_WEAK'
  | 'PGP_KEY_ALGORITHM'
  | 'PGP_KEY_RFC9580'
  | 'PGP_KEY_LIMIT'
  | 'PGP_KEY_MISSING'
  | 'PGP_KEY_UNCONFIRMED'
  | 'PGP_FINGERPRINT_MISMATCH'
  | 'SERVICE_KEY_INVALID'
  | 'DELIVERY_NOT_FOUND'
  | 'DELIVERY_REFUSED'
  | 'DELIVERY_FAILED';

/** Plain facts about a failure (ids, names, counts, dates) that the Slack and CLI text modules put into words. */
export type ErrorFacts = Readonly<Record<string, string | number | boolean | readonly string[] | undefined>>;

export interface AppErrorOptions {
  details?: readonly string[];
  cause?: unknown;
  /** The input the failure is about (`description`, `name`, `contacts`, …): a form shows it beside that field. */
  field?: string;
  facts?: ErrorFacts;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: readonly string[];
  readonly field: string | undefined;
  readonly facts: ErrorFacts;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details ?? [];
    this.field = options.field;
    this.facts = options.facts ?? {};
  }
}

export function isAppError(error: unknown, code?: ErrorCode): error is AppError {
  return error instanceof AppError && (code === undefined || error.code === code);
}
