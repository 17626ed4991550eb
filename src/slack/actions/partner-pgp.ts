import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import { AppError, isAppError } from '../../shared/errors.ts';
import { pgpConfirmView, pgpKeyInputView } from '../blocks/pgp-views.ts';
import type { SlackDeps } from '../deps.ts';
import { ActionId, BlockId, CallbackId } from '../ids.ts';
import { type Actor, guarded, say, slackCall } from '../interaction.ts';
import { decodeMeta } from '../metadata.ts';
import { readInput, type StateValues } from '../state.ts';
import { notice, type SubmissionAck, submissionAllowed } from '../views/submission.ts';
import { errorFieldText, errorText } from '../ui/error-text.ts';

const PgpMeta = z.object({ pid: z.string() });
/** Armored public keys are a few kB; anything much larger is not a key (and is not downloaded whole). */
const MAX_KEY_FILE_BYTES = 256 * 1024;

interface UploadedFile {
  name?: string;
  size?: number;
  url_private_download?: string;
  url_private?: string;
}

function uploadedFile(values: StateValues): UploadedFile | undefined {
  const entry = values[BlockId.pgpFile]?.[ActionId.input] as { files?: UploadedFile[] } | undefined;
  return entry?.files?.[0];
}

/**
 * Downloads a file from a `file_input` with the bot token. The token only ever goes to Slack's own file hosts over
 * HTTPS: the URL comes from a signed request, but a token must not follow a URL it was not meant for.
 */
async function downloadKeyFile(client: WebClient, file: UploadedFile): Promise<string> {
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

/**
 * Partners' PGP keys from the partner form: "Add / Replace PGP key" pushes a dialog to paste or upload the key; the
 * app reads it (refusals shown on the field with the reason), stores it and asks for the fingerprint the partner
 * reads out of band; "Confirm fingerprint" opens that step for a key stored earlier.
 */
export function registerPartnerPgp(app: App, deps: SlackDeps): void {
  const push = async (actor: Actor, triggerId: string, partnerId: string, step: 'key' | 'confirm') => {
    const pgp = deps.services.partnerPgp;
    if (pgp === undefined) return say(actor, 'PGP keys cannot be managed on this server.');
    try {
      const partner = await deps.services.partners.get(partnerId);
      const key = await pgp.getPgpKey(partner.id);
      const view =
        step === 'confirm' && key !== undefined
          ? pgpConfirmView({ partner, key, replacedFingerprint: null })
          : pgpKeyInputView(partner, key);
      await slackCall(actor, 'opening the PGP key dialog', () =>
        actor.client.views.push({ trigger_id: triggerId, view }),
      );
    } catch (error) {
      if (isAppError(error)) return say(actor, errorText(error, { command: deps.command }));
      throw error;
    }
  };
  for (const [actionId, step] of [
    [ActionId.partnerPgp, 'key'],
    [ActionId.partnerPgpConfirm, 'confirm'],
  ] as const) {
    app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, action, client }) => {
      await ack();
      const actor: Actor = { deps, client, userId: body.user.id };
      if (!(await guarded(actor, 'admin'))) return;
      await push(actor, body.trigger_id, action.value ?? '', step);
    });
  }

  app.view(CallbackId.partnerPgp, async ({ ack, body, view, client }) => {
    const respond = ack as SubmissionAck;
    if (!(await submissionAllowed(deps, body.user.id, 'admin', respond))) return;
    const pgp = deps.services.partnerPgp;
    if (pgp === undefined) return respond(notice('Not Available', 'PGP keys cannot be managed on this server.'));
    const values = view.state.values as StateValues;
    const pasted = readInput(values, BlockId.pgpArmored)?.trim() ?? '';
    const file = uploadedFile(values);
    if (pasted === '' && file === undefined) {
      return respond({
        response_action: 'errors',
        errors: { [BlockId.pgpArmored]: 'Paste the partner’s public key, or upload their .asc file below.' },
      });
    }
    if (pasted !== '' && file !== undefined) {
      return respond({
        response_action: 'errors',
        errors: { [BlockId.pgpFile]: 'Give the key once: paste it or upload it, not both.' },
      });
    }
    const field = pasted !== '' ? BlockId.pgpArmored : BlockId.pgpFile;
    try {
      const { pid } = decodeMeta(PgpMeta, view.private_metadata);
      const armored = pasted !== '' ? pasted : await downloadKeyFile(client, file as UploadedFile);
      const result = await pgp.setPgpKey(pid, armored, body.user.id);
      deps.logger.info(
        {
          partnerId: result.partner.id,
          fingerprint: result.key.fingerprint,
          replaced: result.replacedFingerprint,
          userId: body.user.id,
        },
        'partner PGP key stored from Slack',
      );
      return respond({
        response_action: 'update',
        view: pgpConfirmView({
          partner: result.partner,
          key: result.key,
          replacedFingerprint: result.replacedFingerprint,
          notice: ':inbox_tray: Key read and stored.',
        }),
      });
    } catch (error) {
      if (isAppError(error, 'UNKNOWN_PARTNER'))
        return respond(notice('Key Not Stored', `:warning: ${errorText(error, { command: deps.command })}`));
      if (isAppError(error))
        return respond({
          response_action: 'errors',
          errors: { [field]: errorFieldText(error, { command: deps.command }) },
        });
      throw error;
    }
  });

  app.view(CallbackId.partnerPgpConfirm, async ({ ack, body, view }) => {
    const respond = ack as SubmissionAck;
    if (!(await submissionAllowed(deps, body.user.id, 'admin', respond))) return;
    const pgp = deps.services.partnerPgp;
    if (pgp === undefined) return respond(notice('Not Available', 'PGP keys cannot be managed on this server.'));
    const typed = readInput(view.state.values as StateValues, BlockId.pgpFingerprint) ?? '';
    try {
      const { pid } = decodeMeta(PgpMeta, view.private_metadata);
      const key = await pgp.confirmPgpKey(pid, typed, body.user.id);
      const partner = await deps.services.partners.get(pid);
      deps.logger.info(
        { partnerId: pid, fingerprint: key.fingerprint, userId: body.user.id },
        'partner PGP key confirmed from Slack',
      );
      return respond({
        response_action: 'update',
        view: pgpConfirmView({
          partner,
          key,
          replacedFingerprint: null,
          notice: ':white_check_mark: Fingerprint confirmed.',
        }),
      });
    } catch (error) {
      if (isAppError(error, 'PGP_FINGERPRINT_MISMATCH')) {
        return respond({
          response_action: 'errors',
          errors: {
            [BlockId.pgpFingerprint]:
              'This does not match the key’s fingerprint. Check it with the partner again (out of band); nothing was confirmed.',
          },
        });
      }
      if (isAppError(error) && error.field === 'fingerprint')
        return respond({
          response_action: 'errors',
          errors: { [BlockId.pgpFingerprint]: errorFieldText(error, { command: deps.command }) },
        });
      if (isAppError(error))
        return respond(notice('Not Confirmed', `:warning: ${errorText(error, { command: deps.command })}`));
      throw error;
    }
  });
}
