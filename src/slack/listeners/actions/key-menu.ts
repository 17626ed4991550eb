import type { App, BlockAction, OverflowAction } from '@slack/bolt';
import type { SlackDeps } from '../../deps.ts';
import { ActionId, parseKeyMenuValue } from '../../ui/ids.ts';
import { openKeyDialog } from '../../flows/dialogs.ts';

/** A key's overflow menu (App Home, list and show messages): Edit, Revoke or Re-enable, Replace. */
export function registerKeyMenu(app: App, deps: SlackDeps): void {
  app.action<BlockAction<OverflowAction>>(ActionId.keyMenu, async ({ ack, body, action, client, respond }) => {
    await ack();
    const choice = parseKeyMenuValue(action.selected_option.value);
    if (choice === undefined) return;
    const actor = {
      deps,
      client,
      userId: body.user.id,
      respond: body.response_url === undefined ? undefined : respond,
    };
    await openKeyDialog(actor, body.trigger_id, choice.verb, choice.keyId);
  });
}
