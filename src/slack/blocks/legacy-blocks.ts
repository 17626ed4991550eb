import type { LegacyRule, ReplacementGrants } from '../../keys/legacy-rule.ts';
import type { ApiKey } from '../../keys/types.ts';
import { escapeMrkdwn } from '../ui/escape.ts';
import { plural } from '../ui/format.ts';
import { ActionId, CallbackId } from '../ui/ids.ts';
import { type Block, button, chunkLines, context, type ModalView, modal, section } from './kit.ts';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A calendar day as people write it (`18 Jan 2017`), in UTC: the cutoff is a date, not a moment. */
export function dayText(date: Date): string {
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
}

/**
 * What a legacy key may call, in words: created before the cutoff, so the endpoints that existed then, plus its
 * explicit grants; newer endpoints need explicit grants.
 */
export function legacyRuleText(key: Pick<ApiKey, 'createdAt' | 'permissions'>, rule: LegacyRule): string {
  const cutoff = dayText(rule.cutoff);
  return `*Legacy key:* created ${dayText(key.createdAt)}, before ${cutoff}, so it may call the ${plural(rule.endpoints.length, 'endpoint')} that existed then without explicit grants, plus its ${plural(key.permissions.length, 'explicit grant')}. Endpoints added after ${cutoff} need explicit grants.`;
}

/** The rule with a button listing the legacy endpoints (opened, or pushed over the dialog it sits in). */
export function legacyRuleSection(key: Pick<ApiKey, 'createdAt' | 'permissions'>, rule: LegacyRule): Block {
  return section(legacyRuleText(key, rule), {
    accessory: button(`List the ${rule.endpoints.length}`, ActionId.legacyEndpoints, 'list'),
  });
}

/** The replacement's grants, truthfully: a legacy key's implicit endpoints become explicit grants on the new key. */
export function replacementGrantsText(
  key: Pick<ApiKey, 'legacy'>,
  grants: ReplacementGrants,
  rule: LegacyRule,
): string {
  const total = plural(grants.permissions.length, 'permission');
  if (!key.legacy) return `the same ${total}`;
  return `${total}: its ${plural(grants.explicit, 'explicit grant')} plus the ${grants.fromLegacy} legacy endpoint${grants.fromLegacy === 1 ? '' : 's'} it could call as a key created before ${dayText(rule.cutoff)}, now as explicit grants (the new key is not a legacy key)`;
}

/** Every endpoint a legacy key may call without a grant, by resource. */
export function legacyEndpointsView(rule: LegacyRule): ModalView {
  const groups = new Map<string, string[]>();
  for (const endpoint of rule.endpoints) {
    const labels = groups.get(endpoint.resource) ?? [];
    labels.push(`${escapeMrkdwn(endpoint.label)} \`${escapeMrkdwn(endpoint.path)}\``);
    groups.set(endpoint.resource, labels);
  }
  const lines = [...groups].map(([resource, labels]) => `*${escapeMrkdwn(resource)}*\n${labels.join('\n')}`);
  const cutoff = dayText(rule.cutoff);
  const blocks: Block[] = [
    section(
      `Keys created before ${cutoff} are legacy keys: they may call these ${plural(rule.endpoints.length, 'endpoint')}, the ones that existed on ${cutoff}, without explicit grants. Endpoints added later need explicit grants. Replacing a legacy key turns these into explicit grants of the new key.`,
    ),
    ...chunkLines(lines)
      .slice(0, 90)
      .map((text) => section(text)),
  ];
  if (rule.endpoints.length === 0) blocks.push(context('No endpoint of the catalog existed at the cutoff.'));
  return modal({ callbackId: CallbackId.legacyEndpoints, title: 'Legacy endpoints', blocks });
}
