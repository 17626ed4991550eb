import type { App } from '@slack/bolt';
import { defaultDescription, validateDescription } from '../../keys/description.ts';
import type { Partner } from '../../partners/types.ts';
import { isAppError } from '../../shared/errors.ts';
import { parseDeliveryChoice } from '../blocks/delivery-blocks.ts';
import { NO_PARTNER, permissionsView } from '../blocks/key-views.ts';
import { catalogFingerprint, Selection } from '../blocks/selection.ts';
import type { SlackDeps } from '../deps.ts';
import { ActionId, BlockId, CallbackId } from '../ids.ts';
import { type CreateMeta, CreateStartMeta, decodeMeta, encodeMeta } from '../metadata.ts';
import { readInput, readSelected, type StateValues } from '../state.ts';
import { notice, type SubmissionAck, submissionAllowed } from './submission.ts';
import { errorFieldText, errorText } from '../ui/error-text.ts';

/** "Create New Credential" → "Manage Permissions", with the partner's preset pre-checked. */
export function registerCreateSubmit(app: App, deps: SlackDeps): void {
  app.view(CallbackId.create, async ({ ack, body, view }) => {
    const respond = ack as SubmissionAck;
    if (!(await submissionAllowed(deps, body.user.id, 'admin', respond))) return;
    const { catalog, partners } = deps.services;
    const meta = decodeMeta(CreateStartMeta, view.private_metadata);
    const values = view.state.values as StateValues;
    const partnerId = readSelected(values, BlockId.partner, ActionId.createPartner);
    let partner: Partner | undefined;
    if (partnerId !== undefined && partnerId !== NO_PARTNER) {
      try {
        partner = await partners.get(partnerId);
      } catch (error) {
        if (isAppError(error, 'UNKNOWN_PARTNER')) {
          return respond({
            response_action: 'errors',
            errors: { [BlockId.partner]: 'That partner no longer exists: pick another.' },
          });
        }
        throw error;
      }
    }
    const descriptionBlock = `${BlockId.description}.${meta.r}`;
    const typed = readInput(values, descriptionBlock)?.trim() ?? '';
    let description: string;
    try {
      description = validateDescription(
        typed !== '' || partner === undefined ? typed : defaultDescription(partner.name, catalog.name),
      );
    } catch (error) {
      if (!isAppError(error)) throw error;
      const message =
        typed === ''
          ? 'Give the key a description, or pick a partner to use its default.'
          : errorFieldText(error, { command: deps.command });
      return respond({ response_action: 'errors', errors: { [descriptionBlock]: message } });
    }
    // The hand-over choice: a contact of this partner gets the key encrypted; anything else means show it once.
    const deliveryBlock = `${BlockId.delivery}.${meta.r}`;
    const chosenContact = parseDeliveryChoice(readSelected(values, deliveryBlock));
    if (chosenContact !== undefined && partner?.contactSlackUserIds.includes(chosenContact) !== true) {
      return respond({
        response_action: 'errors',
        errors: { [deliveryBlock]: 'That person is not a contact of this partner any more: pick again.' },
      });
    }
    const selection = Selection.of(catalog, partner?.preset ?? []);
    const next: CreateMeta = {
      f: 'create',
      p: 0,
      r: 0,
      s: selection.encode(),
      c: catalogFingerprint(catalog),
      partnerId: partner?.id ?? null,
      pn: partner?.name ?? null,
      ps: partner?.preset.length ?? 0,
      d: description,
      dl: chosenContact ?? null,
    };
    try {
      await respond({
        response_action: 'update',
        view: permissionsView({
          catalog,
          description,
          partnerName: partner?.name,
          presetSize: partner?.preset.length ?? 0,
          deliverTo: next.dl,
          selection,
          page: 0,
          revision: 0,
          privateMetadata: encodeMeta(next),
        }),
      });
    } catch (error) {
      if (isAppError(error)) return respond(notice('Cannot Continue', errorText(error, { command: deps.command })));
      throw error;
    }
  });
}
