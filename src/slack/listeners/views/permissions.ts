import { showOnceView } from '../../blocks/show-once-views.ts';
import { mergePickerState } from '../../blocks/permission-picker.ts';
import { announce, heldView } from '../../flows/approval-flow.ts';
import { deliveryRefusal, handOver } from '../../flows/hand-over.ts';
import { CreateMeta, decodeMeta } from '../../flows/metadata.ts';
import { pickerStateOf, selectionOf } from '../../flows/picker.ts';
import { escapeMrkdwn } from '../../ui/escape.ts';
import { CallbackId } from '../../ui/ids.ts';
import { notice, view } from '../listener.ts';

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
      },
      partnerId: meta.partnerId,
      contact: meta.dl ?? undefined,
    };
  },
  async call({ deps }, { create, partnerId, contact }) {
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
  async render(turn, result, { contact }) {
    const { deps, client, userId, answer } = turn;
    if (result.kind === 'refused')
      return answer(notice('Key Not Created', `:warning: ${escapeMrkdwn(result.refusal)}`));
    if (result.kind === 'held') {
      await answer({ response_action: 'update', view: heldView(result.request) });
      return announce(deps, client, result.request);
    }
    const { issued } = result;
    deps.logger.info(
      { keyId: issued.key.id, userId, permissions: issued.key.permissions.length, delivery: contact !== undefined },
      'key created from Slack',
    );
    if (contact !== undefined) {
      await handOver({ deps, client, userId, respond: answer, viewId: turn.view.id, issued, contact });
    } else {
      await answer({ response_action: 'update', view: showOnceView({ ...issued, now: deps.now() }) });
    }
    await turn.home();
  },
});
