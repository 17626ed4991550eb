import { parseRole } from '../../../roles/role-service.ts';
import { rolesView } from '../../blocks/admin-views.ts';
import { slackCall } from '../../flows/actor.ts';
import { decodeMeta, RolesMeta } from '../../flows/metadata.ts';
import { ActionId } from '../../ui/ids.ts';
import { type ActionTurn, action, stop } from '../listener.ts';

type View = { id: string; private_metadata: string };

/** The roles dialog drawn again with the grants as they are now and a line saying what happened. */
async function redraw(turn: ActionTurn<{ view: View }>, notice: string) {
  const { view } = turn.ids;
  let revision: number;
  try {
    revision = decodeMeta(RolesMeta, view.private_metadata).r + 1;
  } catch {
    revision = 1;
  }
  const next = rolesView({ grants: await turn.deps.services.roles.list(), revision, viewer: turn.userId, notice });
  await slackCall(turn, 'updating the roles dialog', () => turn.client.views.update({ view_id: view.id, view: next }));
}

/** A grant's "Remove" in the roles dialog. Nobody removes their own admin role, so there is always an admin left. */
export const roleRemove = action({
  id: ActionId.roleRemove,
  ids: ({ body, value }) => {
    if (body.view === undefined) return stop();
    const [target = '', roleName = ''] = value.split('|');
    return { view: body.view, target, roleName };
  },
  role: 'admin',
  parse: ({ ids }) => ({ role: parseRole(ids.roleName) }),
  async call({ deps, userId, ids }, { role }) {
    if (ids.target === userId && role === 'admin') return { self: true } as const;
    return { removed: await deps.services.roles.remove(ids.target, role, userId) } as const;
  },
  render(turn, result, { role }) {
    const { target } = turn.ids;
    if ('self' in result) {
      return redraw(
        turn,
        ':warning: You cannot remove your own admin role: ask another admin, so the app is never left without one.',
      );
    }
    return redraw(
      turn,
      result.removed ? `Removed the ${role} role from <@${target}>.` : `<@${target}> did not have the ${role} role.`,
    );
  },
  failed: (turn, text) => redraw(turn, `:warning: ${text}`),
});
