import { createExpiryBlock, editExpiryBlock } from '../blocks/expiry-blocks.ts';
import type { LifetimePolicy } from '../../keys/expiry.ts';
import type { KeyUsage } from '../../keys/key-usage.ts';
import { keyState, stoppedAt } from '../../keys/key-state.ts';
import type { ApiKey } from '../../keys/types.ts';
import type { PartnerPgpKey } from '../../partners/partner-pgp-key.ts';
import type { Partner } from '../../partners/types.ts';
import { isAppError } from '../../shared/errors.ts';
import { partnerFormView } from '../blocks/admin-views.ts';
import { createKeyView } from '../blocks/create-key-views.ts';
import { editKeyView } from '../blocks/edit-key-views.ts';
import { enableView } from '../blocks/enable-view.ts';
import { keyHistoryView, relatedKeyIds } from '../blocks/history-view.ts';
import { keyViewModal } from '../blocks/navigation-views.ts';
import { noticeView } from '../blocks/notice-views.ts';
import { replaceView } from '../blocks/replace-view.ts';
import { revokeView } from '../blocks/revoke-view.ts';
import { upgradeView } from '../blocks/upgrade-view.ts';
import { upgradable } from '../blocks/key-row.ts';
import { errorText } from '../ui/error-text.ts';
import type { ModalView } from '../blocks/kit.ts';
import { catalogFingerprint, Selection } from '../blocks/selection.ts';
import type { SlackDeps } from '../deps.ts';
import { code } from '../ui/escape.ts';
import { keyName, unknownState } from '../ui/format.ts';
import { revokedByFailedDelivery } from '../../delivery/failed-delivery.ts';
import type { KeyMenuVerb } from '../ui/ids.ts';
import { type Actor, say, slackCall } from './actor.ts';
import { deliveryOffer } from './delivery-offer.ts';
import { usageOf } from './usage-of.ts';
import { holdOpening } from './approval-flow.ts';
import { hasRole } from './roles.ts';
import type { Hold } from '../blocks/approval-notice.ts';
import { type EditMeta, encodeMeta, type PartnerMeta } from './metadata.ts';

/**
 * Dialogs opened from the slash command, the App Home and message buttons. Each reads what the dialog shows (a query
 * or two, well inside the trigger's 3 s); `openDialog` opens it and explains a failure to the person.
 */
export async function openDialog(actor: Actor, triggerId: string, view: ModalView, what: string): Promise<void> {
  await slackCall(actor, `opening the ${what} dialog`, () => actor.client.views.open({ trigger_id: triggerId, view }));
}

export async function createDialog(deps: SlackDeps, userId: string): Promise<ModalView> {
  return createKeyView({
    catalog: deps.services.catalog,
    partners: await deps.services.partners.list(),
    partner: undefined,
    description: undefined,
    revision: 0,
    privateMetadata: encodeMeta({ r: 0, pid: null }),
    hold: await holdOpening(deps, 'create', userId),
    expiry: createExpiryBlock(deps.services.keys.lifetime()),
  });
}

/** A key's View, Edit, Revoke, Re-enable or Replace dialog; `missing` when there is no such key. */
export type KeyDialog = { view: ModalView; verb: KeyMenuVerb } | { missing: string };

