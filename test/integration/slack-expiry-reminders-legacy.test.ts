import { expect, it } from 'vitest';
import { assertValidSurface } from '../helpers/block-kit-validator.ts';
import { blockActions, findElement, initialState, viewSubmission } from '../helpers/slack-payloads.ts';
import { slackSuite } from '../helpers/slack-suite.ts';

const ALERTS = 'C0ALERTSLEGACY';
const DAY = 86_400_000;
const POLICY_END = new Date(Date.now() + 3 * DAY);
// Every key made here is a legacy key (created before the cutoff), and legacy keys end at POLICY_END.
const { rt, slack, admin } = slackSuite({
  env: { ALERTS_CHANNEL: ALERTS, LEGACY_CUTOFF: '2099-01-01', LEGACY_KEYS_EXPIRE_AT: POLICY_END.toISOString() },
});

type Surface = Record<string, unknown> & { blocks: Record<string, unknown>[] };

it('reminds of a legacy key by its effective end, and Extend says when LEGACY_KEYS_EXPIRE_AT keeps that end', async () => {
  const user = await admin();
  const { key } = await rt.keys.create({
    actor: user,
    description: 'Legacy reminded',
    grants: [],
    expiresAt: new Date(Date.now() + 30 * DAY),
  });
  expect(key.legacy).toBe(true);
  expect(key.expiresAt?.getTime()).toBe(POLICY_END.getTime());

  let mark = slack.recorder.mark();
  await slack.runAlertSweeps();
  const notice = await slack.recorder.waitFor(mark, 'chat.postMessage', (t) => t.body.channel === ALERTS);
  expect(String(notice.body.text)).toMatch(/expires in (2 days|3 days|7\d hours)/);
  expect(notice.raw).toContain(`<!date^${Math.floor(POLICY_END.getTime() / 1000)}^`);

  const message = { ...(notice.body as Surface), ts: '1700000000.000500' };
  const button = findElement(message, 'reminder.extend');
  mark = slack.recorder.mark();
  await slack.interaction({
    ...blockActions(
      user,
      {
        type: 'button',
        action_id: 'reminder.extend',
        block_id: button.block.block_id as string,
        value: button.element.value as string,
      },
      { message, responseUrl: 'https://hooks.slack.com/actions/T0TEST/1/legacy' },
    ),
    channel: { id: ALERTS, name: 'alerts' },
    container: { type: 'message', message_ts: '1700000000.000500', channel_id: ALERTS },
  });
  const dialog = { ...((await slack.recorder.waitFor(mark, 'views.open')).body.view as Surface), id: 'V0LEGACYEXT' };
  assertValidSurface('modal', dialog);
  const answer = (await slack.interaction(viewSubmission(user, dialog, initialState(dialog)))).json() as {
    view: Surface & { title: { text: string } };
  };
  expect(answer.view.title.text).toBe('Not Extended');
  expect(JSON.stringify(answer.view)).toContain('legacy keys stop at LEGACY_KEYS_EXPIRE_AT whatever their own expiry');
  expect((await rt.keys.get(key.id)).expiresAt?.getTime()).toBe(POLICY_END.getTime());
});
