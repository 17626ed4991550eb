import { timeUntil } from '../../keys/expiry.ts';
import { keyState } from '../../keys/key-state.ts';
import type { ApiKey } from '../../keys/types.ts';
import { isAppError } from '../../shared/errors.ts';
import { noticeView } from '../blocks/notice-views.ts';
import type { ModalView } from '../blocks/kit.ts';
import { type ExpiringKey, extendView } from '../blocks/reminder-blocks.ts';
import type { SlackDeps } from '../deps.ts';
import { code } from '../ui/escape.ts';
import { keyName, slackDate, unknownState } from '../ui/format.ts';
import { holdOpening } from './approval-flow.ts';
import { encodeMeta, type ExtendMeta } from './metadata.ts';

/** What a reminder's button finds: the key still as it was reminded of, or why the reminder no longer applies. */
export type ReminderTarget = { key: ExpiringKey & ApiKey } | { stale: string };

/**
 * The key behind a Replace or Extend click on a reminder. A reminder is out of date once its key was replaced,
 * revoked, has expired, or its expiry moved (extended from another reminder, the CLI or Edit): the person is told
 * which, and nothing opens.
 */
export async function reminderTarget(
  deps: SlackDeps,
  ids: { keyId: string; endsAt: number },
  now: Date,
): Promise<ReminderTarget> {
  const key = await deps.services.keys.get(ids.keyId).catch((error: unknown) => {
    if (isAppError(error, 'KEY_NOT_FOUND')) return undefined;
    throw error;
  });
  if (key === undefined) return { stale: `There is no key ${code(ids.keyId)}: this reminder is out of date.` };
  const outdated = 'This reminder is out of date; nothing was changed.';
  if (key.replacedBy !== null) {
    return { stale: `${keyName(key)} was already replaced by ${code(key.replacedBy)}. ${outdated}` };
  }
  const state = keyState(key, now);
  switch (state.kind) {
    case 'revoked':
      return { stale: `${keyName(key)} is already revoked. ${outdated}` };
    case 'expired':
      return {
        stale: `${keyName(key)} already expired ${slackDate(state.at)}. ${outdated} Re-enable or replace it from its menu (\`${deps.command} show ${key.id}\`).`,
      };
    case 'stopping':
      return { stale: `${keyName(key)} is already set to stop ${slackDate(state.at)}. ${outdated}` };
    case 'active':
      break;
    default:
      return unknownState(state);
  }
  const expiresAt = key.expiresAt;
  if (expiresAt === null) return { stale: `${keyName(key)} no longer expires. ${outdated}` };
  if (expiresAt.getTime() !== ids.endsAt) {
    const moved = expiresAt.getTime() > ids.endsAt ? 'was already extended' : 'had its expiry changed';
    return {
      stale: `${keyName(key)} ${moved}: it now expires ${timeUntil(expiresAt, now)} (${slackDate(expiresAt)}). ${outdated}`,
    };
  }
  return { key: { ...key, expiresAt } };
}

/**
 * Extend clicked again (on the notice or another DM) while an extension of the key waits for approval: why nothing
 * opens, instead of a second request for the same change. Undefined when none waits.
 */
export async function extensionWaiting(deps: SlackDeps, key: ApiKey): Promise<string | undefined> {
  const { approvals } = deps.services;
  if (!approvals.needsApproval('permissions')) return undefined;
  const waiting = (await approvals.listPending()).find(
    (r) => r.keyId === key.id && r.payload.action === 'permissions' && r.payload.expiry?.extended === true,
  );
  return waiting === undefined
    ? undefined
    : `A later expiry for ${keyName(key)} is already waiting for approval (request ${code(waiting.id)}); nothing new was asked.`;
}

/** The Extend dialog for a key as reminded of; a notice when no lifetime the policy allows ends any later. */
export async function extendDialog(
  deps: SlackDeps,
  key: ExpiringKey & ApiKey,
  userId: string,
  now: Date,
): Promise<ModalView> {
  const policy = deps.services.keys.lifetime();
  const meta: ExtendMeta = { k: key.id, v: key.version, x: key.expiresAt.getTime() };
  const view = extendView({
    key,
    now,
    policy,
    hold: await holdOpening(deps, 'permissions', userId),
    privateMetadata: encodeMeta(meta),
  });
  return (
    view ??
    noticeView(
      'Cannot Extend',
      `Keys here live at most ${policy.maxLifetimeDays} days (KEY_MAX_LIFETIME_DAYS), counted from now, and ${keyName(key)} already ends later than that allows: Replace it instead, or let it end.`,
    )
  );
}
