import { keyDialog as loadKeyDialog, openKeyDialog } from '../../flows/dialogs.ts';
import { escapeMrkdwn } from '../../ui/escape.ts';
import { KEY_ID, type KeyMenuVerb } from '../../ui/ids.ts';
import { stop, subcommand } from '../listener.ts';

const KEY_VERBS: readonly KeyMenuVerb[] = ['edit', 'revoke', 'enable', 'replace'];

/** `edit|revoke|enable|replace <key id>`: the same dialogs as the key's menu. */
export const keyDialog = subcommand({
  names: KEY_VERBS,
  ids: ({ word, args, command }) => {
    const keyId = args[0] ?? '';
    if (KEY_ID.test(keyId)) return { verb: word as KeyMenuVerb, keyId };
    const c = escapeMrkdwn(command);
    return stop(`Which key? \`${c} ${word} <key id>\`, e.g. \`key_AbC123xYz789\`. \`${c} list\` shows the ids.`);
  },
  role: 'admin',
  call: ({ deps, userId, ids }) => loadKeyDialog(deps, ids.verb, ids.keyId, userId),
  render: (turn, dialog) => openKeyDialog(turn, turn.triggerId, dialog),
});
