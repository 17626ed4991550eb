import { type AppError, type ErrorCode, factList, factNumber, factText, isAppError } from '../shared/errors.ts';
import { describeFatal, isExpectedFailure } from '../shared/fatal.ts';
import { UsageError } from './usage-error.ts';

type Words = (error: AppError) => string;

/** The domain's own sentence: right wherever the CLI needs nothing of its own (no command to suggest). */
const said: Words = (error) => error.message;

const WORDS: Record<ErrorCode, Words> = {
  CONFIG_INVALID: said,
  DATABASE_UNREACHABLE: said,
  CATALOG_INVALID: said,
  SERVICE_KEY_INVALID: said,
  DIALOG_OUTDATED: said,
  DIALOG_TOO_LARGE: said,
  FILE_UNREADABLE: said,
  DESCRIPTION_INVALID: said,
  REASON_INVALID: said,
  GRACE_INVALID: said,
  GRANT_MALFORMED: said,
  UNKNOWN_ENDPOINT: (error) => {
    const grants = factList(error, 'grants');
    const catalog = factText(error, 'catalog');
    if (grants === undefined || catalog === undefined) return said(error);
    const ids = factList(error, 'suggestions') ?? [];
    const labels = factList(error, 'suggestionLabels') ?? [];
    // One line, as every refusal: the closest endpoints as grants, each with its label.
    const near = ids.map((id, i) => `${JSON.stringify(id)} (${labels[i] ?? id})`);
    return (
      `Not an endpoint of the ${catalog} catalog: ${grants.join(', ')}. ` +
      (near.length === 0 ? '' : `Did you mean ${near.join(' or ')}? `) +
      '"harvest-keys endpoints --search TEXT" lists the endpoints.'
    );
  },
  KEY_NOT_FOUND: said,
  STALE_VERSION: (error) => {
    const keyId = factText(error, 'keyId');
    const version = factNumber(error, 'version');
    if (keyId === undefined || version === undefined) return said(error);
    return (
      `Key ${keyId} was changed by someone else since you read it (now at version ${version}): ` +
      `check it with "harvest-keys show ${keyId}", then run the edit again with --version ${version}`
    );
  },
  KEY_REVOKED: said,
  KEY_REPLACED: said,
  UPGRADE_REFUSED: said,
  KEY_NOT_LEGACY: said,
  WINDOW_INVALID: said,
  KEY_ALREADY_ACTIVE: said,
  EXPIRY_INVALID: said,
  LIFETIME_TOO_LONG: (error) => {
    const latest = factText(error, 'latest');
    return latest === undefined
      ? said(error)
      : `${error.message}\n  Give --expires with a time up to ${latest} (e.g. --expires ${factNumber(error, 'maxDays') ?? 90}d).`;
  },
  IMPORT_INVALID: (error) =>
    error.facts.unknownPartners === true
      ? `${error.message}\n  Add the missing partners first: harvest-keys partner add <name>`
      : said(error),
  UNKNOWN_PARTNER: (error) => {
    const partner = factText(error, 'partner');
    if (partner === undefined) return said(error);
    // Naming a partner for a new key: the likely fix is adding it; elsewhere, finding the name it goes by.
    return error.field === 'partner'
      ? `No partner named "${partner}": add it first (harvest-keys partner add)`
      : `No partner named "${partner}" (harvest-keys partner list shows them)`;
  },
  PARTNER_EXISTS: said,
  PARTNER_ARCHIVED: (error) => {
    const partner = factText(error, 'partner');
    return partner === undefined
      ? said(error)
      : `Partner "${partner}" is archived, so no new keys are created for it: restore it first (harvest-keys partner unarchive ${JSON.stringify(partner)})`;
  },
  PARTNER_NAME_INVALID: said,
  SLACK_USER_INVALID: said,
  ROLE_INVALID: said,
  FORBIDDEN: said,
  APPROVAL_NOT_CONFIGURED: (error) => {
    const required = factNumber(error, 'required');
    const approvers = factNumber(error, 'approvers');
    if (error.facts.missing !== 'approvers' || required === undefined || approvers === undefined) return said(error);
    return (
      `This change needs ${required} approval(s) from someone other than you, but only ${approvers} other ` +
      'approver(s) exist: grant the approver role (harvest-keys role add <slack user id> approver).'
    );
  },
  APPROVAL_NOT_FOUND: said,
  SELF_APPROVAL: said,
  REVEAL_UNAVAILABLE: said,
  PGP_KEY_INVALID: said,
  PGP_KEY_PRIVATE: said,
  PGP_KEY_MULTIPLE: said,
  PGP_KEY_EXPIRED: said,
  PGP_KEY_REVOKED: said,
  PGP_KEY_NO_ENCRYPTION: said,
  PGP_KEY_WEAK: said,
  PGP_KEY_ALGORITHM: said,
  PGP_KEY_RFC9580: said,
  PGP_KEY_LIMIT: said,
  PGP_KEY_MISSING: (error) => {
    const partner = factText(error, 'partner');
    return partner === undefined
      ? said(error)
      : `${error.message} (harvest-keys partner key ${JSON.stringify(partner)} <file.asc>)`;
  },
  PGP_KEY_UNCONFIRMED: (error) => {
    const partner = factText(error, 'partner');
    return partner === undefined
      ? said(error)
      : `${error.message} (harvest-keys partner key ${JSON.stringify(partner)} --confirm <fingerprint>)`;
  },
  PGP_FINGERPRINT_MISMATCH: said,
  FINGERPRINT_INVALID: said,
  DELIVERY_NOT_FOUND: said,
  DELIVERY_NOT_SENT: said,
  DELIVERY_REFUSED: said,
  DELIVERY_FAILED: said,
  NETWORK_INVALID: (error) => {
    const entry = factText(error, 'entry');
    const why = factText(error, 'why');
    // Flags, not lines: the entry is named as it was given.
    return entry === undefined || why === undefined ? said(error) : `Not an allowed network: "${entry}": ${why}`;
  },
};

/** An expected failure in the CLI's words: the domain's sentence, with the command to run where one helps. */
export function cliErrorText(error: AppError): string {
  return WORDS[error.code](error);
}

export interface CliFailure {
  /** What goes to stderr, `harvest-keys: ` first. */
  text: string;
  /** 2 for a mistake in how the command was typed, 1 for anything else. */
  exitCode: 1 | 2;
  /** Only for a bug: the stack, printed after the line. */
  stack?: string | undefined;
}

/**
 * How a failed run ends: a usage mistake exits 2 with the usage line; an expected failure (a refusal, bad
 * configuration, an unreachable database) exits 1 with one clear line; anything else is a bug and also gets its stack.
 */
export function describeCliFailure(error: unknown): CliFailure {
  if (error instanceof UsageError) return { text: `harvest-keys: ${error.message}`, exitCode: 2 };
  if (isAppError(error)) return { text: `harvest-keys: ${cliErrorText(error)}`, exitCode: 1 };
  const text = `harvest-keys: ${describeFatal(error)}`;
  if (isExpectedFailure(error)) return { text, exitCode: 1 };
  return { text, exitCode: 1, stack: error instanceof Error ? error.stack : undefined };
}
