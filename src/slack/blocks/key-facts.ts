import type { KeyUsage } from '../../keys/key-usage.ts';
import type { ApiKey } from '../../keys/types.ts';
import { escapeMrkdwn } from '../ui/escape.ts';
import { actorRef, keyName, lastUsedText, slackDate } from '../ui/format.ts';
import { type Block, mrkdwn } from './kit.ts';

// What the key dialogs (edit, revoke, re-enable, replace) show about a key: its name, its partner and its use.

function counts(usage: KeyUsage): string {
  return usage.allowedLast7Days === null
    ? 'not recorded'
    : `${usage.allowedLast7Days} allowed, ${usage.deniedLast7Days ?? 0} denied`;
}

/** The key a dialog is about: its description and last characters (ids are for typing, not for telling apart). */
export function keyTitle(key: ApiKey): string {
  return keyName(key);
}

export function usageLine(usage: KeyUsage): string {
  return `*Last used:* ${lastUsedText(usage.lastUsedAt)}   ·   *Last 7 days:* ${counts(usage)}`;
}

export function keyFacts(key: ApiKey, usage: KeyUsage): Block {
  return {
    type: 'section',
    fields: [
      mrkdwn(`*Partner*\n${key.partnerName === null ? 'none' : escapeMrkdwn(key.partnerName)}`),
      mrkdwn(`*Last used*\n${lastUsedText(usage.lastUsedAt)}`),
      mrkdwn(`*Last 7 days*\n${counts(usage)}`),
      mrkdwn(`*Created*\n${slackDate(key.createdAt)} by ${actorRef(key.createdBy)}`),
    ],
  };
}
