import { createPermissionsView } from '../../flows/picker.ts';
import { expiryFromChoice } from '../../blocks/expiry-blocks.ts';
import { defaultDescription, validateDescription } from '../../../keys/description.ts';
import { parseDeliveryChoice } from '../../blocks/delivery-blocks.ts';
import { NO_PARTNER } from '../../blocks/create-key-views.ts';
import { catalogFingerprint, Selection } from '../../blocks/selection.ts';
import { type CreateMeta, CreateStartMeta, decodeMeta } from '../../flows/metadata.ts';
import { ActionId, API_TYPE_CLIENT, BlockId, CallbackId } from '../../ui/ids.ts';
import { readInput, readSelected } from '../../ui/view-state.ts';
import { atField, refuseField, view } from '../listener.ts';
import { packNetworks, validateNetworks } from '../../../shared/networks.ts';
import { networkLines, networksBlockId } from '../../blocks/network-blocks.ts';

/** "Create New Credential" → "Manage Permissions", with the partner's preset pre-checked. */
export const createSubmit = view({
  callbackId: CallbackId.create,
  role: 'admin',
  failure: 'Cannot Continue',
  parse: ({ view: dialog, values }) => {
    const { r } = decodeMeta(CreateStartMeta, dialog.private_metadata);
    const descriptionBlock = `${BlockId.description}.${r}`;
    const deliveryBlock = `${BlockId.delivery}.${r}`;
    const networksBlock = networksBlockId(r);
    return {
      networksBlock,
      networkText: readInput(values, networksBlock),
      partnerId: readSelected(values, BlockId.partner, ActionId.createPartner),
      descriptionBlock,
      typed: readInput(values, descriptionBlock)?.trim() ?? '',
      deliveryBlock,
      // The hand-over choice: a contact of this partner gets the key encrypted; anything else means show it once.
      contact: parseDeliveryChoice(readSelected(values, deliveryBlock)),
      expiry: readSelected(values, BlockId.expires),
      client: readSelected(values, BlockId.apiType) === API_TYPE_CLIENT,
    };
  },
  async call({ deps }, input) {
    const { catalog, partners } = deps.services;
    const id = input.partnerId;
    const partner =
      id === undefined || id === NO_PARTNER
        ? undefined
        : await atField(BlockId.partner, () => partners.get(id), 'That partner no longer exists: pick another.');
    const description = await atField(
      input.descriptionBlock,
      () =>
        validateDescription(
          input.typed !== '' || partner === undefined ? input.typed : defaultDescription(partner.name, catalog.name),
        ),
      input.typed === '' ? 'Give the key a description, or pick a partner to use its default.' : undefined,
    );
    if (input.contact !== undefined && partner?.contactSlackUserIds.includes(input.contact) !== true) {
      refuseField(input.deliveryBlock, 'That person is not a contact of this partner any more: pick again.');
    }
    if (expiryFromChoice(input.expiry, deps.services.keys.lifetime(), deps.now()) === 'invalid')
      refuseField(BlockId.expires, 'That lifetime is no longer allowed here: pick again.');
    // A bad line is named beside the field (NETWORK_INVALID's words: "Line 2 (10.1.2.3/8) is not …").
    const networks = await atField(input.networksBlock, () => validateNetworks(networkLines(input.networkText)));
    return { partner, description, networks };
  },
  async render({ deps, answer }, { partner, description, networks }, { contact, expiry, client }) {
    const { catalog } = deps.services;
    const selection = Selection.of(catalog, partner?.preset ?? []);
    const next: CreateMeta = {
      f: 'create',
      p: 0,
      r: 0,
      s: selection.encode(),
      c: catalogFingerprint(catalog),
      partnerId: partner?.id ?? null,
      pn: partner?.name ?? null,
      ps: partner?.preset.length ?? 0,
      d: description,
      dl: contact ?? null,
      ...(expiry === undefined ? {} : { x: expiry }),
      ...(networks.length === 0 ? {} : { n: packNetworks(networks) }),
      ...(client ? { t: 1 as const } : {}),
    };
    await answer({
      response_action: 'update',
      view: createPermissionsView(deps, next, selection),
    });
  },
});
