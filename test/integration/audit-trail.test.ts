import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anAdmin } from '../fixtures/actors.ts';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime.ts';

let rt: TestRuntime;
beforeAll(async () => {
  rt = await createTestRuntime();
});
afterAll(async () => {
  await rt.dispose();
});

describe('the audit trail', () => {
  it('is refused UPDATE, DELETE and TRUNCATE by the database itself', async () => {
    const { key } = await rt.keys.create({ actor: anAdmin(), description: 'Audited' });
    await expect(rt.db.sql`update audit_events set actor = 'mallory' where key_id = ${key.id}`).rejects.toThrow(
      /append-only: UPDATE/,
    );
    await expect(rt.db.sql`delete from audit_events where key_id = ${key.id}`).rejects.toThrow(/append-only: DELETE/);
    await expect(rt.db.sql`truncate audit_events`).rejects.toThrow(/append-only: TRUNCATE/);
    const [row] = await rt.db.sql`select actor from audit_events where key_id = ${key.id}`;
    expect(row?.actor).not.toBe('mallory');
  });

  it('rolls back a change whose audit row cannot be written', async () => {
    const before = (await rt.keys.list()).total;
    await rt.db.sql`alter table audit_events add constraint no_creates check (action <> 'key.created') not valid`;
    try {
      await expect(rt.keys.create({ actor: anAdmin(), description: 'Orphan?' })).rejects.toThrow();
    } finally {
      await rt.db.sql`alter table audit_events drop constraint no_creates`;
    }
    expect((await rt.keys.list()).total).toBe(before);
  });

  it('records partner and role changes with who made them', async () => {
    const actor = anAdmin();
    const partner = await rt.partners.create({ actor, name: 'Audited Partner', contacts: ['U0CONTACT1'] });
    await rt.partners.edit(partner.name, { actor, addPreset: ['GET /v1/users'] });
    expect(await rt.roles.grant('U0APPROVER1', 'approver', actor)).toBe(true);
    expect(await rt.roles.grant('U0APPROVER1', 'approver', actor)).toBe(false);
    expect(await rt.roles.remove('U0APPROVER1', 'approver', actor)).toBe(true);
    const events = await rt.store.audit.list({ limit: 10 });
    const actions = events.map((e) => e.action);
    expect(actions.slice(0, 4)).toEqual(['role.removed', 'role.granted', 'partner.edited', 'partner.created']);
    expect(events.filter((e) => e.action === 'role.granted')).toHaveLength(1);
    expect(events.slice(0, 4).every((e) => e.actor === actor)).toBe(true);
    const edited = events.find((e) => e.action === 'partner.edited');
    expect(edited).toMatchObject({ before: { preset: [] }, after: { preset: ['GET /v1/users'] } });
  });
});

describe('partners and roles', () => {
  it('refuses a duplicate partner name (any case), unknown contacts format and unknown preset endpoints', async () => {
    await rt.partners.create({ actor: anAdmin(), name: 'Unique Co' });
    await expect(rt.partners.create({ actor: anAdmin(), name: 'unique co' })).rejects.toMatchObject({
      code: 'PARTNER_EXISTS',
    });
    await expect(
      rt.partners.create({ actor: anAdmin(), name: 'Bad Contacts', contacts: ['alice'] }),
    ).rejects.toMatchObject({ code: 'SLACK_USER_INVALID', field: 'contacts', facts: { users: ['alice'] } });
    await expect(
      rt.partners.create({ actor: anAdmin(), name: 'Bad Preset', preset: ['GET /v1/nope'] }),
    ).rejects.toMatchObject({ code: 'UNKNOWN_ENDPOINT' });
    await expect(rt.partners.edit('Nobody', { actor: anAdmin(), rename: 'x' })).rejects.toMatchObject({
      code: 'UNKNOWN_PARTNER',
    });
    expect((await rt.partners.list()).map((p) => p.name)).not.toContain('Bad Contacts');
  });

  it('bootstraps admins idempotently and answers role checks', async () => {
    await rt.roles.bootstrapAdmins(['U0BOOT0001', 'U0BOOT0002']);
    await rt.roles.bootstrapAdmins(['U0BOOT0001']);
    expect(await rt.roles.has('U0BOOT0001', 'admin')).toBe(true);
    expect(await rt.roles.has('U0BOOT0001', 'approver')).toBe(false);
    expect(await rt.roles.has('U0NOBODY01', 'admin')).toBe(false);
    expect(
      (await rt.store.audit.list({ limit: 100 })).filter((e) => e.action === 'role.granted' && e.actor === 'bootstrap'),
    ).toHaveLength(2);
  });
});