export async function keyDialog(deps: SlackDeps, verb: KeyMenuVerb, keyId: string, userId: string): Promise<KeyDialog> {
  const key: ApiKey | undefined = await deps.services.keys.get(keyId).catch((error: unknown) => {
    if (isAppError(error, 'KEY_NOT_FOUND')) return undefined;
    throw error;
  });
  if (key === undefined) return { missing: keyId };
  if (verb === 'history') {
    const events = await deps.services.audit.history(key.id);
    const related = await deps.services.keys.getMany(relatedKeyIds(events)).catch(() => new Map());
    return { view: keyHistoryView(key, events, related), verb };
  }
  // For every role; admins also get the changes the key's use suggests.
  if (verb === 'view') {
    const [links, overview, canChange] = await Promise.all([
      deps.services.keys.links([key]).then((all) => all.get(key.id)),
      deps.services.insights.overview(key),
      hasRole(deps, userId, 'admin'),
    ]);
    const view = keyViewModal({
      key,
      links,
      overview,
      canChange,
      catalog: deps.services.catalog,
      legacyRule: deps.services.keys.legacyRule(),
      now: deps.now(),
      canUpgrade: canChange && upgradable(key, deps.now()),
    });
    return { view, verb };
  }
  if ((verb === 'edit' || verb === 'replace') && key.replacedBy !== null)
    return { view: await replacedNotice(deps, key), verb };
  const usage = await usageOf(deps, key);
  const now = deps.now();
  switch (verb) {
    case 'edit': {
      const catalog = deps.services.catalog;
      const meta: EditMeta = {
        f: 'edit',
        p: 0,
        r: 0,
        s: Selection.of(catalog, key.permissions).encode(),
        c: catalogFingerprint(catalog),
        k: key.id,
        v: key.version,
        d: key.description,
        u: [usage.lastUsedAt?.getTime() ?? null, usage.allowedLast7Days, usage.deniedLast7Days],
      };
      const view = editKeyView({
        catalog,
        legacyRule: deps.services.keys.legacyRule(),
        key,
        usage,
        description: key.description,
        selection: Selection.of(catalog, key.permissions),
        page: 0,
        revision: 0,
        now,
        privateMetadata: encodeMeta(meta),
        hold: await holdOpening(deps, 'permissions', userId),
        expiry: editExpiryBlock(deps.services.keys.lifetime(), key.expiresAt, now),
      });
      return { view, verb };
    }
    case 'revoke':
      return { view: revokeDialog(key, usage, now), verb };
    case 'enable':
      return {
        view: enableDialog(key, usage, now, await holdOpening(deps, 'reenable', userId), deps.services.keys.lifetime()),
        verb,
      };
    case 'upgrade':
      return { view: await upgradeDialog(deps, key, usage, userId), verb };
    case 'replace':
      return {
        view: replaceView(key, usage, deps.services.keys.legacyRule(), await deliveryOffer(deps, key.partnerId), {
          now,
          hold: await holdOpening(deps, 'replace', userId),
          expiry: createExpiryBlock(deps.services.keys.lifetime()),
        }),
        verb,
      };
  }
}

/**
 * Why a key cannot be upgraded, in the app's words (the service's refusals name row ids and ISO times); undefined
 * when it can. A stale view or menu still offers the button.
 */
async function upgradeRefusal(deps: SlackDeps, key: ApiKey): Promise<ModalView | undefined> {
  const refused = (text: string) => noticeView('Cannot Upgrade', `:warning: ${text}`);
  if (key.clientId !== null) return refused(`${keyName(key)} is a Harvest v3 client already.`);
  if (key.replacedBy !== null) {
    const successor = (await deps.services.keys.links([key])).get(key.id)?.replacedBy;
    if (successor === undefined) return refused(`${keyName(key)} was replaced by ${code(key.replacedBy)}.`);
    return refused(
      successor.clientId == null
        ? `${keyName(key)} was replaced by ${keyName(successor)}: upgrade that key instead.`
        : `${keyName(key)} was upgraded to ${keyName(successor)} already.`,
    );
  }
  const stopped = stoppedAt(key, deps.now().getTime());
  if (stopped !== null)
    return refused(
      `${keyName(key)} ${stopped === 'revoked' ? 'is revoked' : 'has expired'}: only a working key is upgraded. Re-enable it first, or leave it ended.`,
    );
  return undefined;
}

/** "Upgrade to v3", or why this key cannot be upgraded (a client already, replaced, no longer working). */
async function upgradeDialog(deps: SlackDeps, key: ApiKey, usage: KeyUsage, userId: string): Promise<ModalView> {
  const refusal = await upgradeRefusal(deps, key);
  if (refusal !== undefined) return refusal;
  try {
    const plan = await deps.services.keys.previewUpgrade(key.id);
    return upgradeView({
      plan,
      apiName: deps.services.catalog.name,
      usage,
      legacyRule: deps.services.keys.legacyRule(),
      delivery: await deliveryOffer(deps, key.partnerId),
      hold: await holdOpening(deps, 'create', userId),
    });
  } catch (error) {
    if (isAppError(error, 'UPGRADE_REFUSED') || isAppError(error, 'KEY_REPLACED'))
      return noticeView('Cannot Upgrade', `:warning: ${errorText(error, deps)}`);
    throw error;
  }
}

