import { networksSummary } from './network-blocks.ts';
import type { ApprovalRequest, KeyReveal } from '../../approvals/types.ts';
import type { Catalog } from '../../catalog/types.ts';
import { revokedAsLost } from '../../keys/revoke-reason.ts';
import { ActionId, BlockId, CallbackId } from '../ui/ids.ts';
import { code, escapeMrkdwn, truncate } from '../ui/escape.ts';
import { actorRef, durationText, type KeyNameFields, keyName, lastUsedText, plural, slackDate } from '../ui/format.ts';
import {
  actions,
  type Block,
  button,
  chunkLines,
  confirm,
  context,
  header,
  LIMITS,
  type ModalView,
  modal,
  plain,
  section,
} from './kit.ts';
import type { Message } from './messages.ts';
import { permissionLines } from './permission-lines.ts';

export const ACTION_TITLES: Record<ApprovalRequest['action'], string> = {
  create: 'Create a new API key',
  permissions: 'Change permissions of an API key',
  reenable: 'Re-enable a revoked API key',
  replace: 'Replace an API key',
};

/** The same, inside a sentence ("your request to create a new API key"): lower-case verb, API stays upper-case. */
const ACTION_PHRASES: Record<ApprovalRequest['action'], string> = {
  create: 'create a new API key',
  permissions: 'change the permissions of an API key',
  reenable: 're-enable a revoked API key',
  replace: 'replace an API key',
};

/**
 * A held edit that only gives the key a later expiry (Extend, or Edit's Expires alone): held like a permission change
 * but asked for as what it is, without "Added (0)" and "Removed (0)".
 */
function extendsOnly(p: ApprovalRequest['payload']): boolean {
  return (
    p.action === 'permissions' &&
    p.expiry?.extended === true &&
    p.added.length === 0 &&
    p.removed.length === 0 &&
    p.newDescription === undefined &&
    p.allowedNetworks === undefined &&
    p.endsLegacy !== true
  );
}

/** A request's title: the action's, or what a held create of a Harvest v3 client (or an upgrade to one) is. */
export function requestTitle(request: Pick<ApprovalRequest, 'action' | 'payload'>): string {
  const p = request.payload;
  if (extendsOnly(p)) return 'Extend the expiry of an API key';
  if (p.action === 'create' && p.upgrade !== undefined) return 'Upgrade an API key to a Harvest v3 client';
  if (p.action === 'create' && p.kind === 'oauth_client') return 'Create a new Harvest v3 (OAuth) client';
  return ACTION_TITLES[request.action];
}

/** A request inside a sentence, named by its description: "re-enable a revoked API key (Acme Harvest API Key)". */
export function requestPhrase(request: ApprovalRequest): string {
  const p = request.payload;
  const phrase = extendsOnly(p)
    ? 'extend the expiry of an API key'
    : p.action === 'create' && p.upgrade !== undefined
      ? 'upgrade an API key to a Harvest v3 client'
      : p.action === 'create' && p.kind === 'oauth_client'
        ? 'create a new Harvest v3 (OAuth) client'
        : ACTION_PHRASES[request.action];
  return `${phrase} (${escapeMrkdwn(p.description)})`;
}

const STATE_TEXT: Record<ApprovalRequest['state'], string> = {
  pending: ':hourglass_flowing_sand: Waiting for approval',
  executing: ':gear: Approved, running',
  approved: ':white_check_mark: Approved and done',
  denied: ':no_entry: Denied',
  expired: ':clock3: Expired without a decision',
  superseded: ':twisted_rightwards_arrows: Superseded: the key changed after the request, nothing was run',
  failed: ':x: Approved, but running it failed',
};

