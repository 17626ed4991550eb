import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { rolesView } from '../blocks/admin-views.ts';
import type { SlackDeps } from '../deps.ts';
import { ActionId } from '../ids.ts';
import { type Actor, guarded, say, slackCall } from '../interaction.ts';
import { decodeMeta, RolesMeta } from '../metadata.ts';
import { partnerForm } from '../modals.ts';
import { parseRole } from '../../roles/role-service.ts';
import { isAppError } from '../../shared/errors.ts';
import { errorText } from '../ui/error-text.ts';

/** Buttons in the partners and roles dialogs. */
export function registerAdminActions(app: App, deps: SlackDeps): void {
  const partnerButton = async ({
    ack,
    body,
    action,
    client,
  }: {
    ack: () => Promise<void>;
    body: BlockAction;
    action: ButtonAction;
    client: App['client'];
  }) => {
    await ack();
    const view = body.view;
    if (view === undefined) return;
    const actor: Actor = { deps, client, userId: body.user.id };
    if (!(await guarded(actor, 'admin'))) return;
    try {
      const partner =
        action.action_id === ActionId.partnerEdit ? await deps.services.partners.get(action.value ?? '') : undefined;
      const form = await partnerForm(actor, partner);
      await slackCall(actor, 'opening the partner form', () => client.views.update({ view_id: view.id, view: form }));
    } catch (error) {
      if (isAppError(error)) return say(actor, errorText(error, { command: deps.command }));
      throw error;
    }
  };
  app.action<BlockAction<ButtonAction>>(ActionId.partnerAdd, partnerButton);
  app.action<BlockAction<ButtonAction>>(ActionId.partnerEdit, partnerButton);

  app.action<BlockAction<ButtonAction>>(ActionId.roleRemove, async ({ ack, body, action, client }) => {
    await ack();
    const view = body.view;
    if (view === undefined) return;
    const actor: Actor = { deps, client, userId: body.user.id };
    if (!(await guarded(actor, 'admin'))) return;
    const [userId = '', roleName = ''] = (action.value ?? '').split('|');
    let notice: string;
    try {
      const role = parseRole(roleName);
      if (userId === body.user.id && role === 'admin') {
        notice =
          ':warning: You cannot remove your own admin role: ask another admin, so the app is never left without one.';
      } else {
        const removed = await deps.services.roles.remove(userId, role, body.user.id);
        notice = removed
          ? `Removed the ${role} role from <@${userId}>.`
          : `<@${userId}> did not have the ${role} role.`;
      }
    } catch (error) {
      if (isAppError(error)) notice = `:warning: ${errorText(error, { command: deps.command })}`;
      else throw error;
    }
    let revision = 0;
    try {
      revision = decodeMeta(RolesMeta, view.private_metadata).r + 1;
    } catch {
      revision = 1;
    }
    const next = rolesView({ grants: await deps.services.roles.list(), revision, notice });
    await slackCall(actor, 'updating the roles dialog', () => client.views.update({ view_id: view.id, view: next }));
  });
}
