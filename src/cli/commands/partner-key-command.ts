import { readFile } from 'node:fs/promises';
import type { PartnerPgpKey } from '../../partners/partner-pgp-key.ts';
import { formatFingerprint } from '../../partners/fingerprint.ts';
import { parse, positional, readStdin, unreadable } from '../args.ts';
import { command, type Stdin } from '../command.ts';
import type { CliContext } from '../context.ts';
import { iso, table } from '../format.ts';
import { USAGES } from '../usages.ts';

const USAGE = USAGES['partner key'];

async function readKeyText(file: string, stdin: Stdin | undefined): Promise<string> {
  if (file === '-') return readStdin(stdin);
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw unreadable(file, error);
  }
}

function describeKey(key: PartnerPgpKey): string[][] {
  return [
    ['fingerprint', formatFingerprint(key.fingerprint)],
    ['user IDs', key.userIds.join('; ') || '-'],
    ['algorithm', key.algorithm],
    ['created', iso(key.keyCreatedAt)],
    ['expires', key.expiresAt === null ? 'never' : iso(key.expiresAt)],
    ['confirmed', key.confirmedAt === null ? 'NO' : `yes, by ${key.confirmedBy} at ${iso(key.confirmedAt)}`],
  ];
}

function keyJson(key: PartnerPgpKey): Record<string, unknown> {
  const { armoredPublicKey: _armored, ...rest } = key;
  return {
    ...rest,
    formattedFingerprint: formatFingerprint(key.fingerprint),
    confirmed: key.confirmedFingerprint !== null,
  };
}

/**
 * `partner key <partner> <file>` stores (and prints) the partner's public key; `--confirm <fingerprint>` confirms it,
 * with or without the file. With neither, shows the stored key. A refused key exits 1 with the reason.
 */
export const partnerKey = command({
  usage: USAGE,
  parse(argv) {
    const { values, positionals } = parse(argv, { confirm: { type: 'string' } }, USAGE, 2);
    return { values, partner: positional(positionals, 0, 'partner', USAGE), file: positionals[1] };
  },
  run: runPartnerKey,
});

async function runPartnerKey(
  ctx: CliContext,
  {
    values,
    partner,
    file,
  }: {
    values: { confirm?: string | undefined; json?: boolean | undefined };
    partner: string;
    file: string | undefined;
  },
): Promise<number> {
  let key: PartnerPgpKey | undefined;
  let heading: string;
  if (file !== undefined) {
    const text = await readKeyText(file, ctx.stdin);
    const result = await ctx.runtime.partnerPgp.setPgpKey(partner, text, ctx.actor, {
      confirmFingerprint: values.confirm,
    });
    key = result.key;
    heading = `Stored the PGP key of partner "${result.partner.name}"${result.replacedFingerprint === null ? '' : ` (replaces ${formatFingerprint(result.replacedFingerprint)})`}.`;
  } else if (values.confirm !== undefined) {
    key = await ctx.runtime.partnerPgp.confirmPgpKey(partner, values.confirm, ctx.actor);
    heading = `Confirmed the PGP key of partner "${partner}".`;
  } else {
    key = await ctx.runtime.partnerPgp.getPgpKey(partner);
    heading = `PGP key of partner "${partner}":`;
  }
  if (values.json) {
    ctx.out(JSON.stringify(key === undefined ? null : keyJson(key)));
    return 0;
  }
  if (key === undefined) {
    ctx.out(`Partner "${partner}" has no PGP key. Add one: ${USAGE}`);
    return 0;
  }
  ctx.out(heading);
  ctx.out(table(describeKey(key).map(([label, value]) => [`  ${label}`, value as string])));
  if (key.confirmedFingerprint === null) {
    ctx.out(
      '\nKeys are delivered to this partner only after you confirm this fingerprint. Check it with the partner out of band\n' +
        `(e.g. by phone: they run \`gpg --fingerprint\`), then run:\n  harvest-keys partner key ${JSON.stringify(partner)} --confirm "${formatFingerprint(key.fingerprint)}"`,
    );
  }
  return 0;
}

/** `pubkey`: the service's signing key, for partners to import and verify deliveries against. */
export const pubkey = command({
  usage: USAGES.pubkey,
  parse(argv) {
    return parse(argv, {}, this.usage).values;
  },
  run: runPubkey,
});

async function runPubkey(ctx: CliContext, values: { json?: boolean | undefined }): Promise<number> {
  const key = await ctx.runtime.serviceKey.get();
  if (values.json) ctx.out(JSON.stringify({ fingerprint: key.fingerprint, publicKey: key.publicArmored }));
  else ctx.out(`Deliveries are signed by ${key.formattedFingerprint}\n\n${key.publicArmored.trimEnd()}`);
  return 0;
}
