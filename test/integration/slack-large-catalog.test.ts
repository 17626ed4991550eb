import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anAdmin } from '../fixtures/actors.ts';
import { catalogOf500 } from '../fixtures/slack-edge-data.ts';
import { captureLogs } from '../helpers/log-capture.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime.ts';
import { type SlackHarness, startSlackHarness } from '../helpers/slack-harness.ts';
import { blockActions, checkboxBlocks, initialState, viewSubmission } from '../helpers/slack-payloads.ts';
import { secretSightings } from '../helpers/slack-traffic.ts';

let rt: TestRuntime;
let slack: SlackHarness;
let dir: string;
const logs = captureLogs('debug');

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hk-catalog-'));
  const file = path.join(dir, 'big.json');
  const catalog = catalogOf500();
  await writeFile(
    file,
    JSON.stringify({
      api: 'Big',
      endpoints: catalog.endpoints.map((e) => ({
        resource: e.resource,
        method: e.method,
        path: e.path,
        label: e.label,
      })),
    }),
  );
  rt = await createTestRuntime({ env: { CATALOG_FILE: file } });
  slack = await startSlackHarness(rt, { logger: logs.logger });
});
afterAll(async () => {
  await slack?.close();
  await rt?.dispose();
  await rm(dir, { recursive: true, force: true });
});

type View = Record<string, unknown> & { id?: string; private_metadata: string; blocks: Record<string, unknown>[] };
type Option = { value: string; description: { text: string } };

function firstOption(view: View): { blockId: string; option: Option } {
  const block = checkboxBlocks(view)[0]!;
  return { blockId: block.block_id as string, option: (block.element as { options: Option[] }).options[0]! };
}

describe('a 500-endpoint catalog', () => {
  it('pages the permissions by resource group and keeps the ticks of every page until Save', async () => {
    expect(rt.catalog.endpoints).toHaveLength(500);
    const user = anAdmin();
    await rt.roles.grant(user, 'admin', 'test');
    let mark = slack.recorder.mark();
    await slack.command(user, 'create');
    const createView = { ...((await slack.recorder.waitFor(mark, 'views.open')).body.view as View), id: 'V0BIG' };
    const values = initialState(createView);
    values['description.0'] = { value: { type: 'plain_text_input', value: 'Big catalog key' } };
    const first = {
      ...((await slack.interaction(viewSubmission(user, createView, values))).json().view as View),
      id: 'V0BIG',
    };
    expect(first.blocks.length).toBeLessThanOrEqual(100);
    expect(JSON.stringify(first)).toMatch(/Page 1 of \d/);

    // Tick the first endpoint on page 1 and go to page 2.
    const one = firstOption(first);
    const state1 = initialState(first);
    state1[one.blockId] = { 'picker.check': { type: 'checkboxes', selected_options: [one.option] } };
    mark = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        user,
        { type: 'button', action_id: 'picker.page.next', block_id: 'nav', value: '1' },
        { view: first, values: state1 },
      ),
    );
    const second = { ...((await slack.recorder.waitFor(mark, 'views.update')).body.view as View), id: 'V0BIG' };
    expect(second.blocks.length).toBeLessThanOrEqual(100);
    expect(second.private_metadata.length).toBeLessThanOrEqual(3000);
    expect(JSON.stringify(second)).toContain('Also selected: 1 on other pages.');

    // Tick the first endpoint of page 2 and Save from there: both are granted.
    const two = firstOption(second);
    const state2 = initialState(second);
    state2[two.blockId] = { 'picker.check': { type: 'checkboxes', selected_options: [two.option] } };
    const saved = (await slack.interaction(viewSubmission(user, second, state2))).json() as { view: View };
    expect(saved.view.callback_id).toBe('key.show-once');
    const keyId = /key_[A-Za-z0-9]{12}/.exec(JSON.stringify(saved.view))![0];
    const key = await rt.keys.get(keyId);
    expect(key.permissions).toEqual([one.option.description.text, two.option.description.text].sort());
    expect(slack.recorder.blockKitProblems).toEqual([]);
    expect(secretSightings(slack.recorder.traffic, logs.text()).filter((s) => s.where !== 'show-once')).toEqual([]);
  });
});
