import { pendingApprovalsMessage } from '../../blocks/approval-blocks.ts';
import { subcommand } from '../listener.ts';

/** `approvals`: requests waiting for an approver. */
export const approvals = subcommand({
  names: ['approvals'],
  role: 'viewer',
  call: ({ deps }) => deps.services.approvals.listPending(),
  render: (turn, pending) => turn.reply(pendingApprovalsMessage(pending)),
});
