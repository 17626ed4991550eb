import { deliveryCommands, deliveryFileName, SERVICE_KEY_FILE_NAME } from '../../delivery/delivery-text.ts';
import { formatFingerprint } from '../../partners/fingerprint.ts';
import type { Delivery, EncryptedKeyMessage } from '../../delivery/types.ts';
import { type KeyStateFields, keyState } from '../../keys/key-state.ts';
import type { ApiKey } from '../../keys/types.ts';
import { ActionId, BlockId, CallbackId } from '../ui/ids.ts';
import { code, escapeMrkdwn, truncate } from '../ui/escape.ts';
import { type KeyNameFields, keyName, keyNamePlain, slackDate, unknownState } from '../ui/format.ts';
import { type Block, LIMITS, type ModalView, actions, button, context, modal, mrkdwn, option, section } from './kit.ts';
import type { Message } from './messages.ts';

/** Room a code block needs around the armored text inside one section's 3000 characters. */
const FENCE = 8;

/**
 * The partner contact's DM: the armored message in a code block (attached as an `.asc` file beside the service's
 * public key), the fingerprint it is encrypted to, the service key that signed it, the two gpg commands to import
 * that key and read the message, and the button that tells us it was stored. Only ciphertext is in it.
 */
export function deliveryMessage(input: EncryptedKeyMessage): Message {
  const file = deliveryFileName(input.keyId);
  const [importCommand, decryptCommand] = deliveryCommands(input.keyId);
  const armored = input.armoredMessage.trimEnd();
  const fits = [...armored].length + FENCE <= LIMITS.text;
  const blocks: Block[] = [
    section(
      input.clientId === null
        ? `:closed_lock_with_key: *A new API key for ${escapeMrkdwn(input.partnerName)}*: ${escapeMrkdwn(truncate(input.description, 255))} (${code(input.keyId)}). ` +
            'It is encrypted to your PGP key, so only you can read it.'
        : `:closed_lock_with_key: *New Harvest v3 (OAuth) client credentials for ${escapeMrkdwn(input.partnerName)}*: ${escapeMrkdwn(truncate(input.description, 255))}, client id ${code(input.clientId)}. ` +
            'The message holds the client id and secret and the command that gets an access token (POST /oauth/token, client credentials). It is encrypted to your PGP key, so only you can read it.',
    ),
    fits
      ? section(`\`\`\`${armored}\`\`\``)
      : section(`The encrypted key is too long to show here: it is in the attached file ${code(file)}.`),
    {
      type: 'section',
      fields: [
        mrkdwn(`*Encrypted to your key*\n${code(input.recipientFingerprintFormatted)}`),
        mrkdwn(`*Signed by harvest-keys*\n${code(formatFingerprint(input.signerFingerprint))}`),
      ],
    },
    section(
      `*To read it* (GnuPG), save the two attached files, ${code(file)} and ${code(SERVICE_KEY_FILE_NAME)} (the harvest-keys key that signed it), and run:\n` +
        `\`\`\`${importCommand}\n${decryptCommand}\`\`\``,
    ),
    context(
      `gpg must print *Good signature from "harvest-keys key delivery"* and the signing key’s fingerprint must be ${code(formatFingerprint(input.signerFingerprint))} ` +
        `(check it with ${code(`gpg --fingerprint ${input.signerFingerprint}`)}). Store the key in your secret manager, then confirm below.`,
    ),
    actions(
      [button('I have stored the API Key', ActionId.deliveryStored, input.deliveryId, { style: 'primary' })],
      BlockId.deliveryActions,
    ),
  ];
  return {
    // The fallback is shown in notifications and parsed as mrkdwn too: user text escaped here as well.
    text: `${input.clientId === null ? 'A new API key' : `New Harvest v3 client credentials (client id ${input.clientId})`} for ${escapeMrkdwn(input.partnerName)} (${input.keyId}), encrypted to your PGP key ${input.recipientFingerprintFormatted} and signed by harvest-keys ${formatFingerprint(input.signerFingerprint)}. Read it with ${importCommand} then ${decryptCommand}, then press "I have stored the API Key".`,
    blocks,
  };
}

/** The DM after the contact confirmed: the same message without the button, and a line saying when. */
export function deliveryConfirmedBlocks(original: readonly Block[] | undefined, confirmedAt: Date): Block[] {
  const kept = (original ?? []).filter(
    (block) => block.type !== 'actions' && block.block_id !== BlockId.deliveryActions,
  );
  return [
    ...kept,
    context(`:white_check_mark: You confirmed you stored this API key ${slackDate(confirmedAt)}. Thank you.`),
  ];
}

