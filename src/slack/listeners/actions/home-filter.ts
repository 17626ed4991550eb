import type { BlockAction } from '@slack/bolt';
import type { HomeFlag } from '../../blocks/home-view.ts';
import { FRESH_HOME, homeStateOf } from '../../flows/home-publisher.ts';
import type { HomeMeta } from '../../flows/metadata.ts';
import { ActionId } from '../../ui/ids.ts';
import { action } from '../listener.ts';

const FLAGS: readonly HomeFlag[] = ['legacy', 'unused', 'expiring'];

/** A filter changed on the App Home: the first page of keys under the new filter, the search kept. */
function filter(id: string, change: (state: HomeMeta, value: string, body: BlockAction) => HomeMeta) {
  return action({
    id,
    ids: ({ body, value }) => ({ state: change(homeStateOf(body.view), value, body) }),
    role: 'anyone',
    render: (turn) => turn.home({ ...turn.ids.state, p: 0 }),
  });
}

/** Status: any, active (still working) or revoked. */
export const homeFilterStatus = filter(ActionId.homeFilterStatus, (state, value) => {
  const { s: _, ...rest } = state;
  return value === 'usable' || value === 'revoked' ? { ...rest, s: value } : rest;
});

/** One partner's keys, or any partner's. */
export const homeFilterPartner = filter(ActionId.homeFilterPartner, (state, value) => {
  const { pa: _, ...rest } = state;
  return value === 'any' || value === '' ? rest : { ...rest, pa: value.slice(0, 64) };
});

/** Legacy, never used, expiring: the boxes ticked now (Slack sends them all). */
export const homeFilterFlags = filter(ActionId.homeFilterFlags, (state, _value, body) => {
  const { fl: _, ...rest } = state;
  const element = body.actions[0];
  const chosen = element !== undefined && 'selected_options' in element ? (element.selected_options ?? []) : [];
  const flags = FLAGS.filter((f) => chosen.some((o) => o.value === f));
  return flags.length === 0 ? rest : { ...rest, fl: flags };
});

/** Clear: every key again, no search, no filter. */
export const homeClear = filter(ActionId.homeClear, () => FRESH_HOME);
