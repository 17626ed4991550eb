import { expiryFromChoice } from '../../blocks/expiry-blocks.ts';
import type { SlackDeps } from '../../deps.ts';
import { mergePickerState } from '../../blocks/permission-picker.ts';
import { answerHeld } from '../../flows/approval-flow.ts';
import { deliveryRefusal, handOverOrShowOnce } from '../../flows/hand-over.ts';
import { CreateMeta, decodeMeta, networksOf } from '../../flows/metadata.ts';
import { createPermissionsView, pickerStateOf, selectionOf } from '../../flows/picker.ts';
import { escapeMrkdwn } from '../../ui/escape.ts';
import { CallbackId } from '../../ui/ids.ts';
import { notice, view } from '../listener.ts';

/** The Expires choice made in step 1, counted from now; a choice the policy no longer offers: its default. */
function createExpiry(deps: SlackDeps, choice: string | undefined): Date | null | undefined {
  const expiresAt = expiryFromChoice(choice, deps.services.keys.lifetime(), deps.now());
  return expiresAt === 'invalid' ? undefined : expiresAt;
}

/**
 * Save on "Manage Permissions": the key is created with exactly the ticked endpoints (the preset was only the
 * starting point) and its secret is shown once, in the view that replaces this one, or, when the admin chose the
 * encrypted hand-over, sent to the partner contact and shown to nobody. It goes nowhere else.
 */
export const permissionsSubmit = view({
  callbackId: CallbackId.permissions,
  role: 'admin',
  failure: 'Key Not Created',
  parse: ({ deps, userId, view: dialog, values }) => {
    const { catalog } = deps.services;
    const meta = decodeMeta(CreateMeta, dialog.private_metadata);
    const selection = mergePickerState(catalog, selectionOf(deps, meta), pickerStateOf(meta), values);
    return {
      create: {
        actor: userId,
        partner: meta.partnerId ?? undefined,
        description: meta.d,
        grants: selection.endpointIds(catalog),
        applyPreset: false,
        expiresAt: createExpiry(deps, meta.x),
        allowedNetworks: networksOf(meta) ?? [],
        kind: meta.t === 1 ? ('oauth_client' as const) : ('key' as const),
      },
      partnerId: meta.partnerId,
      contact: meta.dl ?? undefined,
      meta,
      selection,
    };
  },
  async call({ deps }, { create, partnerId, contact, meta }) {
    // A key with no permissions is refused everywhere: asked once more rather than made silently.
    if (create.grants.length === 0 && meta.z !== 1) return { kind: 'empty' } as const;
    if (contact !== undefined) {
      // Checked before the key exists: a key that could not be sent would only be made to be revoked.
      const refusal = await deliveryRefusal(deps, partnerId, contact);
      if (refusal !== undefined) return { kind: 'refused', refusal } as const;
    }
    if (deps.services.approvals.needsApproval('create')) {
      const delivery = contact === undefined ? {} : { delivery: { contactSlackUserId: contact } };
      return {
        kind: 'held',
        request: await deps.services.approvals.requestCreate({ ...create, ...delivery }),
      } as const;
    }
    return { kind: 'issued', issued: await deps.services.keys.create(create) } as const;
  },
  async render(turn, result, { contact, meta, selection }) {
    const { deps, client, userId, answer } = turn;
    if (result.kind === 'empty') {
      const next: CreateMeta = { ...meta, s: selection.encode(), r: meta.r + 1, z: 1 };
      return answer({
        response_action: 'update',
        view: createPermissionsView(deps, next, selection),
      });
    }
    if (result.kind === 'refused')
      return answer(notice('Key Not Created', `:warning: ${escapeMrkdwn(result.refusal)}`));
    if (result.kind === 'held') {
      return answerHeld(deps, client, answer, result.request);
    }
    const { issued } = result;
    deps.logger.info(
      {
        keyId: issued.key.id,
        clientId: issued.key.clientId ?? undefined,
        userId,
        permissions: issued.key.permissions.length,
        delivery: contact !== undefined,
      },
      'key created from Slack',
    );
    await handOverOrShowOnce({ deps, client, userId, respond: answer, viewId: turn.view.id, issued, contact });
    await turn.home();
  },
});