/** The admin who created the key is told the partner has it. */
export function deliveryConfirmedNotice(delivery: Delivery, key: KeyNameFields | undefined): Message {
  const what = key === undefined ? code(delivery.keyId) : keyName(key);
  const text = `:white_check_mark: <@${delivery.contactSlackUserId ?? 'unknown'}> confirmed they stored the API key ${what} that was sent to them encrypted.`;
  return {
    text: `The partner confirmed they stored the API key ${escapeMrkdwn(key === undefined ? delivery.keyId : keyNamePlain(key))}.`,
    blocks: [section(text)],
  };
}

/** The admin's modal after an encrypted hand-over: where the key went; never the key. */
export function deliveredView(input: {
  key: KeyNameFields;
  contact: string;
  fingerprint: string;
  replaced?: KeyNameFields | undefined;
}): ModalView {
  return modal({
    callbackId: CallbackId.delivered,
    title: input.key.clientId == null ? 'API Key Sent' : 'v3 Client Sent',
    close: 'Done',
    blocks: [
      section(
        `:closed_lock_with_key: ${keyName(input.key)} was sent to <@${input.contact}> in a direct message, ` +
          `encrypted to their PGP key ${code(formatFingerprint(input.fingerprint))} and signed by harvest-keys.` +
          (input.replaced === undefined ? '' : ` It replaces ${keyName(input.replaced)}.`),
      ),
      context(
        'Nobody at our side saw the key, and it is not shown here. You get a direct message when the partner confirms they stored it.',
      ),
    ],
  });
}

/** While the DM is being sent (the submission must be answered within 3 s; Slack calls follow). */
export function sendingView(key: KeyNameFields, contact: string): ModalView {
  return modal({
    callbackId: CallbackId.delivered,
    title: key.clientId == null ? 'Sending API Key' : 'Sending v3 Client',
    close: 'Close',
    blocks: [section(`:hourglass_flowing_sand: Sending ${keyName(key)} encrypted to <@${contact}>…`)],
  });
}

/** The key a replace superseded, as that replace left it. */
export type ReplacedKey = Pick<ApiKey, 'id'> & KeyNameFields & KeyStateFields & { replacedBy?: string | null };

/**
 * After a failed hand-over of a replacement (or an upgrade's client): what became of the old key, and how to try
 * again. The failure undid the replace, so the old key is as it was and the retry starts from it; only when the
 * failed key could not be revoked does the old key still name it as its successor.
 */
function replacedAdvice(old: ReplacedKey, failed: KeyNameFields, now: Date): string {
  const state = keyState(old, now);
  const again = failed.clientId != null && old.clientId == null ? 'upgrade it' : 'replace it';
  if (old.replacedBy != null) {
    switch (state.kind) {
      case 'revoked':
        return `The old key ${keyName(old)} was revoked by the replace. To try again, replace this failed key (it keeps the same permissions and partner).`;
      case 'stopping':
        return `The old key ${keyName(old)} keeps working until ${slackDate(state.at)}: replace this failed key before then.`;
      case 'active':
        return `The old key ${keyName(old)} keeps working: replace this failed key.`;
      case 'expired':
        return `The old key ${keyName(old)} expired ${slackDate(state.at)}. To try again, replace this failed key.`;
      default:
        return unknownState(state);
    }
  }
  switch (state.kind) {
    case 'active':
    case 'stopping':
      return `The old key ${keyName(old)} keeps working as before, with no end scheduled: to try again, ${again} again.`;
    case 'revoked':
      return `The old key ${keyName(old)} stays revoked (it was ended at once) and is no longer replaced by this failed key: to try again, ${again} again.`;
    case 'expired':
      return `The old key ${keyName(old)} expired ${slackDate(state.at)} and is no longer replaced by this failed key: to try again, ${again} again.`;
    default:
      return unknownState(state);
  }
}

