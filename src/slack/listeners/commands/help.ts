import { helpMessage } from '../../blocks/messages.ts';
import { unknownCommandMessage } from '../../blocks/navigation-views.ts';
import { subcommand } from '../listener.ts';

/** `help`, and anything the command does not know: that word named, then what the command can do. */
export const help = subcommand({
  names: ['help'],
  ids: ({ word }) => ({ word }),
  role: 'anyone',
  render: (turn) =>
    turn.reply(
      turn.ids.word === 'help'
        ? helpMessage(turn.deps.command)
        : unknownCommandMessage(turn.deps.command, turn.ids.word),
    ),
});
