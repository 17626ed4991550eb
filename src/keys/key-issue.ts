import type { AuditSource } from '../audit/source.ts';
import type { Partner } from '../partners/types.ts';
import { newClientId, newKeyId } from '../shared/ids.ts';
import type { KeyContext } from './key-context.ts';
import { keySnapshot } from './key-snapshot.ts';
import { requireKey } from './key-records.ts';
import type { KeyTransaction } from './key-store.ts';
import { secretHint } from './secret-format.ts';
import type { IssuedKey } from './types.ts';

export type IssueKey = ReturnType<typeof keyIssuer>;

/** Making a new credential: shared by create, replace and upgrade. */
export function keyIssuer(ctx: KeyContext) {
  const { catalog, secretFormat, digest, legacyCutoff, now } = ctx;

  /** Inserts a new key and its audit row inside `repos`' transaction; the secret leaves only in the return value. */
  async function issue(
    repos: KeyTransaction,
    fields: {
      actor: string;
      source: AuditSource | undefined;
      description: string;
      partner: Partner | undefined;
      permissions: readonly string[];
      expiresAt: Date | null;
      allowedNetworks?: readonly string[] | undefined;
      /** Absent: a key. A client gets a new id unless it carries on an existing client (a replacement). */
      client?: { clientId: string } | 'new' | undefined;
    },
    details: Record<string, unknown> | undefined,
  ): Promise<IssuedKey> {
    const secret = secretFormat.generate();
    const createdAt = now();
    const id = newKeyId();
    const clientId =
      fields.client === undefined ? null : fields.client === 'new' ? newClientId() : fields.client.clientId;
    await repos.keys.insert({
      id,
      secretDigest: digest(secret),
      hint: secretHint(secret),
      description: fields.description,
      apiType: catalog.name,
      partnerId: fields.partner?.id ?? null,
      // A client is new by definition: the legacy rule is about keys issued before the cutoff.
      legacy: clientId === null && createdAt < legacyCutoff,
      kind: clientId === null ? 'key' : 'oauth_client',
      clientId,
      createdBy: fields.actor,
      createdAt,
      permissions: fields.permissions,
      expiresAt: fields.expiresAt,
      ...(fields.allowedNetworks === undefined ? {} : { allowedNetworks: fields.allowedNetworks }),
    });
    const key = await requireKey(repos, id);
    await repos.audit.append({
      source: fields.source,
      actor: fields.actor,
      action: 'key.created',
      keyId: id,
      partnerId: key.partnerId ?? undefined,
      after: keySnapshot(key),
      // A client's rows share its public id: the trail names it, so a client's history can be followed across replaces.
      details: clientId === null ? details : { ...details, kind: 'oauth_client', clientId },
    });
    await repos.changes.keyChanged(id);
    return { key, secret };
  }

  return issue;
}
