import { createExpiryBlock } from '../../blocks/expiry-blocks.ts';
import { defaultDescription } from '../../../keys/description.ts';
import { createKeyView, NO_PARTNER } from '../../blocks/create-key-views.ts';
import { slackCall } from '../../flows/actor.ts';
import { deliveryOffer } from '../../flows/delivery-offer.ts';
import { CreateStartMeta, decodeMeta, encodeMeta } from '../../flows/metadata.ts';
import { ActionId, BlockId } from '../../ui/ids.ts';
import { readInput } from '../../ui/view-state.ts';
import { holdFor } from '../../flows/approval-flow.ts';
import { action, stop } from '../listener.ts';
import { networksBlockId } from '../../blocks/network-blocks.ts';

/**
 * Picking a partner in "Create New Credential" fills the description with the seed's default ("<Partner> Harvest
 * API Key") unless the person typed their own, and offers the partner's encrypted hand-over.
 */
export const createPartner = action({
  id: ActionId.createPartner,
  ids: ({ body, value }) => (body.view === undefined ? stop() : { view: body.view, chosenId: value }),
  role: 'admin',
  parse: ({ ids }) => {
    const meta = decodeMeta(CreateStartMeta, ids.view.private_metadata);
    return {
      meta,
      typed: readInput(ids.view.state.values, `${BlockId.description}.${meta.r}`)?.trim() ?? '',
      typedNetworks: readInput(ids.view.state.values, networksBlockId(meta.r))?.trim() ?? '',
    };
  },
  async call({ deps, ids }, { meta }) {
    const partners = await deps.services.partners.list();
    const chosen = ids.chosenId === NO_PARTNER ? undefined : partners.find((p) => p.id === ids.chosenId);
    return {
      partners,
      chosen,
      previous: partners.find((p) => p.id === meta.pid),
      delivery: await deliveryOffer(deps, chosen?.id),
    };
  },
  async render(turn, { partners, chosen, previous, delivery }, { meta, typed, typedNetworks }) {
    const { catalog } = turn.deps.services;
    const wasDefault =
      typed === '' || (previous !== undefined && typed === defaultDescription(previous.name, catalog.name));
    const description = wasDefault
      ? chosen === undefined
        ? ''
        : defaultDescription(chosen.name, catalog.name)
      : typed;
    // The networks field likewise: the new partner's defaults replace the previous one's, never what was typed.
    const networksWereDefault =
      typedNetworks === '' || (previous !== undefined && typedNetworks === previous.defaultNetworks.join('\n'));
    const networks = networksWereDefault ? (chosen?.defaultNetworks ?? []) : typedNetworks.split('\n');
    const revision = meta.r + 1;
    const view = createKeyView({
      catalog,
      partners,
      partner: chosen,
      description,
      revision,
      privateMetadata: encodeMeta({ r: revision, pid: chosen?.id ?? null }),
      delivery,
      hold: holdFor(turn.deps, 'create'),
      expiry: createExpiryBlock(turn.deps.services.keys.lifetime()),
      networks,
    });
    const { id, hash } = turn.ids.view;
    await slackCall(turn, 'updating the create dialog', () => turn.client.views.update({ view_id: id, hash, view }));
  },
});
