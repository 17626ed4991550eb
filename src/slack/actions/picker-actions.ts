import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { planPages, mergePickerState, setGroup, groupAllSelected } from '../blocks/permission-picker.ts';
import type { SlackDeps } from '../deps.ts';
import { ActionId, BlockId } from '../ids.ts';
import { type Actor, guarded, say, slackCall } from '../interaction.ts';
import { decodeMeta, PickerMeta } from '../metadata.ts';
import { renderPicker, selectionOf } from '../picker-views.ts';
import { readInput, readUsers, type StateValues } from '../state.ts';
import { isAppError } from '../../shared/errors.ts';
import { errorText } from '../ui/error-text.ts';

type Change = { kind: 'all' } | { kind: 'none' } | { kind: 'group'; group: number } | { kind: 'page'; page: number };

/**
 * The permission picker's buttons (select all / clear all / per group / paging) in the create, edit and partner
 * dialogs. Each folds what is ticked on the page into the selection, applies the change and redraws the view with
 * new checkbox block ids, because Slack keeps a person's ticks over new initial_options when block ids stay the same.
 */
export function registerPickerActions(app: App, deps: SlackDeps): void {
  const handle =
    (change: (value: string) => Change | undefined) =>
    async ({
      ack,
      body,
      action,
      client,
    }: {
      ack: () => Promise<void>;
      body: BlockAction;
      action: ButtonAction;
      client: App['client'];
    }) => {
      await ack();
      const view = body.view;
      if (view === undefined) return;
      const actor: Actor = { deps, client, userId: body.user.id };
      if (!(await guarded(actor, 'admin'))) return;
      const requested = change(action.value ?? '');
      if (requested === undefined) return;
      try {
        const meta = decodeMeta(PickerMeta, view.private_metadata);
        const catalog = deps.services.catalog;
        const values = view.state?.values as StateValues | undefined;
        const selection = mergePickerState(catalog, selectionOf(deps, meta), meta.p, meta.r, values);
        const pages = planPages(catalog);
        let page = meta.p;
        if (requested.kind === 'all') for (let i = 0; i < catalog.endpoints.length; i++) selection.set(i, true);
        if (requested.kind === 'none') for (let i = 0; i < catalog.endpoints.length; i++) selection.set(i, false);
        if (requested.kind === 'group')
          setGroup(catalog, selection, requested.group, !groupAllSelected(catalog, selection, requested.group));
        if (requested.kind === 'page') page = Math.min(Math.max(0, requested.page), pages.length - 1);
        const next = { ...meta, p: page, r: meta.r + 1 };
        // Fields typed above the picker are kept too: the redraw would otherwise show what the dialog opened with.
        if (next.f === 'edit') next.d = readInput(values, BlockId.description) ?? next.d;
        if (next.f === 'partner') {
          next.n = readInput(values, BlockId.partnerName) ?? next.n;
          next.u = readUsers(values, BlockId.partnerContacts) ?? next.u;
        }
        const rendered = await renderPicker(deps, next, selection);
        await slackCall(actor, 'updating the permissions', () =>
          client.views.update({ view_id: view.id, hash: view.hash, view: rendered }),
        );
      } catch (error) {
        if (isAppError(error)) return say(actor, errorText(error, { command: deps.command }));
        throw error;
      }
    };

  app.action<BlockAction<ButtonAction>>(
    ActionId.pickerAll,
    handle(() => ({ kind: 'all' })),
  );
  app.action<BlockAction<ButtonAction>>(
    ActionId.pickerNone,
    handle(() => ({ kind: 'none' })),
  );
  app.action<BlockAction<ButtonAction>>(
    ActionId.pickerGroup,
    handle((value) =>
      /^\d+$/.test(value) && Number(value) < deps.services.catalog.groups.length
        ? { kind: 'group', group: Number(value) }
        : undefined,
    ),
  );
  app.action<BlockAction<ButtonAction>>(
    new RegExp(`^${ActionId.pickerPage.replace('.', '\\.')}`),
    handle((value) => (/^\d+$/.test(value) ? { kind: 'page', page: Number(value) } : undefined)),
  );
  // Ticking a box needs no answer: the state is read when a button is pressed or the dialog is submitted.
  app.action(ActionId.pickerCheck, async ({ ack }) => ack());
}
