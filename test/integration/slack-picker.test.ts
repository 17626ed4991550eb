import { describe, expect, it } from 'vitest';
import { unacknowledgedActions } from '../helpers/slack-harness.ts';
import { blockActions, checkboxBlocks, findElement, initialState, viewSubmission } from '../helpers/slack-payloads.ts';
import { slackSuite } from '../helpers/slack-suite.ts';
import { secretSightings } from '../helpers/slack-traffic.ts';

const CHANNEL = 'C0APPROVALS';
const { rt, slack, logs, admin } = slackSuite({
  logLevel: 'trace',
  env: { APPROVAL_REQUIRED_FOR: 'create,permissions', APPROVALS_CHANNEL: CHANNEL },
  roles: { U0PICKAPPROVER: ['approver'] },
});

type View = Record<string, unknown> & { id?: string; blocks: Record<string, unknown>[] };
type Option = { text: { text: string }; value: string; description: { text: string } };

const optionsOf = (view: View): Option[] =>
  checkboxBlocks(view).flatMap((b) => (b.element as { options: Option[] }).options);
const tickedOf = (view: View): string[] =>
  checkboxBlocks(view).flatMap((b) =>
    ((b.element as { initial_options?: Option[] }).initial_options ?? []).map((o) => o.description.text),
  );

/** `create` → description → "Manage Permissions": the picker over the whole Harvest catalog. */
async function openPicker(user: string, description: string): Promise<View> {
  const mark = slack.recorder.mark();
  await slack.command(user, 'create');
  const first = { ...((await slack.recorder.waitFor(mark, 'views.open')).body.view as View), id: 'V0PICK' };
  const state = initialState(first);
  const block = first.blocks.find((b) => String(b.block_id).startsWith('description'))!.block_id as string;
  state[block] = { value: { type: 'plain_text_input', value: description } };
  const step2 = (await slack.interaction(viewSubmission(user, first, state))).json() as { view: View };
  return { ...step2.view, id: 'V0PICK' };
}

/** Presses a picker control and returns the redrawn dialog. */
async function press(
  user: string,
  view: View,
  action: Record<string, unknown> & { action_id: string; type: string },
  values = initialState(view),
): Promise<View> {
  const mark = slack.recorder.mark();
  const answer = await slack.interaction(blockActions(user, { block_id: 'b', ...action }, { view, values }));
  expect(answer.status).toBe(200);
  return { ...((await slack.recorder.waitFor(mark, 'views.update')).body.view as View), id: view.id };
}

function headings(view: View): string[] {
  return view.blocks
    .filter((b) => String(b.block_id).startsWith('grp.'))
    .map((b) => /^\*([^*]+)\*/.exec((b.text as { text: string }).text)![1]!);
}

