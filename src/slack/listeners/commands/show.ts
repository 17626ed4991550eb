import { keyDetailsMessage } from '../../blocks/messages.ts';
import { hasRole } from '../../flows/roles.ts';
import { escapeMrkdwn } from '../../ui/escape.ts';
import { KEY_ID } from '../../ui/ids.ts';
import { stop, subcommand } from '../listener.ts';

/** `show <key id>`: one key with its permissions. */
export const show = subcommand({
  names: ['show'],
  role: 'viewer',
  parse: ({ deps, args }) => {
    const keyId = args[0] ?? '';
    return KEY_ID.test(keyId) ? { keyId } : stop(`Which key? \`${escapeMrkdwn(deps.command)} show <key id>\``);
  },
  async call({ deps, userId }, { keyId }) {
    return { key: await deps.services.keys.get(keyId), canManage: await hasRole(deps, userId, 'admin') };
  },
  render: ({ deps, reply }, { key, canManage }) =>
    reply(
      keyDetailsMessage({
        key,
        catalog: deps.services.catalog,
        legacyRule: deps.services.keys.legacyRule(),
        canManage,
        now: deps.now(),
      }),
    ),
});
