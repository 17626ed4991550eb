import { parseRole } from '../../../roles/role-service.ts';
import { rolesView } from '../../blocks/admin-views.ts';
import { decodeMeta, RolesMeta } from '../../flows/metadata.ts';
import { BlockId, CallbackId } from '../../ui/ids.ts';
import { readSelected, readUsers } from '../../ui/view-state.ts';
import { atField, refuseField, view } from '../listener.ts';

/** "Grant role" in the roles dialog: the people picked get the role; the dialog shows the grants as they are now. */
export const rolesSubmit = view({
  callbackId: CallbackId.roles,
  role: 'admin',
  parse: ({ view: dialog, values }) => {
    const { r } = decodeMeta(RolesMeta, dialog.private_metadata);
    const usersBlock = `${BlockId.roleUsers}.${r}`;
    const roleBlock = `${BlockId.roleKind}.${r}`;
    const users = readUsers(values, usersBlock) ?? [];
    const roleName = readSelected(values, roleBlock);
    if (users.length === 0) refuseField(usersBlock, 'Pick at least one person.');
    if (roleName === undefined) refuseField(roleBlock, 'Choose a role.');
    return { revision: r, usersBlock, users, role: parseRole(roleName) };
  },
  call: ({ deps, userId }, { usersBlock, users, role }) =>
    atField(usersBlock, async () => {
      const granted: string[] = [];
      for (const user of users) if (await deps.services.roles.grant(user, role, userId)) granted.push(user);
      return granted;
    }),
  async render({ deps, userId, answer }, granted, { revision, role }) {
    deps.logger.info({ role, granted, userId }, 'roles granted from Slack');
    const text =
      granted.length === 0
        ? `Everyone picked already had the ${role} role.`
        : `:white_check_mark: Granted ${role} to ${granted.map((u) => `<@${u}>`).join(', ')}.`;
    await answer({
      response_action: 'update',
      view: rolesView({
        grants: await deps.services.roles.list(),
        revision: revision + 1,
        viewer: userId,
        notice: text,
      }),
    });
  },
});
