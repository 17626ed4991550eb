import { keyDetailsMessage } from '../../blocks/messages.ts';
import { hasRole } from '../../flows/roles.ts';
import { escapeMrkdwn } from '../../ui/escape.ts';
import { KEY_ID } from '../../ui/ids.ts';
import { stop, subcommand } from '../listener.ts';

/** `show <key id>`: one key with its permissions and its use. */
export const show = subcommand({
  names: ['show'],
  role: 'viewer',
  parse: ({ deps, args }) => {
    const keyId = args[0] ?? '';
    return KEY_ID.test(keyId) ? { keyId } : stop(`Which key? \`${escapeMrkdwn(deps.command)} show <key id>\``);
  },
  async call({ deps, userId }, { keyId }) {
    const key = await deps.services.keys.get(keyId);
    const [links, overview, canManage] = await Promise.all([
      deps.services.keys.links([key]).then((all) => all.get(key.id)),
      deps.services.insights.overview(key),
      hasRole(deps, userId, 'admin'),
    ]);
    return { key, links, overview, canManage };
  },
  render: ({ deps, reply }, { key, links, overview, canManage }) =>
    reply(
      keyDetailsMessage({
        key,
        links,
        overview,
        catalog: deps.services.catalog,
        legacyRule: deps.services.keys.legacyRule(),
        canManage,
        now: deps.now(),
      }),
    ),
});
