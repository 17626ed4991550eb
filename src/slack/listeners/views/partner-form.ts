import { mergePickerState } from '../../blocks/permission-picker.ts';
import { decodeMeta, PartnerMeta } from '../../flows/metadata.ts';
import { partnerListView } from '../../flows/partner-list.ts';
import { pickerStateOf, selectionOf } from '../../flows/picker.ts';
import { escapeMrkdwn } from '../../ui/escape.ts';
import { plural } from '../../ui/format.ts';
import { BlockId, CallbackId } from '../../ui/ids.ts';
import { readInput, readUsers } from '../../ui/view-state.ts';
import { view } from '../listener.ts';
import { networkLines } from '../../blocks/network-blocks.ts';

/** Saving a partner (name, contacts, preset): back to the refreshed partner list. */
export const partnerFormSubmit = view({
  callbackId: CallbackId.partnerForm,
  role: 'admin',
  failure: 'Partner Not Saved',
  // The service names the input a refusal is about (a name already taken is about the name).
  fieldOf: (error) =>
    error.field === 'name'
      ? BlockId.partnerName
      : error.field === 'contacts'
        ? BlockId.partnerContacts
        : error.field === 'defaultNetworks'
          ? BlockId.networks
          : undefined,
  parse: ({ deps, view: dialog, values }) => {
    const meta = decodeMeta(PartnerMeta, dialog.private_metadata);
    const { catalog } = deps.services;
    return {
      id: meta.id,
      name: readInput(values, BlockId.partnerName) ?? meta.n,
      contacts: readUsers(values, BlockId.partnerContacts) ?? meta.u,
      preset: mergePickerState(catalog, selectionOf(deps, meta), pickerStateOf(meta), values).endpointIds(catalog),
      // One per line; a bad line is named beside the field (the service refuses it as defaultNetworks).
      defaultNetworks: networkLines(readInput(values, BlockId.networks)),
    };
  },
  call: ({ deps, userId }, { id, name, contacts, preset, defaultNetworks }) =>
    id === null
      ? deps.services.partners.create({ actor: userId, name, contacts, preset, defaultNetworks })
      : deps.services.partners.edit(id, { actor: userId, rename: name, contacts, preset, defaultNetworks }),
  async render({ deps, userId, answer }, saved) {
    deps.logger.info({ partnerId: saved.id, userId }, 'partner saved from Slack');
    await answer({
      response_action: 'update',
      view: await partnerListView(
        deps,
        `:white_check_mark: Saved *${escapeMrkdwn(saved.name)}* (preset: ${plural(saved.preset.length, 'endpoint')}).`,
      ),
    });
  },
});
