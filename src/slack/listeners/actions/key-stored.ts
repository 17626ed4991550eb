import { storedView } from '../../blocks/show-once-views.ts';
import { slackCall } from '../../flows/actor.ts';
import { ActionId, KEY_ID } from '../../ui/ids.ts';
import { action, outcomeOf, stop } from '../listener.ts';

/** "I have stored the API Key": replaces the show-once view, so the secret is gone from the person's screen for good. */
export const keyStored = action({
  id: ActionId.keyStored,
  ids: ({ body, value }) =>
    body.view !== undefined && KEY_ID.test(value) ? { view: body.view, keyId: value } : stop(),
  // The button's value is client-supplied: without a role anyone could have any key's description drawn for them.
  role: 'viewer',
  call: ({ deps, ids }) => deps.services.keys.get(ids.keyId).catch(outcomeOf({ KEY_NOT_FOUND: () => undefined })),
  async render(turn, key) {
    if (key === undefined) return;
    await slackCall(turn, 'closing the show-once view', () =>
      turn.client.views.update({ view_id: turn.ids.view.id, view: storedView(key) }),
    );
    await turn.home();
  },
});
