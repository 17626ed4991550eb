import { helpMessage } from '../../blocks/messages.ts';
import { subcommand } from '../listener.ts';

/** `help`, and anything the command does not know: what it can do. */
export const help = subcommand({
  names: ['help'],
  role: 'anyone',
  render: (turn) => turn.reply(helpMessage(turn.deps.command)),
});