/** What the approver is asked to sign: the exact change, the permission diff by resource (whole resources as such). */
function changeLines(request: ApprovalRequest, catalog: Catalog, key: KeyNameFields | undefined): string[] {
  const p = request.payload;
  const named =
    key === undefined
      ? `${escapeMrkdwn(p.description)}${request.keyId === null ? '' : ` ${code(request.keyId)}`}`
      : keyName({ description: p.description, hint: key.hint, clientId: key.clientId });
  const lines = [`*Key:* ${named}`];
  if (p.action === 'create') {
    if (p.kind === 'oauth_client')
      lines.push(
        '*Type:* Harvest v3 (OAuth) client: a client id and a secret, exchanged at POST /oauth/token for access tokens',
      );
    if (p.upgrade !== undefined)
      lines.push(
        `*Upgrade to v3:* the client takes over from this key, which ${p.upgrade.graceSeconds === 0 ? 'stops as soon as the client is handed over' : `keeps working ${durationText(p.upgrade.graceSeconds)} after hand-over`}`,
      );
    lines.push(`*Partner:* ${p.partnerName === null ? 'none' : escapeMrkdwn(p.partnerName)}`);
    lines.push(
      `*Permissions (${p.permissions.length}):*${p.permissions.length === 0 ? ' none' : ''}`,
      ...permissionLines(catalog, p.permissions),
    );
    if (p.allowedNetworks !== undefined && p.allowedNetworks.length > 0)
      lines.push(`*Usable only from:* ${networksSummary(p.allowedNetworks)}`);
  } else if (p.action === 'permissions' && !extendsOnly(p)) {
    if (p.newDescription !== undefined) lines.push(`*New description:* ${escapeMrkdwn(p.newDescription)}`);
    lines.push(
      `*Added (${p.added.length}):*`,
      ...(p.added.length === 0 ? ['• none'] : permissionLines(catalog, p.added, ':heavy_plus_sign:')),
    );
    lines.push(
      `*Removed (${p.removed.length}):*`,
      ...(p.removed.length === 0 ? ['• none'] : permissionLines(catalog, p.removed, ':heavy_minus_sign:')),
    );
    if (p.allowedNetworks !== undefined) {
      // Networks change where the key works: removing the last one opens it to any address.
      const added = (p.networksAdded ?? []).map((n) => `:heavy_plus_sign: \`${escapeMrkdwn(n)}\``);
      const removed = (p.networksRemoved ?? []).map((n) => `:heavy_minus_sign: \`${escapeMrkdwn(n)}\``);
      lines.push('*Allowed networks:*', ...[...added, ...removed].slice(0, 20));
      lines.push(`Afterwards usable from: ${networksSummary(p.allowedNetworks)}`);
    }
    if (p.endsLegacy === true) {
      lines.push(
        `*Legacy access ends:* afterwards the key may call only its ${plural(p.permissions.length, 'permission')}; every other endpoint is refused.`,
      );
    }
    if (p.basedOnUsage !== undefined)
      lines.push(`_Proposed from the key's recorded use over the last ${p.basedOnUsage.days} days._`);
  } else if (p.action === 'reenable') {
    if (p.revokeReason != null) {
      const lost = revokedAsLost(p.revokeReason);
      lines.push(
        `*Revoked because:* ${escapeMrkdwn(p.revokeReason)}${lost ? '\n:rotating_light: This key was reported lost or leaked: whoever has it can call the API again once it is re-enabled.' : ''}`,
      );
    }
  } else if (p.action === 'replace') {
    lines.push(
      `*Old key:* ${p.graceSeconds === 0 ? 'revoked as soon as the new key is handed over' : `keeps working ${durationText(p.graceSeconds)} after hand-over`}`,
    );
  }
  lines.push(...expiryLines(p));
  if ((p.action === 'create' || p.action === 'replace') && p.delivery !== undefined) {
    lines.push(
      `*Hand-over:* :closed_lock_with_key: sent PGP-encrypted to <@${p.delivery.contactSlackUserId}>; nobody here sees the key`,
    );
  }
  return lines;
}

export function approvalCard(input: {
  request: ApprovalRequest;
  catalog: Catalog;
  lastUsedAt: Date | null;
  /** The key the request changes, as it is now: named by its last characters. */
  key?: KeyNameFields | undefined;
}): Message {
  const { request, catalog } = input;
  const title = requestTitle(request);
  const blocks: Block[] = [
    header(title),
    section(`${actorRef(request.requestedBy)} asks for approval. ${STATE_TEXT[request.state]}`),
    ...chunkLines(changeLines(request, catalog, input.key))
      .slice(0, 40)
      .map((text) => section(text)),
  ];
  if (request.keyId !== null) blocks.push(context(`Key last used: ${lastUsedText(input.lastUsedAt)}`));
  const approvals = request.decisions.filter((d) => d.decision === 'approve');
  const decisionLines = request.decisions.map(
    (d) =>
      `${d.decision === 'approve' ? ':white_check_mark:' : ':no_entry:'} ${actorRef(d.approver)}${d.reason ? `: ${escapeMrkdwn(truncate(d.reason, 300))}` : ''}`,
  );
  if (decisionLines.length > 0) blocks.push(context(truncate(decisionLines.join('\n'), 2000)));
  if (request.state === 'pending') {
    blocks.push(
      context(
        `${approvals.length} of ${plural(request.requiredApprovals, 'approval')} · expires ${slackDate(request.expiresAt)} · requests cannot be approved by their requester`,
      ),
      actions(
        [
          button('Approve', ActionId.approvalApprove, request.id, {
            style: 'primary',
            confirm: confirm(
              'Approve this change?',
              truncate(`${title}: ${request.payload.description}`, 300),
              'Approve',
              'primary',
            ),
          }),
          button('Deny', ActionId.approvalDeny, request.id, { style: 'danger' }),
        ],
        `${BlockId.approvalActions}.${request.id}`,
      ),
    );
  }
  return {
    text: `${title} (${escapeMrkdwn(truncate(request.payload.description, 200))}): ${STATE_TEXT[request.state].replace(/^:[a-z_]+: /, '')}`,
    blocks: blocks.slice(0, LIMITS.messageBlocks),
  };
}

