import type { App } from '@slack/bolt';
import type { Partner } from '../../partners/types.ts';
import { isAppError } from '../../shared/errors.ts';
import { parseRole } from '../../roles/role-service.ts';
import { partnersView, rolesView } from '../blocks/admin-views.ts';
import { escapeMrkdwn } from '../blocks/escape.ts';
import { mergePickerState } from '../blocks/permission-picker.ts';
import type { SlackDeps } from '../deps.ts';
import { BlockId, CallbackId } from '../ids.ts';
import { decodeMeta, PartnerMeta, RolesMeta } from '../metadata.ts';
import { selectionOf } from '../picker-views.ts';
import { readInput, readSelected, readUsers, type StateValues } from '../state.ts';
import { notice, type SubmissionAck, submissionAllowed } from './submission.ts';
import { errorFieldText, errorText } from '../ui/error-text.ts';

/** Saving a partner (name, contacts, preset) and granting roles; both return to their refreshed list. */
export function registerAdminSubmits(app: App, deps: SlackDeps): void {
  app.view(CallbackId.partnerForm, async ({ ack, body, view }) => {
    const respond = ack as SubmissionAck;
    if (!(await submissionAllowed(deps, body.user.id, 'admin', respond))) return;
    const { catalog, partners } = deps.services;
    try {
      const meta = decodeMeta(PartnerMeta, view.private_metadata);
      const values = view.state.values as StateValues;
      const name = readInput(values, BlockId.partnerName) ?? meta.n;
      const contacts = readUsers(values, BlockId.partnerContacts) ?? meta.u;
      const preset = mergePickerState(catalog, selectionOf(deps, meta), meta.p, meta.r, values).endpointIds(catalog);
      let saved: Partner;
      try {
        saved =
          meta.id === null
            ? await partners.create({ actor: body.user.id, name, contacts, preset })
            : await partners.edit(meta.id, { actor: body.user.id, rename: name, contacts, preset });
      } catch (error) {
        if (isAppError(error) && error.field === 'name') {
          return respond({
            response_action: 'errors',
            errors: { [BlockId.partnerName]: errorFieldText(error, { command: deps.command }) },
          });
        }
        if (isAppError(error) && error.field === 'contacts') {
          return respond({
            response_action: 'errors',
            errors: { [BlockId.partnerContacts]: errorFieldText(error, { command: deps.command }) },
          });
        }
        throw error;
      }
      deps.logger.info({ partnerId: saved.id, userId: body.user.id }, 'partner saved from Slack');
      return respond({
        response_action: 'update',
        view: partnersView(
          await partners.list(),
          `:white_check_mark: Saved *${escapeMrkdwn(saved.name)}* (preset: ${saved.preset.length} endpoints).`,
        ),
      });
    } catch (error) {
      if (isAppError(error))
        return respond(notice('Partner Not Saved', `:warning: ${errorText(error, { command: deps.command })}`));
      throw error;
    }
  });

  app.view(CallbackId.roles, async ({ ack, body, view }) => {
    const respond = ack as SubmissionAck;
    if (!(await submissionAllowed(deps, body.user.id, 'admin', respond))) return;
    const { r } = decodeMeta(RolesMeta, view.private_metadata);
    const values = view.state.values as StateValues;
    const usersBlock = `${BlockId.roleUsers}.${r}`;
    const roleBlock = `${BlockId.roleKind}.${r}`;
    const users = readUsers(values, usersBlock) ?? [];
    const roleName = readSelected(values, roleBlock);
    if (users.length === 0)
      return respond({ response_action: 'errors', errors: { [usersBlock]: 'Pick at least one person.' } });
    if (roleName === undefined)
      return respond({ response_action: 'errors', errors: { [roleBlock]: 'Choose a role.' } });
    const role = parseRole(roleName);
    const granted: string[] = [];
    try {
      for (const user of users) if (await deps.services.roles.grant(user, role, body.user.id)) granted.push(user);
    } catch (error) {
      if (isAppError(error))
        return respond({
          response_action: 'errors',
          errors: { [usersBlock]: errorFieldText(error, { command: deps.command }) },
        });
      throw error;
    }
    deps.logger.info({ role, granted, userId: body.user.id }, 'roles granted from Slack');
    const text =
      granted.length === 0
        ? `Everyone picked already had the ${role} role.`
        : `:white_check_mark: Granted ${role} to ${granted.map((u) => `<@${u}>`).join(', ')}.`;
    return respond({
      response_action: 'update',
      view: rolesView({ grants: await deps.services.roles.list(), revision: r + 1, notice: text }),
    });
  });
}
