import { parse, positional } from '../args.ts';
import { command } from '../command.ts';
import { table } from '../format.ts';
import { USAGES } from '../usages.ts';

const many = { type: 'string', multiple: true } as const;

export const partnerAdd = command({
  usage: USAGES['partner add'],
  parse(argv) {
    const { values, positionals } = parse(argv, { contact: many, preset: many }, this.usage, 1);
    return { ...values, name: positional(positionals, 0, 'name', this.usage) };
  },
  async run(ctx, values) {
    const created = await ctx.runtime.partners.create({
      actor: ctx.actor,
      name: values.name,
      contacts: values.contact,
      preset: values.preset,
    });
    ctx.out(
      values.json
        ? JSON.stringify(created)
        : `Added partner "${created.name}" (${created.id}) with ${created.preset.length} preset permission(s).`,
    );
    return 0;
  },
});

export const partnerEdit = command({
  usage: USAGES['partner edit'],
  parse(argv) {
    const { values, positionals } = parse(
      argv,
      { rename: { type: 'string' }, contact: many, 'remove-contact': many, preset: many, 'remove-preset': many },
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
    });
    ctx.out(
      values.json
        ? JSON.stringify(updated)
        : `Updated partner "${updated.name}": ${updated.contactSlackUserIds.length} contact(s), ${updated.preset.length} preset permission(s).`,
    );
    return 0;
  },
});

export const partnerList = command({
  usage: USAGES['partner list'],
  parse(argv) {
    return parse(argv, {}, this.usage).values;
  },
  async run(ctx, values) {
    const partners = await ctx.runtime.partners.list();
    if (values.json) ctx.out(JSON.stringify(partners));
    else if (partners.length === 0) ctx.out('No partners.');
    else
      ctx.out(
        table([
          ['NAME', 'ID', 'CONTACTS', 'PRESET'],
          ...partners.map((p) => [p.name, p.id, p.contactSlackUserIds.join(',') || '-', String(p.preset.length)]),
        ]),
      );
    return 0;
  },
});
