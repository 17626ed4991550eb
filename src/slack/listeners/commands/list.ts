import { keyListMessage, LIST_MESSAGE_SIZE } from '../../blocks/messages.ts';
import { hasRole } from '../../flows/roles.ts';
import { subcommand } from '../listener.ts';

/** `list [text]`: keys matching a description, partner, id or last characters, with the key menu for admins. */
export const list = subcommand({
  names: ['list'],
  role: 'viewer',
  async call({ deps, userId, argument }) {
    const { keys, total } = await deps.services.keys.list({ text: argument, limit: LIST_MESSAGE_SIZE });
    const links = await deps.services.keys.links(keys);
    return { keys, total, links, canManage: await hasRole(deps, userId, 'admin') };
  },
  render: ({ deps, argument, reply }, { keys, total, links, canManage }) =>
    reply(keyListMessage({ keys, total, links, query: argument, canManage, now: deps.now(), command: deps.command })),
});