describe('the permission picker over the 143-endpoint Harvest catalog', () => {
  it('heads each group once, marks deprecated endpoints and tells shared labels apart by path', async () => {
    expect(rt.catalog.endpoints).toHaveLength(143);
    const view = await openPicker(await admin(), 'Picker layout');
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    const groups = rt.catalog.groups.map((g) => g.resource);
    expect(headings(view)).toEqual(groups);
    // No checkbox block carries a label of its own: the heading above is the only place a resource is named.
    expect(view.blocks.filter((b) => String(b.block_id).startsWith('pk.') && b.type === 'input')).toEqual([]);
    const text = JSON.stringify(view);
    for (const resource of groups) expect(text.split(`*${resource}*`).length - 1).toBe(1);

    const options = optionsOf(view);
    expect(options).toHaveLength(143);
    expect(new Set(options.map((o) => o.text.text)).size).toBe(143);
    const byId = new Map(options.map((o) => [o.description.text, o.text.text]));
    expect(byId.get('DELETE /v1/jobs/:job_id/openings')).toBe(
      'DELETE: Destroy Openings · /v1/jobs/:job_id/openings · deprecated',
    );
    expect(byId.get('DELETE /v2/jobs/:job_id/openings')).toBe('DELETE: Destroy Openings · /v2/jobs/:job_id/openings');
    expect(byId.get('PATCH /v1/users/:id')).toBe('PATCH: Edit User (v1) · deprecated');
    expect(byId.get('GET /v1/candidates')).toBe('GET: List Candidates');
    const deprecated = rt.catalog.endpoints.filter((e) => e.deprecated);
    expect(deprecated).toHaveLength(7);
    expect(options.filter((o) => o.text.text.endsWith(' · deprecated'))).toHaveLength(7);

    const menu = findElement(view, 'picker.resource').element as { options: Option[] };
    expect(menu.options.map((o) => o.text.text)).toEqual([
      'All resources (143)',
      ...rt.catalog.groups.map((g) => `${g.resource} (${g.endpoints.length})`),
    ]);
    expect(findElement(view, 'picker.search').block).toMatchObject({ dispatch_action: true, optional: true });
  });

  it('filters by resource and text, keeps ticks made under a filter, selects read-only, and saves them all', async () => {
    const user = await admin();
    const p0 = await openPicker(user, 'Filtered picker');
    const menu = findElement(p0, 'picker.resource').element as { options: Option[] };
    const openings = menu.options.find((o) => o.text.text.startsWith('Job Openings'))!;

    // One resource: only its six endpoints, under one heading.
    const p1 = await press(user, p0, {
      type: 'static_select',
      action_id: 'picker.resource',
      selected_option: openings,
    });
    expect(headings(p1)).toEqual(['Job Openings']);
    expect(optionsOf(p1)).toHaveLength(6);
    expect(JSON.stringify(p1)).toContain('Showing 6 endpoints in Job Openings.');
    expect((findElement(p1, 'picker.resource').element as { initial_option: Option }).initial_option).toEqual(openings);

    // Tick the v2 "Destroy Openings" there, then show everything again: the tick is kept.
    const v2 = checkboxBlocks(p1).find((b) =>
      (b.element as { options: Option[] }).options.some(
        (o) => o.description.text === 'DELETE /v2/jobs/:job_id/openings',
      ),
    )!;
    const state1 = initialState(p1);
    state1[v2.block_id as string] = {
      'picker.check': {
        type: 'checkboxes',
        selected_options: (v2.element as { options: Option[] }).options.filter(
          (o) => o.description.text === 'DELETE /v2/jobs/:job_id/openings',
        ),
      },
    };
    const p2 = await press(user, p1, { type: 'button', action_id: 'picker.filter.clear', value: 'clear' }, state1);
    expect(optionsOf(p2)).toHaveLength(143);
    expect(tickedOf(p2)).toEqual(['DELETE /v2/jobs/:job_id/openings']);
    expect(JSON.stringify(p2)).toContain('*1 of 143* selected');

    // Text: every word must match the name, method, path or resource.
    const search = findElement(p2, 'picker.search').block.block_id as string;
    const p3 = await press(user, p2, {
      type: 'plain_text_input',
      action_id: 'picker.search',
      block_id: search,
      value: 'candidates',
    });
    const matching = rt.catalog.endpoints.filter((e) =>
      `${e.label} ${e.id} ${e.resource}`.toLowerCase().includes('candidates'),
    );
    expect(
      optionsOf(p3)
        .map((o) => o.description.text)
        .sort(),
    ).toEqual(matching.map((e) => e.id).sort());
    expect(JSON.stringify(p3)).toContain(`Showing ${matching.length} endpoints matching “candidates”.`);
    expect(JSON.stringify(p3)).toContain('Also selected: 1 not shown here.');
    expect((findElement(p3, 'picker.search').element as { initial_value: string }).initial_value).toBe('candidates');

    // Read-only (GET) ticks the shown GET endpoints and unticks the others shown.
    const p4 = await press(user, p3, { type: 'button', action_id: 'picker.readonly', value: 'get' });
    const reads = matching.filter((e) => e.method === 'GET').map((e) => e.id);
    expect(reads.length).toBeGreaterThan(3);
    expect(tickedOf(p4).sort()).toEqual([...reads].sort());

    // Nothing matches: said so, with the way back.
    const p5 = await press(user, p4, {
      type: 'plain_text_input',
      action_id: 'picker.search',
      block_id: findElement(p4, 'picker.search').block.block_id as string,
      value: 'no such endpoint',
    });
    expect(JSON.stringify(p5)).toContain('No endpoint matches. *Show all* brings back the 143 endpoints.');
    expect(checkboxBlocks(p5)).toEqual([]);

    // Save from the filtered view: everything selected under any filter is requested.
    const mark = slack.recorder.mark();
    const saved = (await slack.interaction(viewSubmission(user, p5))).json() as { view: View };
    expect(saved.view.title).toMatchObject({ text: 'Sent for Approval' });
    const [request] = (await rt.approvals.listPending()).filter((r) => r.payload.description === 'Filtered picker');
    expect(request?.payload).toMatchObject({
      permissions: [...reads, 'DELETE /v2/jobs/:job_id/openings'].sort(),
    });
    await slack.recorder.waitFor(mark, 'chat.postMessage', (t) => t.body.channel === CHANNEL);
  });
});

