import type { App, BlockAction, ButtonAction, PlainTextInputAction } from '@slack/bolt';
import type { SlackDeps } from '../../deps.ts';
import type { PublishHome } from '../../flows/home-publisher.ts';
import { ActionId } from '../../ui/ids.ts';
import { decodeMeta, HomeMeta } from '../../flows/metadata.ts';
import { openCreate } from '../../flows/dialogs.ts';

function homeState(view: { private_metadata?: string } | undefined): HomeMeta {
  try {
    return decodeMeta(HomeMeta, view?.private_metadata);
  } catch {
    return { q: '', p: 0 };
  }
}

/** The App Home's Create button, search box and paging. */
export function registerHomeActions(app: App, deps: SlackDeps, publishHome: PublishHome): void {
  app.action<BlockAction<ButtonAction>>(ActionId.homeCreate, async ({ ack, body, client }) => {
    await ack();
    await openCreate({ deps, client, userId: body.user.id }, body.trigger_id);
  });

  app.action<BlockAction<PlainTextInputAction>>(ActionId.homeSearch, async ({ ack, body, action, client }) => {
    await ack();
    await publishHome(client, body.user.id, { q: (action.value ?? '').trim().slice(0, 100), p: 0 });
  });

  app.action<BlockAction<ButtonAction>>(
    new RegExp(`^${ActionId.homePage.replace('.', '\\.')}`),
    async ({ ack, body, action, client }) => {
      await ack();
      const page = Number.parseInt(action.value ?? '0', 10);
      await publishHome(client, body.user.id, {
        q: homeState(body.view).q,
        p: Number.isFinite(page) && page >= 0 ? page : 0,
      });
    },
  );
}
