import { describe, expect, it } from 'vitest';
import { aPartnerName } from '../fixtures/actors.ts';
import { unacknowledgedActions } from '../helpers/slack-harness.ts';
import { slackSuite } from '../helpers/slack-suite.ts';
import { blockActions, checkboxBlocks, findElement, initialState, viewSubmission } from '../helpers/slack-payloads.ts';

const { rt, slack, admin } = slackSuite({ logLevel: 'info' });

type View = Record<string, unknown> & { id?: string; blocks: Record<string, unknown>[] };
type Option = { value: string; description: { text: string } };

describe('partners', () => {
  it('adds a partner with contacts and a preset, and refuses a duplicate name on the name field', async () => {
    const user = await admin();
    let mark = slack.recorder.mark();
    await slack.command(user, 'partners');
    const list = { ...((await slack.recorder.waitFor(mark, 'views.open')).body.view as View), id: 'V0PARTNERS' };
    expect(list).toMatchObject({ callback_id: 'partners' });

    mark = slack.recorder.mark();
    await slack.interaction(
      blockActions(user, { type: 'button', action_id: 'partner.add', block_id: 'b', value: 'add' }, { view: list }),
    );
    const form = { ...((await slack.recorder.waitFor(mark, 'views.update')).body.view as View), id: 'V0PARTNERS' };
    expect(form).toMatchObject({ callback_id: 'partner.form' });

    const name = aPartnerName();
    const state = initialState(form);
    state.partner_name = { value: { type: 'plain_text_input', value: name } };
    state.partner_contacts = { value: { type: 'multi_users_select', selected_users: ['U0CONTACT1', 'W0CONTACT2'] } };
    const candidates = checkboxBlocks(form).find((b) =>
      ((b.element as { options?: Option[] }).options ?? []).some((o) => o.description.text === 'GET /v1/candidates'),
    )!;
    const wanted = (candidates.element as { options: Option[] }).options.filter((o) =>
      ['GET /v1/candidates', 'GET /v1/candidates/:id'].includes(o.description.text),
    );
    state[candidates.block_id as string] = { 'picker.check': { type: 'checkboxes', selected_options: wanted } };
    const saved = (await slack.interaction(viewSubmission(user, form, state))).json() as {
      response_action: string;
      view: View;
    };
    expect(saved.response_action).toBe('update');
    expect(saved.view.callback_id).toBe('partners');
    expect(JSON.stringify(saved.view)).toContain(`Saved *${name}*`);
    const partner = await rt.partners.get(name);
    expect(partner.contactSlackUserIds).toEqual(['U0CONTACT1', 'W0CONTACT2']);
    expect(partner.preset).toEqual(['GET /v1/candidates', 'GET /v1/candidates/:id']);

    // A second partner with the same name is refused on the name field.
    const again = (await slack.interaction(viewSubmission(user, form, state))).json() as {
      response_action: string;
      errors: Record<string, string>;
    };
    expect(again.response_action).toBe('errors');
    expect(again.errors.partner_name).toContain('already exists');
  });

  it('edits a partner’s preset with select-all for a group, keeping the name typed so far', async () => {
    const user = await admin();
    const name = aPartnerName();
    const partner = await rt.partners.create({ actor: user, name, preset: ['GET /v1/users'] });
    let mark = slack.recorder.mark();
    await slack.command(user, 'partners');
    const list = { ...((await slack.recorder.waitFor(mark, 'views.open')).body.view as View), id: 'V0P2' };
    mark = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        user,
        { type: 'button', action_id: 'partner.edit', block_id: 'b', value: partner.id },
        { view: list },
      ),
    );
    const form = { ...((await slack.recorder.waitFor(mark, 'views.update')).body.view as View), id: 'V0P2' };
    expect((findElement(form, 'value').element as { initial_value?: string }).initial_value).toBe(name);

    const jobsGroup = rt.catalog.groups.findIndex((g) => g.resource === 'Jobs');
    const state = initialState(form);
    state.partner_name = { value: { type: 'plain_text_input', value: `${name} Ltd` } };
    mark = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        user,
        { type: 'button', action_id: 'picker.group', block_id: 'g', value: String(jobsGroup) },
        { view: form, values: state },
      ),
    );
    const redrawn = { ...((await slack.recorder.waitFor(mark, 'views.update')).body.view as View), id: 'V0P2' };
    const jobs = checkboxBlocks(redrawn).filter((b) => String(b.block_id).startsWith(`pk.1.${jobsGroup}.`));
    expect(jobs.length).toBeGreaterThan(0);
    for (const block of jobs) {
      const element = block.element as { options: unknown[]; initial_options?: unknown[] };
      expect(element.initial_options).toEqual(element.options);
    }
    expect(
      (redrawn.blocks.find((b) => b.block_id === 'partner_name')!.element as { initial_value: string }).initial_value,
    ).toBe(`${name} Ltd`);

    const saved = (await slack.interaction(viewSubmission(user, redrawn))).json() as { view: View };
    expect(saved.view.callback_id).toBe('partners');
    const after = await rt.partners.get(partner.id);
    expect(after.name).toBe(`${name} Ltd`);
    const jobIds = rt.catalog.groups[jobsGroup]!.endpoints.map((e) => e.id);
    expect(after.preset).toEqual([...new Set(['GET /v1/users', ...jobIds])].sort());
  });
});