export function denyReasonModal(requestId: string): ModalView {
  return modal({
    callbackId: CallbackId.approvalDeny,
    title: 'Deny request',
    submit: 'Deny',
    privateMetadata: requestId,
    blocks: [
      {
        type: 'input',
        block_id: BlockId.denyReason,
        label: plain('Why is this request denied?'),
        element: { type: 'plain_text_input', action_id: ActionId.input, multiline: true, max_length: 500 },
        hint: plain('The requester sees this reason.'),
      },
    ],
  });
}

/** Sent to the requester: held, decided, or ready to reveal. The reveal button carries only the one-time reveal id. */
export function requesterMessage(request: ApprovalRequest, reveal?: KeyReveal): Message {
  const what = requestPhrase(request);
  if (reveal !== undefined) {
    return {
      text: `Your request to ${what} was approved. Reveal the key once before it expires.`,
      blocks: [
        section(
          `:white_check_mark: Your request to ${what} was approved. The key is created when you reveal it, and it is shown only once.`,
        ),
        actions([button('Reveal key', ActionId.revealKey, reveal.id, { style: 'primary' })]),
        context(
          `This button works once and expires ${slackDate(reveal.expiresAt)}; an unrevealed key is never created.`,
        ),
      ],
    };
  }
  const reason = request.outcome?.reason;
  const text = `${STATE_TEXT[request.state]}: your request to ${what}${typeof reason === 'string' && request.state === 'denied' ? `. Reason: ${escapeMrkdwn(reason)}` : '.'}`;
  return { text: text.replace(/^:[a-z_]+: /, ''), blocks: [section(truncate(text, 3000))] };
}

export function heldNotice(request: ApprovalRequest): string {
  return `${requestTitle(request)} (${request.payload.description}) was sent for approval (request ${request.id}). You will get a direct message when it is decided.`;
}

export function pendingApprovalsMessage(requests: readonly ApprovalRequest[]): Message {
  if (requests.length === 0)
    return { text: 'No approval requests are waiting.', blocks: [section('No approval requests are waiting.')] };
  const lines = requests.map(
    (r) =>
      `• ${escapeMrkdwn(requestTitle(r))}: ${escapeMrkdwn(truncate(r.payload.description, 80))} · by ${actorRef(r.requestedBy)} · ${r.decisions.filter((d) => d.decision === 'approve').length}/${r.requiredApprovals} · expires ${slackDate(r.expiresAt)}${r.cardChannel === null ? '' : ` · card in <#${r.cardChannel}>`}`,
  );
  const chunks = chunkLines(lines).slice(0, 45);
  return {
    text: `${plural(requests.length, 'approval request')} waiting`,
    blocks: [section(`*${plural(requests.length, 'approval request')} waiting*`), ...chunks.map((c) => section(c))],
  };
}

/** The expiry a held request sets: a create's or replacement's lifetime, an edit's change (extended or shortened). */
function expiryLines(p: ApprovalRequest['payload']): string[] {
  const words = (iso: string | null) => (iso === null ? 'no expiry' : slackDate(new Date(iso)));
  if (p.action === 'permissions') {
    if (p.expiry === undefined) return [];
    return [
      `*Expires:* ~${words(p.expiry.from)}~ → ${words(p.expiry.to)}${p.expiry.extended ? ' (extended)' : ' (shortened)'}`,
    ];
  }
  if (p.action === 'create' || p.action === 'replace' || p.action === 'reenable')
    return p.expiresAt === undefined ? [] : [`*Expires:* ${words(p.expiresAt)}`];
  return [];
}
