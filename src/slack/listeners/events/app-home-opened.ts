import type { App } from '@slack/bolt';
import type { PublishHome } from '../../flows/home-publisher.ts';

/** Opening the Home tab shows the API Credential Management page (or, without a role, how to get one). */
export function registerAppHomeOpened(app: App, publishHome: PublishHome): void {
  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    await publishHome(client, event.user);
  });
}
