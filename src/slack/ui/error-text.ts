import { type AppError, type ErrorCode, factList, factNumber, factText, isAppError } from '../../shared/errors.ts';
import { code, escapeMrkdwn } from './escape.ts';
import { plural } from './format.ts';

/** What the words depend on besides the error: the slash command as configured, for hints. */
export interface ErrorTextContext {
  command: string;
}

/** How facts are written: escaped mrkdwn for messages and notices, as they are for a modal's field error. */
interface Style {
  /** Text from the domain or typed by someone. */
  text(plain: string): string;
  /** An id or a command. */
  code(plain: string): string;
  /** A Slack user, named by id. */
  user(id: string): string;
}

const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/;

const MRKDWN: Style = {
  text: escapeMrkdwn,
  code,
  // Only an id-shaped value becomes a mention: anything else in its place is shown, escaped, not parsed.
  user: (id) => (SLACK_USER_ID.test(id) ? `<@${id}>` : escapeMrkdwn(id)),
};

// Slack shows field errors unformatted: ids and commands stand as they are.
const PLAIN: Style = { text: (plain) => plain, code: (plain) => plain, user: (id) => id };

type Words = (error: AppError, style: Style, context: ErrorTextContext) => string;

/** The domain's own sentence: right wherever Slack needs nothing of its own (no mention, command or hint). */
const said: Words = (error, style) => style.text(error.message);

const sentence = (text: string): string => (/[.!?]$/.test(text) ? text : `${text}.`);

const command = (style: Style, context: ErrorTextContext, sub: string): string =>
  style.code(`${context.command} ${sub}`);

