import type { App } from '@slack/bolt';
import { validateDescription } from '../../keys/description.ts';
import { permissionDiff } from '../../keys/grants.ts';
import type { EditResult } from '../../keys/key-service.ts';
import { isAppError } from '../../shared/errors.ts';
import { code, escapeMrkdwn } from '../blocks/escape.ts';
import { editConfirmView } from '../blocks/key-views.ts';
import { mergePickerState } from '../blocks/permission-picker.ts';
import { announce, heldView } from '../approval-flow.ts';
import type { SlackDeps } from '../deps.ts';
import type { PublishHome } from '../home.ts';
import { BlockId, CallbackId } from '../ids.ts';
import { say } from '../interaction.ts';
import { decodeMeta, EditConfirmMeta, EditMeta, encodeMeta } from '../metadata.ts';
import { selectionOf } from '../picker-views.ts';
import { readInput, type StateValues } from '../state.ts';
import { notice, type SubmissionAck, submissionAllowed } from './submission.ts';
import { errorFieldText, errorText } from '../ui/error-text.ts';

function staleText(keyId: string): string {
  return `:warning: Someone else changed ${code(keyId)} since you opened it. Nothing was saved and their change was not overwritten: open Edit again to see the key as it is now.`;
}

/** Edit → review the diff (pushed on top, "Back" returns to the checkboxes) → save against the version first seen. */
export function registerEditSubmit(app: App, deps: SlackDeps, publishHome: PublishHome): void {
  app.view(CallbackId.edit, async ({ ack, body, view }) => {
    const respond = ack as SubmissionAck;
    if (!(await submissionAllowed(deps, body.user.id, 'admin', respond))) return;
    const catalog = deps.services.catalog;
    try {
      const meta = decodeMeta(EditMeta, view.private_metadata);
      const values = view.state.values as StateValues;
      let description: string;
      try {
        description = validateDescription(readInput(values, BlockId.description) ?? meta.d);
      } catch (error) {
        if (isAppError(error))
          return respond({
            response_action: 'errors',
            errors: { [BlockId.description]: errorFieldText(error, { command: deps.command }) },
          });
        throw error;
      }
      const selection = mergePickerState(catalog, selectionOf(deps, meta), meta.p, meta.r, values);
      const key = await deps.services.keys.get(meta.k);
      if (key.version !== meta.v) return respond(notice('Not Saved', staleText(key.id)));
      const { added, removed } = permissionDiff(key.permissions, selection.endpointIds(catalog));
      if (added.length === 0 && removed.length === 0 && description === key.description) {
        return respond({
          response_action: 'errors',
          errors: { [BlockId.description]: 'Nothing changed: edit the description or the permissions, or Cancel.' },
        });
      }
      const [lastUsed, allowed, denied] = meta.u;
      const confirmMeta: EditConfirmMeta = { k: key.id, v: meta.v, d: description, s: selection.encode(), c: meta.c };
      return respond({
        response_action: 'push',
        view: editConfirmView({
          key,
          catalog,
          description,
          added,
          removed,
          usage: {
            lastUsedAt: lastUsed === null ? null : new Date(lastUsed),
            allowedLast7Days: allowed,
            deniedLast7Days: denied,
          },
          now: deps.now(),
          privateMetadata: encodeMeta(confirmMeta),
        }),
      });
    } catch (error) {
      if (isAppError(error))
        return respond(notice('Not Saved', `:warning: ${errorText(error, { command: deps.command })}`));
      throw error;
    }
  });

  app.view(CallbackId.editConfirm, async ({ ack, body, view, client }) => {
    const respond = ack as SubmissionAck;
    if (!(await submissionAllowed(deps, body.user.id, 'admin', respond))) return;
    const catalog = deps.services.catalog;
    let result: EditResult;
    try {
      const meta = decodeMeta(EditConfirmMeta, view.private_metadata);
      const edit = {
        actor: body.user.id,
        expectedVersion: meta.v,
        description: meta.d,
        grants: selectionOf(deps, meta).endpointIds(catalog),
      };
      // Only permission changes are held: a new description cannot widen what the key may do.
      const preview = await deps.services.keys.previewEdit(meta.k, edit);
      if (deps.services.approvals.needsApproval('permissions') && preview.added.length + preview.removed.length > 0) {
        const request = await deps.services.approvals.requestEdit(meta.k, edit);
        await respond({ response_action: 'update', view: heldView(request) });
        await announce(deps, client, request);
        return;
      }
      result = await deps.services.keys.edit(meta.k, edit);
    } catch (error) {
      if (isAppError(error, 'STALE_VERSION')) {
        const keyId = decodeMeta(EditConfirmMeta, view.private_metadata).k;
        deps.logger.info({ keyId, userId: body.user.id }, 'stale edit refused');
        return respond(notice('Not Saved', staleText(keyId)));
      }
      if (isAppError(error))
        return respond(notice('Not Saved', `:warning: ${errorText(error, { command: deps.command })}`));
      throw error;
    }
    await respond({ response_action: 'clear' });
    const { key, added, removed } = result;
    deps.logger.info(
      { keyId: key.id, userId: body.user.id, added: added.length, removed: removed.length },
      'key edited from Slack',
    );
    await say(
      { deps, client, userId: body.user.id },
      `:pencil2: Saved *${escapeMrkdwn(key.description)}* (${code(key.id)}): ${added.length} permission${added.length === 1 ? '' : 's'} added, ${removed.length} removed. The change is effective right away.`,
    );
    await publishHome(client, body.user.id);
  });
}
