import type { ApprovableAction } from '../../approvals/types.ts';
import { code } from '../ui/escape.ts';
import { plural } from '../ui/format.ts';
import { type Block, context } from './kit.ts';

// What a dialog says, before submit, when its change will wait for approval; and its submit button then.

/**
 * Set when the dialog's change will be held for approval; undefined when it applies directly. Where the dialog is
 * opened, the approvers other than the person are counted too, so a request nobody could approve is said up front.
 */
export type Hold = { approvalsRequired: number; shortOfApprovers?: { others: number; command: string } } | undefined;

export const REQUEST_APPROVAL = 'Request approval';

/** The submit button: "Request approval" when the change is held, else the dialog's own verb. */
export function submitLabel(hold: Hold, direct: string): string {
  return hold === undefined ? direct : REQUEST_APPROVAL;
}

const WHAT: Record<ApprovableAction, string> = {
  create: 'The new key',
  permissions: 'A permission change (a description-only change is saved directly)',
  reenable: 'Re-enabling',
  replace: 'The replacement',
};

/**
 * The line above the fields: nothing happens at submit but a request, and when it applies. `what` names the change
 * where the action's own word would mislead (Extend is held as a permission change; an upgrade as a create).
 */
export function holdBlocks(hold: Hold, action: ApprovableAction, what: string = WHAT[action]): Block[] {
  if (hold === undefined) return [];
  const short = hold.shortOfApprovers;
  if (short !== undefined && short.others < hold.approvalsRequired)
    return [
      context(
        `:warning: *Needs approval, but nobody can give it.* This change waits for ${plural(hold.approvalsRequired, 'approval')} from someone other than you, and ${short.others === 0 ? 'nobody else holds' : short.others === 1 ? 'only 1 other person holds' : `only ${short.others} other people hold`} the approver role, so the request would be refused. An admin can grant the role with ${code(`${short.command} roles`)} first.`,
      ),
    ];
  return [
    context(
      `:hourglass_flowing_sand: *Needs approval.* ${what} is not applied when you submit: a request goes to the approvals channel, and it applies once ${plural(hold.approvalsRequired, 'approver')} other than you agree${hold.approvalsRequired === 1 ? 's' : ''}.`,
    ),
  ];
}

/** What App Home tells admins about approvals: off and how to turn them on, or on and whether they can be given. */
export interface ApprovalsStatus {
  requiredFor: readonly ApprovableAction[];
  channel: string | undefined;
  approvalsRequired: number;
  /** People holding the approver role. */
  approvers: number;
  command: string;
}

const ACTION_NAMES: Record<ApprovableAction, string> = {
  create: 'create',
  permissions: 'permission edits',
  reenable: 're-enable',
  replace: 'replace',
};

export function approvalsStatusBlocks(status: ApprovalsStatus | undefined): Block[] {
  if (status === undefined) return [];
  const roles = code(`${status.command} roles`);
  if (status.requiredFor.length === 0)
    return [
      context(
        `:information_source: *Approvals are off* (${code('APPROVAL_REQUIRED_FOR=none')}): changes apply as soon as they are saved.`,
      ),
    ];
  const actions = status.requiredFor.map((a) => ACTION_NAMES[a]).join(', ');
  if (status.channel === undefined)
    return [
      context(
        `:information_source: *Approvals are off:* changes apply as soon as an admin saves them. To have ${actions} wait for a second person, set ${code('APPROVALS_CHANNEL')} to a channel id (e.g. ${code('C012ABCDEF')}), invite the app to that channel, grant the approver role with ${roles}, and restart the service.`,
      ),
    ];
  if (status.approvers < status.approvalsRequired) {
    const holders =
      status.approvers === 0
        ? 'nobody holds'
        : status.approvers === 1
          ? 'only 1 person holds'
          : `only ${status.approvers} people hold`;
    return [
      context(
        `:warning: *Approvals are on, but nobody can give them:* ${actions} ${status.requiredFor.length === 1 && status.requiredFor[0] !== 'permissions' ? 'needs' : 'need'} ${plural(status.approvalsRequired, 'approval')} from someone other than the requester, and ${holders} the approver role, so those changes are refused. Grant the role with ${roles}.`,
      ),
    ];
  }
  return [
    context(
      `:lock: *Approvals are on:* ${actions} ${status.requiredFor.length === 1 && status.requiredFor[0] !== 'permissions' ? 'waits' : 'wait'} for ${plural(status.approvalsRequired, 'approval')} in <#${status.channel}>.`,
    ),
  ];
}
