import { type KeyState, type KeyStateFields, keyState } from '../../keys/key-state.ts';
import { timeUntil } from '../../keys/expiry.ts';
import { code, escapeMrkdwn } from './escape.ts';

const SLACK_USER = /^[UW][A-Z0-9]{2,}$/;

/** Slack renders the date in each reader's own time zone; the fallback is for clients that cannot. */
export function slackDate(date: Date): string {
  const unix = Math.floor(date.getTime() / 1000);
  return `<!date^${unix}^{date_short_pretty} {time}|${date.toISOString().slice(0, 16).replace('T', ' ')} UTC>`;
}

/** Whether an actor is a Slack user (the change came from Slack) rather than free text (`cli:…`, `system`). */
export function isSlackUser(actor: string): boolean {
  return SLACK_USER.test(actor);
}

/** Actors are Slack user ids when the change came from Slack, and free text (`cli:…`, `system`) otherwise. */
export function actorRef(actor: string): string {
  return isSlackUser(actor) ? `<@${actor}>` : escapeMrkdwn(actor);
}

export function lastUsedText(lastUsedAt: Date | null): string {
  return lastUsedAt === null ? 'never' : slackDate(lastUsedAt);
}

/** A key state that no renderer handles yet: a compile error at every switch until it is shown. */
export function unknownState(state: never): never {
  throw new Error(`unknown key state ${JSON.stringify(state)}`);
}

export function statusText(key: KeyStateFields, now: Date): string {
  const state: KeyState = keyState(key, now);
  switch (state.kind) {
    case 'active':
      return key.expiresAt === null
        ? ':large_green_circle: Active'
        : `:large_green_circle: Active · expires ${timeUntil(key.expiresAt, now)} (${slackDate(key.expiresAt)})`;
    case 'stopping':
      return `:large_yellow_circle: Active until ${slackDate(state.at)}`;
    case 'revoked':
      return state.graceEnded ? ':red_circle: Revoked (grace period over)' : ':red_circle: Revoked';
    case 'expired':
      return `:black_circle: Expired ${slackDate(state.at)}`;
    default:
      return unknownState(state);
  }
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * What tells keys apart where people read them: the description and the last four characters of the secret; for a
 * Harvest v3 client also its client id, the part its holder quotes.
 */
export type KeyNameFields = { description: string; hint: string; clientId?: string | null | undefined };

/**
 * A key's name in mrkdwn: `*Acme Harvest API Key* `…c2oD``, a client's with its kind and id:
 * `*Acme Harvest API Key* `…c2oD` · v3 client `hkc_…``. Row ids stay secondary, where someone must type one.
 */
export function keyName(key: KeyNameFields): string {
  const name = `*${escapeMrkdwn(key.description)}* ${code(`…${key.hint}`)}`;
  return key.clientId == null ? name : `${name} · _v3 client_ ${code(key.clientId)}`;
}

/** The same for plain text (notification fallbacks, confirm dialogs): `Acme Harvest API Key …c2oD`. */
export function keyNamePlain(key: KeyNameFields): string {
  const name = `${key.description} …${key.hint}`;
  return key.clientId == null ? name : `${name} (v3 client ${key.clientId})`;
}

/** What a credential is, in words: "Harvest v3 (OAuth) client" or "Harvest API key" (the catalog's name). */
export function kindText(key: { clientId?: string | null | undefined }, apiName: string): string {
  return key.clientId == null ? `${apiName} API key` : `${apiName} v3 (OAuth) client`;
}

/** A grace period in words: "1 hour", "24 hours", "7 days", "90 minutes". */
export function durationText(seconds: number): string {
  if (seconds % 86_400 === 0 && seconds >= 2 * 86_400) return plural(seconds / 86_400, 'day');
  if (seconds % 3600 === 0) return plural(seconds / 3600, 'hour');
  return plural(Math.max(1, Math.round(seconds / 60)), 'minute');
}
