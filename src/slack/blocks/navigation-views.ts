import type { ApprovalRequest } from '../../approvals/types.ts';
import type { Catalog } from '../../catalog/types.ts';
import type { KeyOverview } from '../../keys/insights.ts';
import type { LegacyRule } from '../../keys/legacy-rule.ts';
import type { ApiKey, KeyLinks } from '../../keys/types.ts';
import { ActionId, CallbackId } from '../ui/ids.ts';
import { code, escapeMrkdwn, truncate } from '../ui/escape.ts';
import { pendingApprovalsMessage } from './approval-blocks.ts';
import { actions, button, context, LIMITS, type ModalView, modal, section } from './kit.ts';
import { helpMessage, keyDetailsMessage, type Message } from './messages.ts';

/** A key, read-only: what `show` says, in a dialog every role can open from the App Home. */
export function keyViewModal(input: {
  key: ApiKey;
  catalog: Catalog;
  legacyRule: LegacyRule;
  now: Date;
  links?: KeyLinks | undefined;
  overview?: KeyOverview | undefined;
  /** Admins get the buttons drawn from the key's use (their review is pushed over this dialog). */
  canChange?: boolean | undefined;
  /** An admin looking at a plain key that still works: offered "Upgrade to v3" (the Home's menu has no room). */
  canUpgrade?: boolean | undefined;
}): ModalView {
  // No key menu inside the dialog: Edit, Revoke and Replace open from the Home row's menu.
  const { blocks } = keyDetailsMessage({ ...input, canManage: false, canChange: input.canChange ?? false });
  const buttons = [
    button('History', ActionId.keyHistory, input.key.id),
    ...(input.canUpgrade === true ? [button('Upgrade to v3', ActionId.keyUpgrade, input.key.id)] : []),
  ];
  return modal({
    callbackId: CallbackId.keyView,
    title: input.key.clientId === null ? 'API Key' : 'Harvest v3 Client',
    blocks: [...blocks.slice(0, LIMITS.viewBlocks - 1), actions(buttons)],
  });
}

/** The App Home's Help button: the command's help, in a dialog. */
export function helpModal(command: string): ModalView {
  return modal({ callbackId: CallbackId.help, title: 'Help', blocks: helpMessage(command).blocks });
}

/** The App Home's Approvals button: every request waiting, with the way to act on each. */
export function approvalsModal(requests: readonly ApprovalRequest[]): ModalView {
  const { blocks } = pendingApprovalsMessage(requests);
  return modal({
    callbackId: CallbackId.approvals,
    title: 'Approvals',
    blocks: [
      ...blocks.slice(0, LIMITS.viewBlocks - 1),
      context(
        'Approve or deny on the card in the approvals channel, or from the Home tab’s “Waiting for your approval”.',
      ),
    ],
  });
}

/** An unknown subcommand: named, then what the command can do. */
export function unknownCommandMessage(command: string, word: string): Message {
  const help = helpMessage(command);
  const typed = code(`${command} ${truncate(word, 40)}`);
  const text = `${typed} isn’t a command; try one of these (or \`${escapeMrkdwn(command)} help\`):`;
  return { text: `${command} ${truncate(word, 40)} isn’t a command`, blocks: [section(text), ...help.blocks] };
}
