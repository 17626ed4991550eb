import type { ApprovalRequest } from '../../approvals/types.ts';
import type { EditKeyInput, EditPreview, EditResult } from '../../keys/key-service.ts';
import type { ApiKey } from '../../keys/types.ts';
import type { SlackDeps } from '../deps.ts';

export type EditOutcome =
  | { kind: 'held'; request: ApprovalRequest }
  | ({ kind: 'edited'; before: ApiKey } & EditResult);

/**
 * Whether an edit lets the key do more: permissions or networks changed (taking a network away lets the key be used
 * from more places), or its life extended (it may do what it does for longer), or a legacy key's implicit access ended. A new description never does.
 */
export function widensKey(preview: EditPreview): boolean {
  const changes =
    preview.added.length + preview.removed.length + preview.networksAdded.length + preview.networksRemoved.length;
  // Ending a legacy key's implicit access is a permission change like any other (held alike).
  return changes > 0 || preview.expiry?.extended === true || preview.endsLegacy;
}

/**
 * A Slack edit (the Edit dialog, Extend from a reminder): held for approval when approvals hold permission changes
 * and it widens the key, otherwise applied at once.
 */
export async function editOrHold(
  deps: SlackDeps,
  keyId: string,
  edit: EditKeyInput & { actor: string },
  preview: EditPreview,
): Promise<EditOutcome> {
  const { keys, approvals } = deps.services;
  if (approvals.needsApproval('permissions') && widensKey(preview)) {
    return { kind: 'held', request: await approvals.requestEdit(keyId, edit) };
  }
  return { kind: 'edited', before: preview.key, ...(await keys.edit(keyId, edit)) };
}
