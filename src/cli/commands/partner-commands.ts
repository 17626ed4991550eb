import { parse, positional } from '../args.ts';
import type { CliContext } from '../context.ts';
import { table } from '../format.ts';
import { UsageError } from '../usage-error.ts';
import { partnerKey } from './partner-key-command.ts';

const many = { type: 'string', multiple: true } as const;

export async function partner(ctx: CliContext, argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'add') {
    const usage = 'harvest-keys partner add <name> [--contact U012ABCDEF]... [--preset "GET /v1/users"]...';
    const { values, positionals } = parse(rest, { contact: many, preset: many }, usage);
    const created = await ctx.runtime.partners.create({ actor: ctx.actor, name: positional(positionals, 0, 'name', usage), contacts: values.contact, preset: values.preset });
    ctx.out(values.json ? JSON.stringify(created) : `Added partner "${created.name}" (${created.id}) with ${created.preset.length} preset permission(s).`);
    return 0;
  }
  if (sub === 'edit') {
    const usage = 'harvest-keys partner edit <name> [--rename N] [--contact U..]... [--remove-contact U..]... [--preset "..."]... [--remove-preset "..."]...';
    const { values, positionals } = parse(rest, { rename: { type: 'string' }, contact: many, 'remove-contact': many, preset: many, 'remove-preset': many }, usage);
    const updated = await ctx.runtime.partners.edit(positional(positionals, 0, 'name', usage), {
      actor: ctx.actor,
      rename: values.rename,
      addContacts: values.contact,
      removeContacts: values['remove-contact'],
      addPreset: values.preset,
      removePreset: values['remove-preset'],
    });
    ctx.out(values.json ? JSON.stringify(updated) : `Updated partner "${updated.name}": ${updated.contactSlackUserIds.length} contact(s), ${updated.preset.length} preset permission(s).`);
    return 0;
  }
  if (sub === 'list') {
    const { values } = parse(rest, {}, 'harvest-keys partner list [--json]');
    const partners = await ctx.runtime.partners.list();
    if (values.json) ctx.out(JSON.stringify(partners));
    else if (partners.length === 0) ctx.out('No partners.');
    else ctx.out(table([['NAME', 'ID', 'CONTACTS', 'PRESET'], ...partners.map((p) => [p.name, p.id, p.contactSlackUserIds.join(',') || '-', String(p.preset.length)])]));
    return 0;
  }
  if (sub === 'key') return partnerKey(ctx, rest);
  throw new UsageError('usage: harvest-keys partner add|edit|list|key ...');
}
