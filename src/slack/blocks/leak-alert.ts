import type { LeakFinding } from '../../keys/leak-response.ts';
import type { ApiKey } from '../../keys/types.ts';
import { code, escapeMrkdwn, truncate } from '../ui/escape.ts';
import { keyName, keyNamePlain, slackDate } from '../ui/format.ts';
import { ActionId } from '../ui/ids.ts';
import { type Block, actions, button, context, section } from './kit.ts';

/**
 * A reported URL as a link when it is one (GitHub sends https links), else as code: never a mention or markup. The
 * label is shorter than the target so that, escaped, the line fits a section (3,000 characters) at worst.
 */
function where(url: string): string {
  const shown = truncate(url, 200);
  return /^https:\/\/[^\s<>|]+$/.test(url) && url.length <= 1000 ? `<${url}|${escapeMrkdwn(shown)}>` : code(shown);
}

function outcome(finding: LeakFinding): string {
  const { key } = finding;
  if (finding.revokedNow) return 'It was *revoked at once*: requests with it are refused from now on.';
  if (key.status === 'revoked') {
    const at = key.revokedAt === null ? '' : ` ${slackDate(key.revokedAt)}`;
    return `It was already revoked${at}, so it cannot be used; nothing changed.`;
  }
  return ':warning: It is *still active* (SECRET_SCANNING_ACTION=alert): replace it now, revoking the old key at once.';
}

/**
 * The alert for a key of ours that GitHub secret scanning found in public: which key, where it was seen, what was
 * done, and a way to replace it (the replace dialog, which offers the encrypted hand-over when the partner has a key).
 * Never the secret. `successor`: the key that already replaced it, named as every other surface names a key.
 */
export function leakAlertMessage(
  finding: LeakFinding,
  successor?: Pick<ApiKey, 'id' | 'description' | 'hint' | 'clientId'>,
): { text: string; blocks: Block[] } {
  const { key } = finding;
  const what = key.kind === 'oauth_client' ? 'Leaked Harvest v3 client secret' : 'Leaked API key';
  const partner = key.partnerName === null ? '' : ` (partner ${escapeMrkdwn(key.partnerName)})`;
  // One section per line: escaping may grow each to five times its length, and together they would pass 3,000.
  const blocks: Block[] = [
    section(`:rotating_light: *${what}:* ${keyName(key)}${partner} was found in public by GitHub secret scanning.`),
    section(`Where: ${where(finding.url)} (${escapeMrkdwn(truncate(finding.source, 100))})`),
    section(outcome(finding)),
    context(`Key ${code(key.id)}`),
  ];
  if (key.replacedBy === null) {
    blocks.push(
      actions([button('Replace and deliver', ActionId.leakReplace, key.id, { style: 'primary' })], `leak.${key.id}`),
    );
  } else {
    blocks.push(
      context(`It was already replaced by ${successor === undefined ? code(key.replacedBy) : keyName(successor)}.`),
    );
  }
  const state = finding.revokedNow ? 'revoked' : key.status === 'revoked' ? 'already revoked' : 'still active';
  return {
    text: `${what}: ${escapeMrkdwn(keyNamePlain(key))} was found in public by GitHub secret scanning (${state})`,
    blocks,
  };
}
