import type { ApiKey } from '../keys/types.ts';
import type { PartnerPgpKey } from '../partners/partner-pgp-key.ts';
import type { Partner } from '../partners/types.ts';
import { isAppError } from '../shared/errors.ts';
import { partnersView, rolesView, partnerFormView } from './blocks/admin-views.ts';
import { createKeyView, editKeyView, enableView, noticeView, replaceView, revokeView } from './blocks/key-views.ts';
import { code } from './blocks/escape.ts';
import { catalogFingerprint, Selection } from './blocks/selection.ts';
import type { ModalView } from './blocks/kit.ts';
import type { KeyMenuVerb } from './ids.ts';
import { type Actor, guarded, say, slackCall } from './interaction.ts';
import { encodeMeta, type EditMeta, type PartnerMeta } from './metadata.ts';
import { usageOf } from './usage.ts';
import { deliveryOffer } from './delivery-offer.ts';

/**
 * Openers shared by the slash command, the App Home and message buttons. Each checks the role, reads what the dialog
 * shows (a query or two, well inside the trigger's 3 s) and opens it; failures are explained to the person.
 */
async function open(actor: Actor, triggerId: string, view: ModalView, what: string): Promise<void> {
  await slackCall(actor, `opening the ${what} dialog`, () => actor.client.views.open({ trigger_id: triggerId, view }));
}

export async function openCreate(actor: Actor, triggerId: string): Promise<void> {
  if (!(await guarded(actor, 'admin'))) return;
  const partners = await actor.deps.services.partners.list();
  const view = createKeyView({
    catalog: actor.deps.services.catalog,
    partners,
    partner: undefined,
    description: undefined,
    revision: 0,
    privateMetadata: encodeMeta({ r: 0, pid: null }),
  });
  await open(actor, triggerId, view, 'create');
}

export async function openKeyDialog(actor: Actor, triggerId: string, verb: KeyMenuVerb, keyId: string): Promise<void> {
  if (!(await guarded(actor, 'admin'))) return;
  const { deps } = actor;
  let key: ApiKey;
  try {
    key = await deps.services.keys.get(keyId);
  } catch (error) {
    if (isAppError(error, 'KEY_NOT_FOUND'))
      return say(actor, `There is no key ${code(keyId)}. \`${deps.command} list\` shows the keys.`);
    throw error;
  }
  const usage = await usageOf(deps, key);
  const now = deps.now();
  let view: ModalView;
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
      view = editKeyView({
        catalog,
        key,
        usage,
        description: key.description,
        selection: Selection.of(catalog, key.permissions),
        page: 0,
        revision: 0,
        now,
        privateMetadata: encodeMeta(meta),
      });
      break;
    }
    case 'revoke':
      view =
        key.status === 'revoked'
          ? noticeView('Already Revoked', `${code(key.id)} is already revoked. Use Re-enable to turn it back on.`)
          : revokeView(key, usage, now);
      break;
    case 'enable':
      view =
        key.status === 'active' && key.revokeAt === null
          ? noticeView('Already Active', `${code(key.id)} is active; there is nothing to re-enable.`)
          : enableView(key, usage);
      break;
    case 'replace':
      view = replaceView(key, usage, await deliveryOffer(deps, key.partnerId));
      break;
  }
  await open(actor, triggerId, view, verb);
}

export async function openPartners(actor: Actor, triggerId: string): Promise<void> {
  if (!(await guarded(actor, 'admin'))) return;
  await open(actor, triggerId, partnersView(await actor.deps.services.partners.list()), 'partners');
}

export async function openRoles(actor: Actor, triggerId: string): Promise<void> {
  if (!(await guarded(actor, 'admin'))) return;
  await open(actor, triggerId, rolesView({ grants: await actor.deps.services.roles.list(), revision: 0 }), 'roles');
}

export async function partnerForm(actor: Actor, partner: Partner | undefined): Promise<ModalView> {
  const catalog = actor.deps.services.catalog;
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
    pgp: await partnerPgpState(actor.deps, partner),
  });
}

/** The partner form's PGP section: the partner's key, if it has one (a new partner has none yet). */
export async function partnerPgpState(
  deps: Actor['deps'],
  partner: Partner | undefined,
): Promise<{ key: PartnerPgpKey | undefined }> {
  return { key: partner === undefined ? undefined : await deps.services.partnerPgp.getPgpKey(partner.id) };
}
