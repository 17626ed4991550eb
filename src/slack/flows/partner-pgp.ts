import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import { AppError } from '../../shared/errors.ts';
import type { ModalView } from '../blocks/kit.ts';
import { pgpConfirmView, pgpKeyInputView } from '../blocks/pgp-views.ts';
import type { SlackDeps } from '../deps.ts';
import { ActionId, BlockId } from '../ui/ids.ts';
import type { StateValues } from '../ui/view-state.ts';

/** What a partner's PGP dialog carries: the partner id. */
export const PgpMeta = z.object({ pid: z.string() });

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
export async function pgpDialog(deps: SlackDeps, partnerId: string, step: 'key' | 'confirm'): Promise<ModalView> {
  const partner = await deps.services.partners.get(partnerId);
  const key = await deps.services.partnerPgp.getPgpKey(partner.id);
  return step === 'confirm' && key !== undefined
    ? pgpConfirmView({ partner, key, replacedFingerprint: null })
    : pgpKeyInputView(partner, key);
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
