import { parse, positional } from '../args.ts';
import { command } from '../command.ts';
import type { PgpStatus } from '../../partners/partner-pgp-key.ts';
import { iso, table } from '../format.ts';
import { USAGES } from '../usages.ts';

const many = { type: 'string', multiple: true } as const;

/** New keys for the partner start limited to these networks. */
function networksNote(networks: readonly string[]): string {
  return networks.length === 0 ? '' : `; new keys usable only from ${networks.join(', ')}`;
}

export const partnerAdd = command({
  usage: USAGES['partner add'],
  parse(argv) {
    const { values, positionals } = parse(argv, { contact: many, preset: many, 'allow-ip': many }, this.usage, 1);
    return { ...values, name: positional(positionals, 0, 'name', this.usage) };
  },
  async run(ctx, values) {
    const created = await ctx.runtime.partners.create({
      actor: ctx.actor,
      name: values.name,
      contacts: values.contact,
      preset: values.preset,
      defaultNetworks: values['allow-ip'],
    });
    ctx.out(
      values.json
        ? JSON.stringify(created)
        : `Added partner "${created.name}" (${created.id}) with ${created.preset.length} preset permission(s)${networksNote(created.defaultNetworks)}.`,
    );
    return 0;
  },
});

export const partnerEdit = command({
  usage: USAGES['partner edit'],
  parse(argv) {
    const { values, positionals } = parse(
      argv,
      {
        rename: { type: 'string' },
        contact: many,
        'remove-contact': many,
        preset: many,
        'remove-preset': many,
        'allow-ip': many,
        'remove-ip': many,
      },
      this.usage,
      1,
    );
    return { ...values, name: positional(positionals, 0, 'name', this.usage) };
  },
  async run(ctx, values) {
    const updated = await ctx.runtime.partners.edit(values.name, {
      actor: ctx.actor,
      rename: values.rename,
      addContacts: values.contact,
      removeContacts: values['remove-contact'],
      addPreset: values.preset,
      removePreset: values['remove-preset'],
      addNetworks: values['allow-ip'],
      removeNetworks: values['remove-ip'],
    });
    ctx.out(
      values.json
        ? JSON.stringify(updated)
        : `Updated partner "${updated.name}": ${updated.contactSlackUserIds.length} contact(s), ${updated.preset.length} preset permission(s)${networksNote(updated.defaultNetworks)}.`,
    );
    return 0;
  },
});

export const partnerList = command({
  usage: USAGES['partner list'],
  parse(argv) {
    return parse(argv, { archived: { type: 'boolean' } }, this.usage).values;
  },
  async run(ctx, values) {
    const [partners, statuses] = await Promise.all([
      ctx.runtime.partners.list({ includeArchived: values.archived === true }),
      ctx.runtime.partnerPgp.pgpStatuses(),
    ]);
    const pgpOf = (id: string): PgpStatus => statuses.get(id) ?? { kind: 'none' };
    if (values.json) ctx.out(JSON.stringify(partners.map((p) => ({ ...p, pgp: pgpJson(pgpOf(p.id)) }))));
    else if (partners.length === 0)
      ctx.out(values.archived ? 'No partners.' : 'No partners (archived ones: --archived).');
    else
      ctx.out(
        table([
          ['NAME', 'ID', 'CONTACTS', 'PRESET', 'PGP KEY', ...(values.archived ? ['ARCHIVED'] : [])],
          ...partners.map((p) => [
            p.name,
            p.id,
            p.contactSlackUserIds.join(',') || '-',
            String(p.preset.length),
            pgpText(pgpOf(p.id)),
            ...(values.archived ? [iso(p.archivedAt)] : []),
          ]),
        ]),
      );
    return 0;
  },
});

/** `none`, `unconfirmed`, `confirmed`, with the expiry when the key has one. */
function pgpText(status: PgpStatus): string {
  switch (status.kind) {
    case 'none':
      return 'none';
    case 'unconfirmed':
    case 'confirmed': {
      if (status.expiresAt === null) return status.kind;
      return `${status.kind}, ${status.expired ? 'expired' : 'expires'} ${iso(status.expiresAt).slice(0, 10)}`;
    }
    default:
      return status satisfies never;
  }
}

function pgpJson(status: PgpStatus): Record<string, unknown> {
  return status.kind === 'none'
    ? { status: 'none' }
    : { status: status.kind, fingerprint: status.fingerprint, expiresAt: status.expiresAt, expired: status.expired };
}

function archiveCommand(usage: string, archived: boolean) {
  return command({
    usage,
    parse(argv) {
      const { values, positionals } = parse(argv, {}, this.usage, 1);
      return { ...values, name: positional(positionals, 0, 'name', this.usage) };
    },
    async run(ctx, values) {
      const before = await ctx.runtime.partners.get(values.name);
      const after = await ctx.runtime.partners.setArchived(before.id, { actor: ctx.actor, archived });
      const changed = (before.archivedAt !== null) !== (after.archivedAt !== null);
      if (values.json) ctx.out(JSON.stringify({ ...after, changed }));
      else if (!changed)
        ctx.out(`Partner "${after.name}" is ${archived ? 'already archived' : 'not archived'}: nothing changed.`);
      else if (archived)
        ctx.out(
          `Archived partner "${after.name}": it no longer appears in lists and pickers, and no new keys are created for it. ` +
            'Its existing keys keep working (revoke them if they should stop) and keep their history.',
        );
      else ctx.out(`Restored partner "${after.name}": it appears in lists and pickers again.`);
      return 0;
    },
  });
}

export const partnerArchive = archiveCommand(USAGES['partner archive'], true);
export const partnerUnarchive = archiveCommand(USAGES['partner unarchive'], false);