/** Edit or Replace of a key that was replaced already: the service would refuse; name the key to use instead. */
async function replacedNotice(deps: SlackDeps, key: ApiKey): Promise<ModalView> {
  const successor = (await deps.services.keys.links([key])).get(key.id)?.replacedBy;
  const name = successor === undefined ? code(key.replacedBy ?? '') : keyName(successor);
  return noticeView(
    'Already Replaced',
    `${keyName(key)} was replaced by ${name}, which has its permissions now: edit or replace that key instead.`,
  );
}

function revokeDialog(key: ApiKey, usage: KeyUsage, now: Date): ModalView {
  const state = keyState(key, now);
  switch (state.kind) {
    case 'active':
    case 'stopping':
    case 'expired':
      return revokeView(key, usage, now);
    case 'revoked':
      // A grace period that ended already stops the key; revoking it now records that it is revoked.
      return state.graceEnded
        ? revokeView(key, usage, now)
        : noticeView(
            'Already Revoked',
            revokedByFailedDelivery(key)
              ? `${keyName(key)} is already revoked: its encrypted hand-over failed, so nobody received it.`
              : `${keyName(key)} is already revoked. Use Re-enable to turn it back on.`,
          );
    default:
      return unknownState(state);
  }
}

function enableDialog(key: ApiKey, usage: KeyUsage, now: Date, hold: Hold, lifetime: LifetimePolicy): ModalView {
  const state = keyState(key, now);
  switch (state.kind) {
    case 'active':
      return noticeView('Already Active', `${keyName(key)} is active; there is nothing to re-enable.`);
    case 'stopping':
      return enableView(key, usage, now, { lifetime });
    case 'revoked':
      // Nobody ever received a key whose hand-over failed: a working copy of it would help nobody.
      return revokedByFailedDelivery(key)
        ? noticeView(
            'Replace Instead',
            `${keyName(key)} was revoked because its encrypted hand-over failed, so nobody has it and re-enabling it would help nobody. Use Replace to issue a key with the same permissions and hand it over again.`,
          )
        : enableView(key, usage, now, { hold, lifetime });
    case 'expired':
      // Re-enabling an expired key gives it a new expiry (the maximum, or none without one).
      return enableView(key, usage, now, { hold, lifetime });
    default:
      return unknownState(state);
  }
}

export async function openKeyDialog(actor: Actor, triggerId: string, dialog: KeyDialog): Promise<void> {
  if ('missing' in dialog) {
    return say(actor, `There is no key ${code(dialog.missing)}. \`${actor.deps.command} list\` shows the keys.`);
  }
  await openDialog(actor, triggerId, dialog.view, dialog.verb);
}

export async function partnerForm(deps: SlackDeps, partner: Partner | undefined): Promise<ModalView> {
  const catalog = deps.services.catalog;
  const selection = Selection.of(catalog, partner?.preset ?? []);
  const meta: PartnerMeta = {
    f: 'partner',
    p: 0,
    r: 0,
    s: selection.encode(),
    c: catalogFingerprint(catalog),
    id: partner?.id ?? null,
    n: partner?.name ?? '',
    u: partner?.contactSlackUserIds ?? [],
  };
  return partnerFormView({
    catalog,
    partner,
    name: meta.n,
    contacts: meta.u,
    selection,
    page: 0,
    revision: 0,
    privateMetadata: encodeMeta(meta),
    pgp: await partnerPgpState(deps, partner),
  });
}

/** The partner form's PGP section: the partner's key, if it has one (a new partner has none yet). */
export async function partnerPgpState(
  deps: SlackDeps,
  partner: Partner | undefined,
): Promise<{ key: PartnerPgpKey | undefined }> {
  return { key: partner === undefined ? undefined : await deps.services.partnerPgp.getPgpKey(partner.id) };
}