const WORDS: Record<ErrorCode, Words> = {
  CONFIG_INVALID: said,
  DATABASE_UNREACHABLE: () =>
    'harvest-keys cannot reach its database right now, so this was not done. Please try again in a minute.',
  CATALOG_INVALID: said,
  SERVICE_KEY_INVALID: said,
  DIALOG_OUTDATED: (error) =>
    error.facts.problem === 'catalog_changed'
      ? 'The endpoint catalog changed while this dialog was open: close it and start again.'
      : 'This dialog is out of date: close it and start again.',
  DIALOG_TOO_LARGE: () => 'This dialog got too large for Slack. Please report this to the team running harvest-keys.',
  FILE_UNREADABLE: said,
  DESCRIPTION_INVALID: said,
  REASON_INVALID: said,
  GRACE_INVALID: said,
  GRANT_MALFORMED: said,
  UNKNOWN_ENDPOINT: (error, style, context) => {
    const grants = factList(error, 'grants');
    const catalog = factText(error, 'catalog');
    if (grants === undefined || catalog === undefined) return said(error, style, context);
    const near = factList(error, 'suggestions') ?? [];
    return (
      `Not an endpoint of the ${style.text(catalog)} catalog: ${grants.map((g) => style.text(g)).join(', ')}.` +
      (near.length === 0 ? '' : ` Did you mean ${near.map((id) => style.code(id)).join(' or ')}?`)
    );
  },
  KEY_NOT_FOUND: (error, style, context) => {
    const keyId = factText(error, 'keyId');
    return keyId === undefined
      ? said(error, style, context)
      : `No key with id ${style.code(keyId)}. ${command(style, context, 'list')} shows the ids.`;
  },
  STALE_VERSION: said,
  KEY_REVOKED: said,
  KEY_REPLACED: said,
  UPGRADE_REFUSED: said,
  KEY_NOT_LEGACY: said,
  WINDOW_INVALID: said,
  KEY_ALREADY_ACTIVE: (error, style, context) => {
    const keyId = factText(error, 'keyId');
    return keyId === undefined
      ? said(error, style, context)
      : `${style.code(keyId)} is already active; there is nothing to re-enable.`;
  },
  EXPIRY_INVALID: (error, style, context) => {
    const wanted = factText(error, 'wanted');
    return wanted === undefined
      ? said(error, style, context)
      : `That expiry can't be used: give ${style.text(wanted)}.`;
  },
  LIFETIME_TOO_LONG: (error, style, context) => {
    const maxDays = factNumber(error, 'maxDays');
    return maxDays === undefined
      ? said(error, style, context)
      : `Keys may live at most ${maxDays} days here: choose an expiry within ${maxDays} days.`;
  },
  IMPORT_INVALID: said,
  UNKNOWN_PARTNER: (error, style, context) => {
    const partner = factText(error, 'partner');
    return partner === undefined
      ? said(error, style, context)
      : `No partner named "${style.text(partner)}": ${command(style, context, 'partners')} lists them and adds new ones.`;
  },
  PARTNER_EXISTS: said,
  PARTNER_ARCHIVED: (error, style, context) => {
    const partner = factText(error, 'partner');
    return partner === undefined
      ? said(error, style, context)
      : `"${style.text(partner)}" is archived, so no new keys are created for it. An admin can restore it from the command line (partner unarchive).`;
  },
  PARTNER_NAME_INVALID: said,
  SLACK_USER_INVALID: said,
  ROLE_INVALID: said,
  FORBIDDEN: (error, style, context) => {
    if (error.facts.need === 'approver')
      return `Only approvers can decide on requests. An admin can grant the approver role with ${command(style, context, 'roles')}.`;
    if (error.facts.need === 'delivery_contact')
      return 'Sorry, only the person this API key was sent to can confirm it was stored. Nothing was changed.';
    return said(error, style, context);
  },
  APPROVAL_NOT_CONFIGURED: (error, style, context) => {
    const required = factNumber(error, 'required');
    const approvers = factNumber(error, 'approvers');
    if (error.facts.missing === 'channel')
      return (
        `This change needs approval, but no approvals channel is set, so nobody would see the request. Whoever runs ` +
        `harvest-keys can set ${style.code('APPROVALS_CHANNEL')} to a channel id (and invite the app there), or ` +
        `remove this action from ${style.code('APPROVAL_REQUIRED_FOR')}. Nothing was changed.`
      );
    if (error.facts.missing !== 'approvers' || required === undefined || approvers === undefined)
      return said(error, style, context);
    return (
      `Approvals are on, and this change needs ${plural(required, 'approval')} from someone other than you, but ` +
      `${approvers === 0 ? 'no other approver exists' : approvers === 1 ? 'only 1 other approver exists' : `only ${approvers} other approvers exist`}, ` +
      `so nobody could approve it. Nothing was changed. An admin can grant the approver role with ${command(style, context, 'roles')}, then try again.`
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
  PGP_KEY_MISSING: (error, style, context) =>
    `${sentence(said(error, style, context))} Partners' keys are added in ${command(style, context, 'partners')}.`,
  PGP_KEY_UNCONFIRMED: (error, style, context) =>
    `${sentence(said(error, style, context))} Fingerprints are confirmed in ${command(style, context, 'partners')}.`,
  PGP_FINGERPRINT_MISMATCH: said,
  FINGERPRINT_INVALID: said,
  DELIVERY_NOT_FOUND: () => 'This delivery is not known here any more; nothing was changed.',
  DELIVERY_NOT_SENT: said,
  DELIVERY_REFUSED: said,
  DELIVERY_FAILED: said,
  NETWORK_INVALID: (error, style, context) => {
    const entry = factText(error, 'entry');
    const why = factText(error, 'why');
    const line = factNumber(error, 'line');
    if (entry === undefined || why === undefined || line === undefined) return said(error, style, context);
    return sentence(`Line ${line} (${style.text(entry)}) is not an allowed network: ${style.text(why)}`);
  },
};

/**
 * A failed hand-over keeps the code of what stopped it (an unconfirmed PGP key, Slack's refusal), so it is known by
 * its `deliveryId` and worded as a delivery: to whom, why (the cause in its own words), and whether the key is dead.
 */
function deliveryWords(error: AppError, style: Style, context: ErrorTextContext): string | undefined {
  const deliveryId = factText(error, 'deliveryId');
  const keyId = factText(error, 'keyId');
  if (deliveryId === undefined || keyId === undefined) return undefined;
  const contact = factText(error, 'contact');
  const partner = factText(error, 'partner') ?? '';
  const to = contact === undefined ? `partner "${style.text(partner)}"` : style.user(contact);
  const failure = factText(error, 'failure') ?? error.code;
  if (failure === 'too_late') {
    return `Key ${style.code(keyId)} reached ${to} only after the delivery was given up, so the key had already been revoked: create or replace it again.`;
  }
  const why = isAppError(error.cause)
    ? sentence(words(error.cause, style, context))
    : `${style.text(factText(error, 'reason') ?? 'it failed')} (${style.text(failure)}).`;
  const outcome =
    error.facts.revoked === false
      ? `Nothing was sent in plain text, but revoking the key FAILED: revoke ${style.code(keyId)} now.`
      : 'The key was revoked so it can never be used, and nothing was sent in plain text. Fix the cause, then create or replace the key again.';
  return `Key ${style.code(keyId)} could not be delivered to ${to}: ${why} ${outcome}`;
}

function words(error: AppError, style: Style, context: ErrorTextContext): string {
  return deliveryWords(error, style, context) ?? WORDS[error.code](error, style, context);
}

/**
 * The one place an expected failure becomes words in Slack: escaped mrkdwn for a message or notice, with the
 * Slack-side hints (the slash command) the domain's sentence leaves out. Listeners never read `error.message`.
 */
export function errorText(error: AppError, context: ErrorTextContext): string {
  return words(error, MRKDWN, context);
}

/** The same, as plain text for a modal's field error (Slack shows those unformatted). */
export function errorFieldText(error: AppError, context: ErrorTextContext): string {
  return words(error, PLAIN, context);
}
