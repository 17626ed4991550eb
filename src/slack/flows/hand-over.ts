import type { WebClient } from '@slack/web-api';
import type { ApiKey, IssuedKey } from '../../keys/types.ts';
import { showOnceView } from '../blocks/show-once-views.ts';
import { type ReplacedKey, sendingView } from '../blocks/delivery-blocks.ts';
import { deliverIssuedKey } from './delivery-messenger.ts';
import type { SlackDeps } from '../deps.ts';
import { logSlackFailure, tell } from './notify.ts';
import type { ModalView } from '../blocks/kit.ts';
import { errorFieldText } from '../ui/error-text.ts';

/**
 * Why a key for this partner cannot be sent to this contact right now (no confirmed PGP key, expired, not a contact,
 * no partner), or undefined when it can. Asked before a key is made, so none is made in vain.
 */
export async function deliveryRefusal(
  deps: SlackDeps,
  partnerId: string | null,
  contact: string,
): Promise<string | undefined> {
  if (partnerId === null) return 'The key has no partner, so there is nobody to send it to.';
  const target = await deps.delivery.target(partnerId, contact);
  return target.ready ? undefined : errorFieldText(target.refusal, deps);
}

/**
 * The create / replace dialog after the key exists: answered at once with "Sending…" (Slack wants an answer within
 * 3 s, and the DM takes several calls), then updated with where the key went, or why it did not (the key is then
 * revoked). If the dialog was closed meanwhile, the admin gets the outcome by DM. The secret is never shown.
 */
export async function handOver(input: {
  deps: SlackDeps;
  client: WebClient;
  userId: string;
  /** Answers the dialog's submission (Slack waits for it before anything slow). */
  respond: (response: { response_action: 'update'; view: ModalView }) => Promise<void>;
  viewId: string;
  issued: IssuedKey;
  contact: string;
  /** For a replace: the old key as the replace left it. */
  replaced?: ReplacedKey | undefined;
}): Promise<void> {
  const { deps, client, userId, issued, contact } = input;
  await input.respond({ response_action: 'update', view: sendingView(issued.key, contact) });
  const result = await deliverIssuedKey(deps, issued, userId, contact, { replaced: input.replaced });
  try {
    await client.views.update({ view_id: input.viewId, view: result.view });
  } catch (error) {
    logSlackFailure(deps, error, 'showing the hand-over result', { userId, keyId: issued.key.id });
    await tell(deps, client, userId, result.text);
  }
}

/**
 * A new key (create, replace, upgrade) leaves the dialog one of two ways: sent encrypted to the partner contact chosen
 * in it, or shown once to the admin who made it.
 */
export async function handOverOrShowOnce(input: {
  deps: SlackDeps;
  client: WebClient;
  userId: string;
  respond: (response: { response_action: 'update'; view: ModalView }) => Promise<void>;
  viewId: string;
  issued: IssuedKey;
  /** The partner contact to send it to; undefined: show it once. */
  contact: string | undefined;
  /** For a replace or an upgrade: the old key as it was left. */
  replaced?: ApiKey | undefined;
}): Promise<void> {
  const { deps, issued, contact, replaced } = input;
  if (contact !== undefined) {
    await handOver({ ...input, contact });
    return;
  }
  await input.respond({
    response_action: 'update',
    view: showOnceView({
      key: issued.key,
      secret: issued.secret,
      replaced,
      now: deps.now(),
      issuer: deps.services.oauthIssuer,
    }),
  });
}