describe('roles', () => {
  it('grants and removes roles, and never lets an admin remove their own admin role', async () => {
    const user = await admin();
    let mark = slack.recorder.mark();
    await slack.command(user, 'roles');
    const view = { ...((await slack.recorder.waitFor(mark, 'views.open')).body.view as View), id: 'V0ROLES' };
    expect(view).toMatchObject({ callback_id: 'roles' });

    const state = initialState(view);
    state['role_users.0'] = { value: { type: 'multi_users_select', selected_users: ['U0NEWAPPROVER'] } };
    state['role_kind.0'] = {
      value: {
        type: 'radio_buttons',
        selected_option: { text: { type: 'plain_text', text: 'Approver' }, value: 'approver' },
      },
    };
    const granted = (await slack.interaction(viewSubmission(user, view, state))).json() as {
      response_action: string;
      view: View;
    };
    expect(granted.response_action).toBe('update');
    expect(JSON.stringify(granted.view)).toContain('Granted approver to <@U0NEWAPPROVER>');
    expect(await rt.roles.rolesOf('U0NEWAPPROVER')).toEqual(['approver']);

    const missing = (await slack.interaction(viewSubmission(user, { ...granted.view, id: 'V0ROLES' }))).json() as {
      errors: Record<string, string>;
    };
    expect(Object.keys(missing.errors)).toEqual(['role_users.1']);

    mark = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        user,
        { type: 'button', action_id: 'role.remove', block_id: 'b', value: 'U0NEWAPPROVER|approver' },
        { view: { ...granted.view, id: 'V0ROLES' } },
      ),
    );
    const removed = await slack.recorder.waitFor(mark, 'views.update');
    expect(removed.raw).toContain('Removed the approver role');
    expect(await rt.roles.rolesOf('U0NEWAPPROVER')).toEqual([]);

    mark = slack.recorder.mark();
    await slack.interaction(
      blockActions(
        user,
        { type: 'button', action_id: 'role.remove', block_id: 'b', value: `${user}|admin` },
        { view: { ...granted.view, id: 'V0ROLES' } },
      ),
    );
    const refused = await slack.recorder.waitFor(mark, 'views.update');
    expect(refused.raw).toContain('cannot remove your own admin role');
    expect(await rt.roles.rolesOf(user)).toEqual(['admin']);
  });
});

describe('what left the app', () => {
  it('acknowledges every button, menu and dispatching input it drew', async () => {
    expect(await unacknowledgedActions(slack)).toEqual([]);
  });

  it('kept every view and message within Block Kit limits', () => {
    expect(slack.recorder.blockKitProblems).toEqual([]);
  });
});
