import type { App, BlockAction, StaticSelectAction } from '@slack/bolt';
import { defaultDescription } from '../../../keys/description.ts';
import { createKeyView, NO_PARTNER } from '../../blocks/key-views.ts';
import type { SlackDeps } from '../../deps.ts';
import { deliveryOffer } from '../../flows/delivery-offer.ts';
import { ActionId, BlockId } from '../../ui/ids.ts';
import { guarded, slackCall } from '../../flows/actor.ts';
import { CreateStartMeta, decodeMeta, encodeMeta } from '../../flows/metadata.ts';
import { readInput } from '../../ui/view-state.ts';

/**
 * Picking a partner in "Create New Credential" fills the description with the seed's default ("<Partner> Harvest
 * API Key") unless the person typed their own. The search variant (many partners) is answered here too.
 */
export function registerCreatePartner(app: App, deps: SlackDeps): void {
  app.action<BlockAction<StaticSelectAction>>(ActionId.createPartner, async ({ ack, body, action, client }) => {
    await ack();
    const actor = { deps, client, userId: body.user.id };
    if (body.view === undefined || !(await guarded(actor, 'admin'))) return;
    const meta = decodeMeta(CreateStartMeta, body.view.private_metadata);
    const { catalog, partners: partnerService } = deps.services;
    const partners = await partnerService.list();
    const chosenId = action.selected_option?.value;
    const chosen =
      chosenId === undefined || chosenId === NO_PARTNER ? undefined : partners.find((p) => p.id === chosenId);
    const previous = partners.find((p) => p.id === meta.pid);
    const typed = readInput(body.view.state.values, `${BlockId.description}.${meta.r}`)?.trim() ?? '';
    const wasDefault =
      typed === '' || (previous !== undefined && typed === defaultDescription(previous.name, catalog.name));
    const description = wasDefault
      ? chosen === undefined
        ? ''
        : defaultDescription(chosen.name, catalog.name)
      : typed;
    const revision = meta.r + 1;
    const view = createKeyView({
      catalog,
      partners,
      partner: chosen,
      description,
      revision,
      privateMetadata: encodeMeta({ r: revision, pid: chosen?.id ?? null }),
      delivery: await deliveryOffer(deps, chosen?.id),
    });
    await slackCall(actor, 'updating the create dialog', () =>
      client.views.update({ view_id: body.view!.id, hash: body.view!.hash, view }),
    );
  });

  app.options(ActionId.createPartner, async ({ ack, body }) => {
    if (!(await guarded({ deps, client: app.client, userId: body.user.id }, 'admin'))) return ack({ options: [] });
    const query = (body.value ?? '').trim().toLowerCase();
    const partners = (await deps.services.partners.list())
      .filter((p) => p.name.toLowerCase().includes(query))
      .slice(0, 99);
    await ack({
      options: [
        { text: { type: 'plain_text', text: 'None (no partner)' }, value: NO_PARTNER },
        ...partners.map((p) => ({ text: { type: 'plain_text' as const, text: p.name.slice(0, 75) }, value: p.id })),
      ],
    });
  });
}
