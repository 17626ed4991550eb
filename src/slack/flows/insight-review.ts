import type { LegacyMigrationPlan, TrimPlan } from '../../keys/insights.ts';
import { stoppedAt } from '../../keys/key-state.ts';
import { isAppError } from '../../shared/errors.ts';
import type { ApiKey } from '../../keys/types.ts';
import { editConfirmView } from '../blocks/edit-key-views.ts';
import type { ModalView } from '../blocks/kit.ts';
import { noticeView } from '../blocks/notice-views.ts';
import { catalogFingerprint, Selection } from '../blocks/selection.ts';
import type { SlackDeps } from '../deps.ts';
import { keyName, plural } from '../ui/format.ts';
import { holdFor } from './approval-flow.ts';
import { type EditConfirmMeta, encodeMeta } from './metadata.ts';
import { usageOf } from './usage-of.ts';

/**
 * A key view's "Remove N unused permissions" and "Convert to explicit permissions": the plan read again now (use may
 * have changed since the view was drawn), shown as the usual review of a permission change. Saving it goes through
 * Edit's own submission (edit-confirm.ts): the same version check, empty-key question and approval rule.
 */
export type InsightKind = 'trim' | 'legacy';

async function review(
  deps: SlackDeps,
  key: ApiKey,
  change: { permissions: readonly string[]; added: string[]; removed: string[]; days: number; endsLegacy: boolean },
  reason: string,
  close: string,
): Promise<ModalView> {
  const { catalog } = deps.services;
  const selection = Selection.of(catalog, change.permissions);
  const meta: EditConfirmMeta = {
    k: key.id,
    v: key.version,
    d: key.description,
    s: selection.encode(),
    c: catalogFingerprint(catalog),
    b: change.days,
    ...(change.endsLegacy ? { l: 1 as const } : {}),
  };
  return editConfirmView({
    key,
    catalog,
    description: key.description,
    added: change.added,
    removed: change.removed,
    usage: await usageOf(deps, key),
    now: deps.now(),
    privateMetadata: encodeMeta(meta),
    hold: holdFor(deps, 'permissions'),
    endsLegacy: change.endsLegacy,
    reason,
    close,
  });
}

function trimReview(deps: SlackDeps, plan: TrimPlan, close: string): Promise<ModalView> | ModalView {
  const { key, window, unused, kept } = plan;
  if (key.replacedBy !== null)
    return noticeView('Already Replaced', `${keyName(key)} was replaced: change its replacement instead.`);
  if (unused.length === 0)
    return noticeView(
      'Nothing to Remove',
      `Each permission of ${keyName(key)} had an allowed call in the last ${window.days} days.`,
    );
  if (window.keyYounger)
    return noticeView(
      'Too Early',
      `${keyName(key)} is younger than ${window.days} days: a permission it has not used yet may simply not have been needed yet.`,
    );
  return review(
    deps,
    key,
    { permissions: kept, added: [], removed: unused, days: window.days, endsLegacy: false },
    `${unused.length === 1 ? 'This permission' : `These ${unused.length} permissions`} had no allowed call in the last ${window.days} days (as \`/authz\` recorded it); ${plural(kept.length, 'permission')} ${kept.length === 1 ? 'stays' : 'stay'}.`,
    close,
  );
}

function legacyReview(deps: SlackDeps, plan: LegacyMigrationPlan, close: string): Promise<ModalView> | ModalView {
  const { key, window, called, uncalled, permissions } = plan;
  if (key.replacedBy !== null)
    return noticeView('Already Replaced', `${keyName(key)} was replaced: its replacement has explicit permissions.`);
  return review(
    deps,
    key,
    { permissions, added: called, removed: [], days: window.days, endsLegacy: true },
    `In the last ${window.days} days this legacy key called ${called.length} of the ${plural(called.length + uncalled.length, 'legacy endpoint')} it may call without grants: those become explicit grants, and its access to the other ${uncalled.length} ends.`,
    close,
  );
}

/**
 * A key view drawn before the key stopped offers these buttons still: narrowing a key that no longer works helps
 * nobody (the view offers neither for such a key), so the click is told why instead of opening a review.
 */
function stoppedNotice(deps: SlackDeps, key: ApiKey): ModalView | undefined {
  // A replaced key's notice names its replacement instead.
  const stopped = key.replacedBy === null ? stoppedAt(key, deps.now().getTime()) : null;
  if (stopped === null) return undefined;
  return noticeView(
    'No Longer Works',
    `${keyName(key)} ${stopped === 'revoked' ? 'is revoked' : 'has expired'}: it has nothing to narrow. Re-enable it first if it should work again.`,
  );
}

async function trimOrNotice(deps: SlackDeps, keyId: string, close: string): Promise<ModalView> {
  const plan = await deps.services.insights.trimPlan(keyId);
  return stoppedNotice(deps, plan.key) ?? trimReview(deps, plan, close);
}

async function legacyOrNotice(deps: SlackDeps, keyId: string, close: string): Promise<ModalView> {
  const { insights, keys } = deps.services;
  const plan = await insights.legacyPlan(keyId).catch(async (error: unknown) => {
    // Converted since the view was drawn (this button, the CLI's migrate-legacy or an approved edit).
    if (!isAppError(error, 'KEY_NOT_LEGACY')) throw error;
    const key = await keys.get(keyId);
    return (
      stoppedNotice(deps, key) ??
      noticeView(
        'Already Converted',
        `${keyName(key)} is not a legacy key any more: it may call only its ${plural(key.permissions.length, 'explicit permission')} already.`,
      )
    );
  });
  if ('type' in plan) return plan;
  return stoppedNotice(deps, plan.key) ?? legacyReview(deps, plan, close);
}

/** The review to show, or a notice saying why there is nothing to review. */
export async function insightReview(
  deps: SlackDeps,
  kind: InsightKind,
  keyId: string,
  overDialog: boolean,
): Promise<ModalView> {
  const close = overDialog ? 'Back' : 'Cancel';
  return kind === 'trim' ? trimOrNotice(deps, keyId, close) : legacyOrNotice(deps, keyId, close);
}
