import { stoppedAt } from '../../../keys/key-state.ts';
import { heldNotice } from '../../blocks/approval-blocks.ts';
import { announce } from '../../flows/approval-flow.ts';
import { code, escapeMrkdwn } from '../../ui/escape.ts';
import { keyName } from '../../ui/format.ts';
import { ActionId, parseRestoreValue } from '../../ui/ids.ts';
import { action, stop } from '../listener.ts';

/**
 * "Restore permission" on a denial-burst alert: the endpoint goes back through the key service's edit, held for
 * approval where APPROVAL_REQUIRED_FOR says permission changes are. Restoring twice changes nothing.
 */
export const alertRestore = action({
  id: ActionId.alertRestore,
  ids: ({ value }) => parseRestoreValue(value) ?? stop(),
  role: 'admin',
  answer: 'clicker',
  async call({ deps, userId, ids }) {
    const { keys, approvals } = deps.services;
    const key = await keys.get(ids.keyId);
    // The alert may be days old: a key that no longer works gets nothing back (re-enabling it is its own decision).
    const stopped = stoppedAt(key, deps.now().getTime());
    if (stopped !== null) return { kind: 'stopped', stopped, key } as const;
    // Its replacement holds its permissions now (the service refuses edits of the old key): named, not changed.
    if (key.replacedBy !== null) {
      const successor = (await keys.links([key])).get(key.id)?.replacedBy;
      return { kind: 'replaced', key, successor } as const;
    }
    if (key.permissions.includes(ids.endpointId)) return { kind: 'unchanged', key } as const;
    const edit = { actor: userId, expectedVersion: key.version, add: [ids.endpointId] };
    if (approvals.needsApproval('permissions')) {
      // The alert sits in a channel: a second click (anyone's) would only post a second card for the same change.
      const waiting = (await approvals.listPending()).find(
        (r) => r.keyId === key.id && r.payload.action === 'permissions' && r.payload.added.includes(ids.endpointId),
      );
      if (waiting !== undefined) return { kind: 'waiting', request: waiting, key } as const;
      return { kind: 'held', request: await approvals.requestEdit(key.id, edit) } as const;
    }
    return { kind: 'restored', ...(await keys.edit(key.id, edit)) } as const;
  },
  async render(turn, result) {
    const { deps, client, userId, ids } = turn;
    const endpoint = code(ids.endpointId);
    if (result.kind === 'stopped')
      return turn.say(
        `${keyName(result.key)} ${result.stopped === 'revoked' ? 'is revoked' : 'has expired'}; nothing changed.`,
      );
    if (result.kind === 'replaced') {
      const successor = result.successor === undefined ? code(result.key.replacedBy ?? '') : keyName(result.successor);
      return turn.say(
        `${keyName(result.key)} was replaced by ${successor}; nothing changed. If the integration still needs ${endpoint}, give it to that key with Edit.`,
      );
    }
    if (result.kind === 'unchanged')
      return turn.say(`${keyName(result.key)} may call ${endpoint} already; nothing changed.`);
    if (result.kind === 'waiting')
      return turn.say(
        `:hourglass_flowing_sand: Restoring ${endpoint} to ${keyName(result.key)} is already waiting for approval (request ${code(result.request.id)}); nothing new was asked.`,
      );
    if (result.kind === 'held') {
      await turn.say(`:hourglass_flowing_sand: ${escapeMrkdwn(heldNotice(result.request))}`);
      return announce(deps, client, result.request);
    }
    deps.logger.info({ keyId: result.key.id, userId, endpointId: ids.endpointId }, 'permission restored from an alert');
    await turn.say(`:white_check_mark: Restored ${endpoint} to ${keyName(result.key)}: it may call it again.`);
  },
});
