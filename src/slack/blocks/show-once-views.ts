import { type KeyStateFields, keyState } from '../../keys/key-state.ts';
import { tokenCommand } from '../../keys/client-credentials.ts';
import type { ApiKey } from '../../keys/types.ts';
import { code, escapeMrkdwn } from '../ui/escape.ts';
import { keyName, plural, slackDate, unknownState } from '../ui/format.ts';
import { ActionId, CallbackId } from '../ui/ids.ts';
import { actions, type Block, button, context, type ModalView, modal, mrkdwn, section } from './kit.ts';

/** What became of the key a replace superseded, as the new key is handed over. */
function replacedFate(old: KeyStateFields, now: Date): string {
  const state = keyState(old, now);
  switch (state.kind) {
    case 'revoked':
      return 'is revoked now';
    case 'stopping':
      return `keeps working until ${slackDate(state.at)}`;
    case 'active':
      // Not after a replace, which revokes the old key or schedules it; said plainly should it ever be so.
      return 'keeps working';
    case 'expired':
      return `expired ${slackDate(state.at)}`;
    default:
      return unknownState(state);
  }
}

/** A Harvest v3 client handed over: its id (copyable, public) and its secret, shown once, and how to get a token. */
function clientShowOnceView(input: {
  key: ApiKey;
  secret: string;
  replaced?: ApiKey | undefined;
  now: Date;
  issuer: string | undefined;
}): ModalView {
  const { key, secret } = input;
  const clientId = key.clientId as string;
  const replaced = input.replaced;
  const upgrade = replaced !== undefined && replaced.clientId === null;
  const opening =
    replaced === undefined
      ? ':key: *Copy the client secret now.* It is shown only this once: after you close this dialog it cannot be shown again. The client id stays visible.'
      : upgrade
        ? `:key: *Copy the client secret now.* This Harvest v3 client takes over from ${keyName(replaced)}, which ${replacedFate(replaced, input.now)}. The secret is shown only this once.`
        : `:key: *Copy the new client secret now.* The client id stays the same; the old secret ${replacedFate(replaced, input.now)}, and so do access tokens issued with it. The new secret is shown only this once.`;
  const blocks: Block[] = [
    section(opening),
    section(`*Client id*\n\`\`\`${clientId}\`\`\``),
    section(`*Client secret*\n\`\`\`${secret}\`\`\``),
    {
      type: 'section',
      fields: [
        mrkdwn(`*Key id*\n${code(key.id)}`),
        mrkdwn(`*Description*\n${escapeMrkdwn(key.description)}`),
        mrkdwn(`*Partner*\n${key.partnerName === null ? 'none' : escapeMrkdwn(key.partnerName)}`),
        mrkdwn(`*Scopes*\n${key.permissions.length}`),
      ],
    },
    context(
      `*Get a token:* ${code(tokenCommand(clientId, input.issuer))}, then send \`Authorization: Bearer <access_token>\`.`,
    ),
    context(
      'Store the secret in a secure location and hand it over through a secure channel (a PGP-encrypted message or a secret manager), not plain email or chat. If it is lost, replace the client: it keeps its id and gets a new secret.',
    ),
    actions([button('I have stored the secret', ActionId.keyStored, key.id, { style: 'primary' })]),
  ];
  return modal({
    callbackId: CallbackId.showOnce,
    title: replaced === undefined ? 'v3 Client Created' : upgrade ? 'Upgraded to v3' : 'New Client Secret',
    close: 'Close',
    blocks,
    privateMetadata: JSON.stringify({ k: key.id }),
    notifyOnClose: true,
  });
}

/**
 * The one place a secret is ever shown. It lives only in this view: the button replaces the view, and closing it
 * drops it; `private_metadata` holds the key id only.
 */
export function showOnceView(input: {
  key: ApiKey;
  secret: string;
  /** For a replace: the old key as the replace left it. */
  replaced?: ApiKey | undefined;
  now: Date;
  /** OAUTH_ISSUER, for a client's "get a token" hint. */
  issuer?: string | undefined;
}): ModalView {
  if (input.key.clientId !== null) return clientShowOnceView({ ...input, issuer: input.issuer });
  const { key, secret } = input;
  const blocks: Block[] = [
    section(
      input.replaced === undefined
        ? ':key: *Copy this API key now.* It is shown only this once: after you close this dialog it cannot be shown again.'
        : `:key: *Copy the new API key now.* It replaces ${keyName(input.replaced)}, which ${replacedFate(input.replaced, input.now)}. It is shown only this once.`,
    ),
    section(`\`\`\`${secret}\`\`\``),
    {
      type: 'section',
      fields: [
        mrkdwn(`*Key id*\n${code(key.id)}`),
        mrkdwn(`*Description*\n${escapeMrkdwn(key.description)}`),
        mrkdwn(`*Partner*\n${key.partnerName === null ? 'none' : escapeMrkdwn(key.partnerName)}`),
        mrkdwn(`*Permissions*\n${key.permissions.length}`),
      ],
    },
    context(
      'Store it in a secure location and hand it over through a secure channel (a PGP-encrypted message or a secret manager), not plain email or chat. If it is lost, replace the key.',
    ),
    actions([button('I have stored the API Key', ActionId.keyStored, key.id, { style: 'primary' })]),
  ];
  return modal({
    callbackId: CallbackId.showOnce,
    title: input.replaced === undefined ? 'API Key Created' : 'API Key Replaced',
    close: 'Close',
    blocks,
    privateMetadata: JSON.stringify({ k: key.id }),
    notifyOnClose: true,
  });
}

export function storedView(key: ApiKey): ModalView {
  return modal({
    callbackId: CallbackId.notice,
    title: key.clientId === null ? 'API Key Stored' : 'Client Secret Stored',
    close: 'Done',
    blocks: [
      section(
        `:white_check_mark: ${keyName(key)} is ready with ${plural(key.permissions.length, 'permission')}. Its secret is no longer shown anywhere.`,
      ),
    ],
  });
}
