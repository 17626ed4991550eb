import type { ApiKey } from '../../keys/types.ts';
import { escapeMrkdwn } from './escape.ts';

const SLACK_USER = /^[UW][A-Z0-9]{2,}$/;

/** Slack renders the date in each reader's own time zone; the fallback is for clients that cannot. */
export function slackDate(date: Date): string {
  const unix = Math.floor(date.getTime() / 1000);
  return `<!date^${unix}^{date_short_pretty} {time}|${date.toISOString().slice(0, 16).replace('T', ' ')} UTC>`;
}

/** Actors are Slack user ids when the change came from Slack, and free text (`cli:…`, `system`) otherwise. */
export function actorRef(actor: string): string {
  return SLACK_USER.test(actor) ? `<@${actor}>` : escapeMrkdwn(actor);
}

export function lastUsedText(lastUsedAt: Date | null): string {
  return lastUsedAt === null ? 'never' : slackDate(lastUsedAt);
}

export function statusText(key: Pick<ApiKey, 'status' | 'revokeAt'>, now: Date): string {
  if (key.status === 'revoked') return ':red_circle: Revoked';
  if (key.revokeAt !== null) {
    return key.revokeAt.getTime() <= now.getTime()
      ? ':red_circle: Revoked (grace period over)'
      : `:large_yellow_circle: Active until ${slackDate(key.revokeAt)}`;
  }
  return ':large_green_circle: Active';
}

export function isEffectivelyActive(key: Pick<ApiKey, 'status' | 'revokeAt'>, now: Date): boolean {
  return key.status === 'active' && (key.revokeAt === null || key.revokeAt.getTime() > now.getTime());
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