describe('approval cards', () => {
  it('group a 143-endpoint create by resource, within Block Kit limits', async () => {
    const user = await admin();
    const view = await openPicker(user, 'Everything at once');
    const all = await press(user, view, { type: 'button', action_id: 'picker.all', value: 'all' });
    expect(tickedOf(all)).toHaveLength(143);
    const mark = slack.recorder.mark();
    await slack.interaction(viewSubmission(user, all));
    const card = await slack.recorder.waitFor(mark, 'chat.postMessage', (t) => t.body.channel === CHANNEL);
    const blocks = (card.body as { blocks: Record<string, unknown>[] }).blocks;
    expect(blocks.length).toBeLessThanOrEqual(50);
    const text = blocks.map((b) => (b.text as { text?: string } | undefined)?.text ?? '').join('\n');
    expect(text).toContain('*Permissions (143):*');
    expect(text).toContain('• *Candidates* (all 15)');
    expect(text).toContain('• *Activity Feed* (all 1: GET: Retrieve Activity Feed)');
    expect(text.split('\n').filter((l) => l.startsWith('• '))).toHaveLength(rt.catalog.groups.length);
    for (const b of blocks)
      expect(((b.text as { text?: string } | undefined)?.text ?? '').length).toBeLessThanOrEqual(3000);
  });

  it('group a permission diff by resource, naming the endpoints of partly changed resources', async () => {
    const user = await admin();
    const { key } = await rt.keys.create({
      actor: user,
      description: 'Diffed key',
      grants: rt.catalog.endpoints.filter((e) => e.resource !== 'Users').map((e) => e.id),
    });
    const mark = slack.recorder.mark();
    await slack.command(user, `edit ${key.id}`);
    const edit = { ...((await slack.recorder.waitFor(mark, 'views.open')).body.view as View), id: 'V0DIFF' };
    // Clear everything, then tick two Users endpoints under the Users filter.
    const cleared = await press(user, edit, { type: 'button', action_id: 'picker.none', value: 'none' });
    const users = rt.catalog.groups.findIndex((g) => g.resource === 'Users');
    const usersOnly = await press(user, cleared, {
      type: 'static_select',
      action_id: 'picker.resource',
      selected_option: (findElement(cleared, 'picker.resource').element as { options: Option[] }).options[users + 1],
    });
    const state = initialState(usersOnly);
    const first = checkboxBlocks(usersOnly)[0]!;
    const two = (first.element as { options: Option[] }).options.slice(0, 2);
    state[first.block_id as string] = { 'picker.check': { type: 'checkboxes', selected_options: two } };
    const review = (await slack.interaction(viewSubmission(user, usersOnly, state))).json() as { view: View };
    const reviewText = JSON.stringify(review.view);
    expect(reviewText).toContain(`Removed permissions (${143 - 11})`);
    expect(reviewText).toContain(':heavy_minus_sign: *Candidates* (all 15)');
    expect(reviewText).toContain('Added permissions (2)');
    expect(reviewText).toContain(`:heavy_plus_sign: *Users* (2 of 11): ${two.map((o) => o.text.text).join(', ')}`);

    const cardMark = slack.recorder.mark();
    await slack.interaction(viewSubmission(user, { ...review.view, id: 'V0DIFF2' }));
    const card = await slack.recorder.waitFor(cardMark, 'chat.postMessage', (t) => t.body.channel === CHANNEL);
    const cardText = JSON.stringify(card.body);
    expect(cardText).toContain('*Removed (132):*');
    expect(cardText).toContain(':heavy_minus_sign: *Candidates* (all 15)');
    expect(cardText).toContain(`:heavy_plus_sign: *Users* (2 of 11)`);
    expect((card.body as { blocks: unknown[] }).blocks.length).toBeLessThanOrEqual(50);
  });
});

describe('what left the app', () => {
  it('acknowledges every button, menu and dispatching input it drew', async () => {
    expect(await unacknowledgedActions(slack)).toEqual([]);
  });
  it('kept every view and message within Block Kit limits', () => {
    expect(slack.recorder.blockKitProblems).toEqual([]);
  });
  it('showed no secret outside a show-once view', () => {
    expect(secretSightings(slack.recorder.traffic, logs.text()).filter((s) => s.where !== 'show-once')).toEqual([]);
  });
});
