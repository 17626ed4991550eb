import { formatFingerprint } from '../../partners/fingerprint.ts';
import type { PartnerPgpKey } from '../../partners/partner-pgp-key.ts';
import type { Partner } from '../../partners/types.ts';
import { ActionId, BlockId, CallbackId } from '../ui/ids.ts';
import { code, escapeMrkdwn, truncate } from '../ui/escape.ts';
import { actorRef, slackDate } from '../ui/format.ts';
import { type Block, type ModalView, actions, button, context, modal, mrkdwn, plain, section } from './kit.ts';

/** What a partner's PGP dialog carries: the partner id only. */
export const pgpMeta = (partnerId: string): string => JSON.stringify({ pid: partnerId });

/** Files the key upload accepts; the armored text is what counts, the extension only filters the picker. */
const KEY_FILE_TYPES = ['asc', 'txt', 'gpg', 'pub', 'key'];

function keyStatus(key: PartnerPgpKey): string {
  return key.confirmedFingerprint === key.fingerprint
    ? `:white_check_mark: confirmed by ${actorRef(key.confirmedBy ?? 'unknown')}`
    : ':warning: *not confirmed*: keys are not sent to it until you confirm its fingerprint';
}

/** The PGP part of the partner form: what is stored, and the buttons to add, replace or confirm it. */
export function partnerPgpBlocks(
  partner: Pick<Partner, 'id' | 'name'> | undefined,
  key: PartnerPgpKey | undefined,
): Block[] {
  if (partner === undefined)
    return [
      context('*PGP key:* save the partner first, then open it again to add its public key for encrypted delivery.'),
    ];
  const text =
    key === undefined
      ? '*PGP key:* none. Add the partner’s public key so new keys can be sent to their contacts encrypted.'
      : `*PGP key:* ${code(formatFingerprint(key.fingerprint))}\n${escapeMrkdwn(truncate(key.userIds.join(', '), 300))} · ${escapeMrkdwn(key.algorithm)} · ${keyStatus(key)}`;
  const buttons = [button(key === undefined ? 'Add PGP key' : 'Replace PGP key', ActionId.partnerPgp, partner.id)];
  if (key !== undefined && key.confirmedFingerprint !== key.fingerprint) {
    buttons.unshift(button('Confirm fingerprint', ActionId.partnerPgpConfirm, partner.id, { style: 'primary' }));
  }
  return [section(text), actions(buttons)];
}

/** Paste the armored public key (up to Slack's 3000 characters) or upload the `.asc` file. */
export function pgpKeyInputView(
  partner: Pick<Partner, 'id' | 'name'>,
  current: PartnerPgpKey | undefined,
  privateMetadata: string = pgpMeta(partner.id),
): ModalView {
  const blocks: Block[] = [
    section(
      `Add *${escapeMrkdwn(partner.name)}*’s PGP *public* key: paste it, or upload the file they sent. ` +
        'They export it with `gpg --armor --export <their email>`. Never accept a private key.',
    ),
  ];
  if (current !== undefined) {
    blocks.push(
      context(
        `Current key: ${code(formatFingerprint(current.fingerprint))}. A key with another fingerprint replaces it and must be confirmed again before keys are sent to it.`,
      ),
    );
  }
  blocks.push(
    {
      type: 'input',
      block_id: BlockId.pgpArmored,
      optional: true,
      label: plain('Public key'),
      hint: plain(
        'Paste it here or upload its file below: one of the two is needed. The whole block, from -----BEGIN PGP PUBLIC KEY BLOCK----- to the END line; longer than 3000 characters (RSA 4096)? Upload it.',
      ),
      element: {
        type: 'plain_text_input',
        action_id: ActionId.input,
        multiline: true,
        max_length: 3000,
        placeholder: plain('-----BEGIN PGP PUBLIC KEY BLOCK-----'),
      },
    },
    {
      type: 'input',
      block_id: BlockId.pgpFile,
      optional: true,
      label: plain('…or upload the .asc file'),
      element: { type: 'file_input', action_id: ActionId.input, filetypes: KEY_FILE_TYPES, max_files: 1 },
    } as Block,
  );
  return modal({
    callbackId: CallbackId.partnerPgp,
    title: 'Partner PGP Key',
    submit: 'Check key',
    close: 'Back',
    blocks,
    privateMetadata,
  });
}

/**
 * The key as the app read it, and the out-of-band step: the partner reads their fingerprint aloud and the admin
 * types what they hear. A key already confirmed (same fingerprint as before) needs no second confirmation.
 */
export function pgpConfirmView(input: {
  partner: Pick<Partner, 'id' | 'name'>;
  key: PartnerPgpKey;
  replacedFingerprint: string | null;
  notice?: string | undefined;
  /** What the dialog carries on (the partner, and the form beneath it to refresh): `pgpMeta` by default. */
  privateMetadata?: string | undefined;
}): ModalView {
  const { partner, key } = input;
  const confirmed = key.confirmedFingerprint === key.fingerprint;
  const blocks: Block[] = [];
  if (input.notice !== undefined) blocks.push(section(input.notice));
  blocks.push(
    section(`*${escapeMrkdwn(partner.name)}*’s PGP key`),
    section(`*Fingerprint*\n\`\`\`${formatFingerprint(key.fingerprint)}\`\`\``),
    {
      type: 'section',
      fields: [
        mrkdwn(`*User IDs*\n${escapeMrkdwn(truncate(key.userIds.join('\n') || '(none)', 1900))}`),
        mrkdwn(`*Algorithm*\n${escapeMrkdwn(key.algorithm)}`),
        mrkdwn(`*Created*\n${slackDate(key.keyCreatedAt)}`),
        mrkdwn(`*Expires*\n${key.expiresAt === null ? 'never' : slackDate(key.expiresAt)}`),
      ],
    },
  );
  if (input.replacedFingerprint !== null) {
    blocks.push(
      context(
        `:warning: This replaces ${code(formatFingerprint(input.replacedFingerprint))}. Keys are not sent to the partner until you confirm the new fingerprint.`,
      ),
    );
  }
  if (confirmed) {
    blocks.push(
      section(`${keyStatus(key)}. Keys for ${escapeMrkdwn(partner.name)} can be sent encrypted to its contacts.`),
    );
    return modal({ callbackId: CallbackId.notice, title: 'Partner PGP Key', close: 'Done', blocks });
  }
  blocks.push(
    section(
      ':telephone_receiver: *Confirm it out of band.* Call the partner (or meet on video), ask them to run `gpg --fingerprint <their email>` ' +
        'and read their fingerprint aloud. Type what they read: it must match the one above character for character. Never confirm from an e-mail or a chat message.',
    ),
    {
      type: 'input',
      block_id: BlockId.pgpFingerprint,
      label: plain('Fingerprint as the partner read it'),
      hint: plain(
        '40 hexadecimal characters; spaces and lower case are fine. Not sure? Close: the key stays stored, unconfirmed.',
      ),
      element: {
        type: 'plain_text_input',
        action_id: ActionId.input,
        max_length: 80,
        placeholder: plain('ABCD 1234 …'),
      },
    },
  );
  return modal({
    callbackId: CallbackId.partnerPgpConfirm,
    title: 'Confirm Fingerprint',
    submit: 'Confirm fingerprint',
    close: 'Later',
    blocks,
    privateMetadata: input.privateMetadata ?? pgpMeta(partner.id),
  });
}
