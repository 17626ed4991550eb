import { auditReason, auditRecord } from '../../audit/audit-record.ts';
import type { AuditEvent, AuditFilter } from '../../audit/types.ts';
import { parse } from '../args.ts';
import { command } from '../command.ts';
import { iso } from '../format.ts';
import { parseTimeBound } from '../time-bound.ts';
import { UsageError } from '../usage-error.ts';
import { USAGES } from '../usages.ts';

/** Lines written between waits for the terminal or pipe to catch up. */
const DRAIN_EVERY = 1_000;

/** The readable form's columns (the last, the reason, is not padded): wide enough for an ISO time with milliseconds
 * (24) and a Harvest v3 client id as actor (`hkc_` + 24), so the rows stay under the header. */
const COLUMNS = [
  ['time', 24],
  ['source', 15],
  ['action', 24],
  ['key', 20],
  ['actor', 28],
  ['reason', 0],
] as const;

/** Control characters (a reason typed with a newline) would break the table's rows. */
const oneLine = (text: string): string => text.replace(/[\u0000-\u001f\u007f]+/g, ' ');

function row(cells: readonly string[]): string {
  return cells
    .map((cell, i) => oneLine(cell).padEnd(COLUMNS[i]?.[1] ?? 0))
    .join('  ')
    .trimEnd();
}

function tableRow(event: AuditEvent): string {
  return row([iso(event.at), event.source, event.action, event.keyId ?? '-', event.actor, auditReason(event) ?? '']);
}

export const audit = command({
  usage: USAGES.audit,
  parse(argv) {
    const { values } = parse(
      argv,
      { key: { type: 'string' }, actor: { type: 'string' }, since: { type: 'string' }, until: { type: 'string' } },
      this.usage,
    );
    // Only an id-shaped value is used (and never repeated otherwise): a key pasted in its place must not be echoed.
    if (values.key !== undefined && !/^key_[0-9A-Za-z]{1,40}$/.test(values.key))
      throw new UsageError(`--key takes a key id (key_AbC123…); the value given is not one\nusage: ${this.usage}`);
    if (values.actor !== undefined && values.actor.trim() === '')
      throw new UsageError(`--actor needs a value (a Slack user id, cli:<user>, system)\nusage: ${this.usage}`);
    const now = new Date();
    const since = values.since === undefined ? undefined : parseTimeBound(values.since, now, '--since', this.usage);
    const until = values.until === undefined ? undefined : parseTimeBound(values.until, now, '--until', this.usage);
    if (since !== undefined && until !== undefined && since.getTime() >= until.getTime())
      throw new UsageError(
        `--since (${since.toISOString()}) must be before --until (${until.toISOString()})\nusage: ${this.usage}`,
      );
    const filter: AuditFilter = { keyId: values.key, actor: values.actor?.trim(), since, until };
    return { filter, json: values.json === true };
  },
  async run(ctx, { filter, json }) {
    // An unknown key is named as such rather than looking like a key nothing ever happened to.
    if (filter.keyId !== undefined) await ctx.runtime.keys.get(filter.keyId);
    let count = 0;
    if (!json) ctx.out(row(COLUMNS.map(([name]) => name)));
    for await (const event of ctx.runtime.audit.events(filter)) {
      ctx.out(json ? JSON.stringify(auditRecord(event)) : tableRow(event));
      count += 1;
      // The reader went away (`| head`): the rest would be read for nobody.
      if (count % DRAIN_EVERY === 0 && (await ctx.drain?.()) === false) break;
    }
    if (!json) ctx.out(count === 0 ? 'No events.' : `${count} event(s)`);
    return 0;
  },
});