/** Delivery failed: the service already revoked the key; say why and how to retry. Never a plain-text fallback. */
export function deliveryFailedView(input: {
  key: Pick<ApiKey, 'id'> & KeyNameFields;
  contact: string | undefined;
  reason: string;
  code: string;
  revoked: boolean;
  /** For a replace: the old key, which the replace already revoked or scheduled. */
  replaced?: ReplacedKey | undefined;
  now: Date;
}): ModalView {
  const hint =
    input.code === 'invalid_user_combination'
      ? 'The app can only message someone from another organisation when you share a channel with them: invite the contact (and the app) to a shared channel, then create or replace the key again.'
      : input.code === 'user_not_found'
        ? 'Slack does not know that contact any more: update the partner’s contacts, then create or replace the key again.'
        : input.code === 'ratelimited'
          ? 'Slack is rate-limiting the app: wait a minute, then create or replace the key again.'
          : 'Fix the cause, then create or replace the key again.';
  return modal({
    callbackId: CallbackId.delivered,
    title: input.key.clientId == null ? 'API Key Not Sent' : 'v3 Client Not Sent',
    close: 'Close',
    blocks: [
      section(
        `:x: ${keyName(input.key)} could not be sent${input.contact === undefined ? '' : ` to <@${input.contact}>`}: ${escapeMrkdwn(truncate(input.reason, 1500))}`,
      ),
      section(
        input.revoked
          ? ':lock: The key was revoked, so it can never be used, and it was not sent or shown anywhere in plain text.'
          : `:warning: The key was not sent in plain text anywhere, but revoking it FAILED: revoke ${code(input.key.id)} now.`,
      ),
      ...(input.replaced === undefined ? [] : [context(replacedAdvice(input.replaced, input.key, input.now))]),
      context(hint),
    ],
  });
}

/** The hand-over choice in the create and replace dialogs. Default: encrypted to the first contact. */
export type DeliveryOffer = { ready: true; contacts: readonly string[] } | { ready: false; reason: string };

export const SHOW_ONCE_CHOICE = 'show';
export const deliveryChoice = (contact: string): string => `dm:${contact}`;
export function parseDeliveryChoice(value: string | undefined): string | undefined {
  const match = /^dm:([UW][A-Z0-9]{2,})$/.exec(value ?? '');
  return match?.[1];
}

const MAX_CONTACT_CHOICES = 5;

export function deliveryChoiceBlocks(offer: DeliveryOffer | undefined, revision: number): Block[] {
  if (offer === undefined) return [];
  if (!offer.ready)
    return [
      context(`:information_source: Encrypted delivery is not available: ${escapeMrkdwn(truncate(offer.reason, 500))}`),
    ];
  const options = [
    ...offer.contacts.slice(0, MAX_CONTACT_CHOICES).map((contact) => ({
      text: mrkdwn(`Send encrypted to <@${contact}>`),
      value: deliveryChoice(contact),
      description: { type: 'plain_text' as const, text: 'PGP-encrypted DM: nobody here sees the key' },
    })),
    option('Show it to me once instead', SHOW_ONCE_CHOICE),
  ];
  return [
    {
      type: 'input',
      block_id: `${BlockId.delivery}.${revision}`,
      label: { type: 'plain_text', text: 'Hand-over' },
      element: { type: 'radio_buttons', action_id: ActionId.input, options, initial_option: options[0] },
    },
  ];
}

/** `/harvest-keys pubkey`: the service's signing key, as much as fits, and where the whole is served. */
export function pubkeyMessage(key: { formattedFingerprint: string; publicArmored: string }, path: string): Message {
  const armored = key.publicArmored.trimEnd();
  const lines = armored.split('\n');
  const chunks: string[] = [];
  let current = '';
  for (const line of lines) {
    const next = current === '' ? line : `${current}\n${line}`;
    if ([...next].length + FENCE > LIMITS.text && current !== '') {
      chunks.push(current);
      current = line;
    } else current = next;
  }
  if (current !== '') chunks.push(current);
  const shown = chunks.slice(0, 3);
  const blocks: Block[] = [
    section(
      `Every key we send is signed by the harvest-keys PGP key *${code(key.formattedFingerprint)}*. ` +
        `Partners import it and check that fingerprint (\`gpg --fingerprint "harvest-keys key delivery"\`). It is also served at ${code(path)} on the service's HTTP port.`,
    ),
    ...shown.map((chunk) => section(`\`\`\`${chunk}\`\`\``)),
  ];
  if (shown.length < chunks.length)
    blocks.push(context(`The key is longer than a message: download the whole of it from ${code(path)}.`));
  return { text: `harvest-keys signing key ${key.formattedFingerprint}`, blocks };
}
