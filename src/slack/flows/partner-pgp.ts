import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import { AppError, isAppError } from '../../shared/errors.ts';
import { LIMITS } from '../blocks/kit.ts';
import { mergePickerState } from '../blocks/permission-picker.ts';
import type { Actor } from './actor.ts';
import { decodeMeta, encodeMeta, PartnerMeta } from './metadata.ts';
import { slackErrorCode } from './notify.ts';
import { pickerStateOf, renderPicker, selectionOf } from './picker.ts';
import type { ModalView } from '../blocks/kit.ts';
import { pgpConfirmView, pgpKeyInputView } from '../blocks/pgp-views.ts';
import type { SlackDeps } from '../deps.ts';
import { ActionId, BlockId } from '../ui/ids.ts';
import { readInput, readUsers, type StateValues } from '../ui/view-state.ts';

/**
 * What a partner's PGP dialog carries: the partner id and, when it was pushed over the partner form, that form's view
 * id and its state at the time (`fm`: name, contacts and picker as typed), so the form is redrawn with the new key.
 */
export const PgpMeta = z.object({ pid: z.string(), fv: z.string().optional(), fm: PartnerMeta.optional() });
export type PgpMeta = z.infer<typeof PgpMeta>;

/** The partner form a PGP dialog is pushed over, as it stands (what was typed and ticked, not yet saved). */
export interface PartnerFormState {
  viewId: string;
  meta: PartnerMeta;
}

/** Reads the partner form a button was pressed in; undefined for any other dialog (nothing to refresh then). */
export function partnerFormState(
  deps: SlackDeps,
  view: { id: string; private_metadata?: string; state?: { values: unknown } } | undefined,
): PartnerFormState | undefined {
  if (view === undefined) return undefined;
  try {
    const meta = decodeMeta(PartnerMeta, view.private_metadata);
    const values = view.state?.values as StateValues | undefined;
    const selection = mergePickerState(deps.services.catalog, selectionOf(deps, meta), pickerStateOf(meta), values);
    return {
      viewId: view.id,
      meta: {
        ...meta,
        s: selection.encode(),
        n: readInput(values, BlockId.partnerName) ?? meta.n,
        u: readUsers(values, BlockId.partnerContacts) ?? meta.u,
      },
    };
  } catch {
    return undefined;
  }
}

/** The PGP dialog's metadata; the form's state is left out should it not fit beside the partner id. */
function pgpDialogMeta(partnerId: string, form: PartnerFormState | undefined): string {
  if (form !== undefined) {
    const full = JSON.stringify({ pid: partnerId, fv: form.viewId, fm: form.meta });
    if (full.length <= LIMITS.privateMetadata) return full;
  }
  return encodeMeta({ pid: partnerId });
}

/**
 * After a key was stored or confirmed in the pushed PGP dialog: redraws the partner form beneath it with the key as
 * it now is (what was typed there is kept), so going Back does not show the old state. Best effort: the form may
 * have been closed meanwhile.
 */
export async function refreshPartnerForm(actor: Actor, meta: PgpMeta): Promise<void> {
  if (meta.fv === undefined || meta.fm === undefined) return;
  try {
    const form = meta.fm;
    const view = await renderPicker(actor.deps, { ...form, r: form.r + 1 }, selectionOf(actor.deps, form));
    await actor.client.views.update({ view_id: meta.fv, view });
  } catch (error) {
    actor.deps.logger.warn(
      { partnerId: meta.pid, slackError: slackErrorCode(error), error: isAppError(error) ? error.code : undefined },
      'could not refresh the partner form under the PGP dialog',
    );
  }
}

/** Armored public keys are a few kB; anything much larger is not a key (and is not downloaded whole). */
const MAX_KEY_FILE_BYTES = 256 * 1024;

export interface UploadedFile {
  name?: string;
  size?: number;
  url_private_download?: string;
  url_private?: string;
}

export function uploadedFile(values: StateValues): UploadedFile | undefined {
  const entry = values[BlockId.pgpFile]?.[ActionId.input] as { files?: UploadedFile[] } | undefined;
  return entry?.files?.[0];
}

/**
 * The partner form's PGP step, pushed on top of it: `key` to paste or upload a key, `confirm` to confirm the
 * fingerprint of a key stored earlier (the key step when there is none yet).
 */
export async function pgpDialog(
  deps: SlackDeps,
  partnerId: string,
  step: 'key' | 'confirm',
  form?: PartnerFormState | undefined,
): Promise<ModalView> {
  const partner = await deps.services.partners.get(partnerId);
  const key = await deps.services.partnerPgp.getPgpKey(partner.id);
  const privateMetadata = pgpDialogMeta(partner.id, form);
  return step === 'confirm' && key !== undefined
    ? pgpConfirmView({ partner, key, replacedFingerprint: null, privateMetadata })
    : pgpKeyInputView(partner, key, privateMetadata);
}

/**
 * Downloads a file from a `file_input` with the bot token. The token only ever goes to Slack's own file hosts over
 * HTTPS: the URL comes from a signed request, but a token must not follow a URL it was not meant for.
 */
export async function downloadKeyFile(client: WebClient, file: UploadedFile): Promise<string> {
  const url = file.url_private_download ?? file.url_private;
  let parsed: URL;
  try {
    parsed = new URL(url ?? '');
  } catch {
    throw new AppError(
      'PGP_KEY_INVALID',
      'Slack did not give a download link for the file: upload it again, or paste the key.',
    );
  }
  if (
    parsed.protocol !== 'https:' ||
    !(
      parsed.hostname === 'slack.com' ||
      parsed.hostname.endsWith('.slack.com') ||
      parsed.hostname.endsWith('.slack-edge.com')
    )
  ) {
    throw new AppError(
      'PGP_KEY_INVALID',
      'The file is not on Slack’s file servers: upload it again, or paste the key.',
    );
  }
  if ((file.size ?? 0) > MAX_KEY_FILE_BYTES)
    throw new AppError(
      'PGP_KEY_INVALID',
      'That file is far too large to be a public key: upload the .asc file the partner exported.',
    );
  const response = await fetch(parsed, {
    headers: { authorization: `Bearer ${client.token ?? ''}` },
    redirect: 'error',
  });
  if (!response.ok)
    throw new AppError(
      'PGP_KEY_INVALID',
      `The file could not be downloaded from Slack (HTTP ${response.status}): upload it again, or paste the key.`,
    );
  const bytes = Buffer.from(await response.arrayBuffer());
  if (bytes.length > MAX_KEY_FILE_BYTES)
    throw new AppError(
      'PGP_KEY_INVALID',
      'That file is far too large to be a public key: upload the .asc file the partner exported.',
    );
  const text = bytes.toString('utf8');
  // Slack answers an unauthorised download with its sign-in page, not an error status.
  if (/^\s*<(!doctype|html)/i.test(text))
    throw new AppError(
      'PGP_KEY_INVALID',
      'Slack returned a web page instead of the file (is the files:read scope granted?): paste the key instead.',
    );
  return text;
}
