import type { types } from '@slack/bolt';
import { type Listener, Stop, type Turn, turnOf } from './steps.ts';

/** Opening the app's Home tab (or its Messages tab: `tab` says which). */
export function homeOpened<Ids = undefined>(spec: {
  ids(opened: types.AppHomeOpenedEvent): Ids | Stop;
  render(turn: Turn, ids: Ids): Promise<unknown>;
}): Listener {
  return {
    register(app, context) {
      app.event('app_home_opened', async ({ event: opened, client }) => {
        const ids = spec.ids(opened);
        if (ids instanceof Stop) return;
        await spec.render(turnOf(context, client, opened.user, undefined), ids);
      });
    },
  };
}
