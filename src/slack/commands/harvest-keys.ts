import type { App } from '@slack/bolt';
import { pendingApprovalsMessage } from '../blocks/approval-blocks.ts';
import { pubkeyMessage } from '../blocks/delivery-blocks.ts';
import { escapeMrkdwn } from '../blocks/escape.ts';
import { SERVICE_KEY_PATH } from '../../http/service-key-route.ts';
import { helpMessage, keyDetailsMessage, keyListMessage, LIST_MESSAGE_SIZE, type Message } from '../blocks/messages.ts';
import type { SlackDeps } from '../deps.ts';
import { hasRole } from '../guard.ts';
import { KEY_ID, type KeyMenuVerb } from '../ids.ts';
import { type Actor, guarded, say } from '../interaction.ts';
import { openCreate, openKeyDialog, openPartners, openRoles } from '../modals.ts';
import { logSlackFailure } from '../notify.ts';
import { isAppError } from '../../shared/errors.ts';
import { errorText } from '../ui/error-text.ts';

const KEY_VERBS: readonly KeyMenuVerb[] = ['edit', 'revoke', 'enable', 'replace'];

/**
 * `/harvest-keys <subcommand>`: acknowledged at once (Slack shows nothing for an empty ack), then one flow runs;
 * dialogs open first thing, answers are ephemeral through the command's response_url.
 */
export function registerCommand(app: App, deps: SlackDeps): void {
  app.command(deps.command, async ({ ack, command, client, respond }) => {
    await ack();
    const actor: Actor = { deps, client, userId: command.user_id, respond };
    const [word = 'help', ...rest] = command.text
      .trim()
      .split(/\s+/)
      .filter((w) => w !== '');
    const subcommand = word.toLowerCase();
    const argument = rest.join(' ');
    const reply = async (message: Message) => {
      try {
        await respond({ response_type: 'ephemeral', replace_original: false, ...message });
      } catch (error) {
        logSlackFailure(deps, error, 'answering the command', { userId: command.user_id });
      }
    };
    try {
      if (subcommand === 'create') return await openCreate(actor, command.trigger_id);
      if (subcommand === 'partners') return await openPartners(actor, command.trigger_id);
      if (subcommand === 'roles') return await openRoles(actor, command.trigger_id);
      if (subcommand === 'pubkey') {
        // Public by design (also served over HTTP): no role needed.
        const serviceKey = deps.services.serviceKey;
        if (serviceKey === undefined) return await say(actor, 'This server has no delivery signing key.');
        return await reply(pubkeyMessage(await serviceKey.get(), SERVICE_KEY_PATH));
      }
      if ((KEY_VERBS as readonly string[]).includes(subcommand)) {
        const keyId = rest[0] ?? '';
        if (!KEY_ID.test(keyId)) {
          return await say(
            actor,
            `Which key? \`${escapeMrkdwn(deps.command)} ${subcommand} <key id>\`, e.g. \`key_AbC123xYz789\`. \`${escapeMrkdwn(deps.command)} list\` shows the ids.`,
          );
        }
        return await openKeyDialog(actor, command.trigger_id, subcommand as KeyMenuVerb, keyId);
      }
      if (subcommand === 'list') {
        if (!(await guarded(actor, 'viewer'))) return;
        const { keys, total } = await deps.services.keys.list({ text: argument, limit: LIST_MESSAGE_SIZE });
        const canManage = await hasRole(deps, command.user_id, 'admin');
        return await reply(
          keyListMessage({ keys, total, query: argument, canManage, now: deps.now(), command: deps.command }),
        );
      }
      if (subcommand === 'show') {
        if (!(await guarded(actor, 'viewer'))) return;
        const keyId = rest[0] ?? '';
        if (!KEY_ID.test(keyId)) return await say(actor, `Which key? \`${escapeMrkdwn(deps.command)} show <key id>\``);
        const key = await deps.services.keys.get(keyId);
        const canManage = await hasRole(deps, command.user_id, 'admin');
        return await reply(keyDetailsMessage({ key, catalog: deps.services.catalog, canManage, now: deps.now() }));
      }
      if (subcommand === 'approvals') {
        if (!(await guarded(actor, 'viewer'))) return;
        return await reply(pendingApprovalsMessage(await deps.services.approvals.listPending()));
      }
      return await reply(helpMessage(deps.command));
    } catch (error) {
      if (isAppError(error)) return await say(actor, errorText(error, { command: deps.command }));
      throw error;
    }
  });
}
