/** Every code, as a list the text modules' tests can walk; the `ErrorCode` type is derived from it. */
export const ERROR_CODES = [
  // Start-up and environment: the operator fixes these.
  'CONFIG_INVALID',
  'DATABASE_UNREACHABLE',
  'CATALOG_INVALID',
  'SERVICE_KEY_INVALID',
  // A surface's own input that went stale or could not be read.
  'DIALOG_OUTDATED',
  'DIALOG_TOO_LARGE',
  'FILE_UNREADABLE',
  // Keys.
  'DESCRIPTION_INVALID',
  'REASON_INVALID',
  'GRACE_INVALID',
  'GRANT_MALFORMED',
  'UNKNOWN_ENDPOINT',
  'KEY_NOT_FOUND',
  'STALE_VERSION',
  'KEY_REVOKED',
  'KEY_REPLACED',
  'KEY_ALREADY_ACTIVE',
  'UPGRADE_REFUSED',
  'KEY_NOT_LEGACY',
  'EXPIRY_INVALID',
  'LIFETIME_TOO_LONG',
  'IMPORT_INVALID',
  // Insights (usage, trim, legacy migration).
  'WINDOW_INVALID',
  // Partners and roles.
  'UNKNOWN_PARTNER',
  'PARTNER_EXISTS',
  'PARTNER_ARCHIVED',
  'PARTNER_NAME_INVALID',
  'SLACK_USER_INVALID',
  'ROLE_INVALID',
  'FORBIDDEN',
  // Approvals.
  'APPROVAL_NOT_CONFIGURED',
  'APPROVAL_NOT_FOUND',
  'SELF_APPROVAL',
  'REVEAL_UNAVAILABLE',
  // Partner PGP keys.
  'PGP_KEY_INVALID',
  'PGP_KEY_PRIVATE',
  'PGP_KEY_MULTIPLE',
  'PGP_KEY_EXPIRED',
  'PGP_KEY_REVOKED',
  'PGP_KEY_NO_ENCRYPTION',
  'PGP_KEY_WEAK',
  'PGP_KEY_ALGORITHM',
  'PGP_KEY_RFC9580',
  'PGP_KEY_LIMIT',
  'PGP_KEY_MISSING',
  'PGP_KEY_UNCONFIRMED',
  'PGP_FINGERPRINT_MISMATCH',
  'FINGERPRINT_INVALID',
  // Deliveries.
  'DELIVERY_NOT_FOUND',
  'DELIVERY_NOT_SENT',
  'DELIVERY_REFUSED',
  'DELIVERY_FAILED',
  // Allowed networks (keys and partners' defaults).
  'NETWORK_INVALID',
] as const;

/**
 * Expected failures carry a stable code so callers (CLI, Slack, HTTP) can map them to a clear message or status
 * without parsing text: one code per situation a surface words differently. The message is a plain English sentence
 * for logs and for any surface without its own words; `facts` hold what a surface needs to word it (never secrets).
 */
export type ErrorCode = (typeof ERROR_CODES)[number];

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

/** A fact as text, or undefined when it is missing or not text: the text modules then fall back to the message. */
export function factText(error: AppError, name: string): string | undefined {
  const value = error.facts[name];
  return typeof value === 'string' ? value : undefined;
}

export function factNumber(error: AppError, name: string): number | undefined {
  const value = error.facts[name];
  return typeof value === 'number' ? value : undefined;
}

export function factList(error: AppError, name: string): readonly string[] | undefined {
  const value = error.facts[name];
  return Array.isArray(value) ? (value as readonly string[]) : undefined;
}
