import type { KeyService } from '../keys/key-service.ts';
import type { ApiKey } from '../keys/types.ts';
import type { Logger } from '../logger.ts';

type Importer = (
  bytes: Buffer,
  actor: string,
) => Promise<{ imported: Pick<ApiKey, 'id' | 'description' | 'legacy'>[] }>;

/**
 * One info line per key change, whichever surface made it (Slack, CLI, approvals, the delivery and expiry sweeps):
 * the key service is wrapped where it is composed, so domain code stays free of logging. Ids, actors and counts
 * only: never a secret, never the description (free text that may hold anything).
 */
export function logKeyChanges(keys: KeyService, logger: Logger): KeyService {
  const log = logger.child({ component: 'keys' });
  return {
    ...keys,
    async create(input) {
      const issued = await keys.create(input);
      log.info(
        {
          event: 'key.created',
          keyId: issued.key.id,
          ...(issued.key.clientId === null ? {} : { clientId: issued.key.clientId }),
          partnerId: issued.key.partnerId,
          actor: input.actor,
          permissions: issued.key.permissions.length,
        },
        issued.key.clientId === null ? 'key created' : 'Harvest v3 client created',
      );
      return issued;
    },
    async edit(id, input) {
      const result = await keys.edit(id, input);
      if (result.changed) {
        log.info(
          {
            event: 'key.edited',
            keyId: id,
            actor: input.actor,
            added: result.added.length,
            removed: result.removed.length,
            ...(result.expiry === undefined ? {} : { expiresAt: result.expiry.to }),
          },
          'key edited',
        );
      }
      return result;
    },
    async revoke(id, input) {
      const result = await keys.revoke(id, input);
      if (result.changed) log.info({ event: 'key.revoked', keyId: id, actor: input.actor }, 'key revoked');
      return result;
    },
    async enable(id, input) {
      const result = await keys.enable(id, input);
      if (result.changed) log.info({ event: 'key.enabled', keyId: id, actor: input.actor }, 'key re-enabled');
      return result;
    },
    async replace(id, input) {
      const issued = await keys.replace(id, input);
      log.info(
        {
          event: 'key.replaced',
          keyId: issued.key.id,
          replaces: id,
          actor: input.actor,
          graceSeconds: input.graceSeconds ?? 0,
        },
        'key replaced',
      );
      return issued;
    },
    async upgrade(id, input) {
      const issued = await keys.upgrade(id, input);
      log.info(
        {
          event: 'key.upgraded',
          keyId: issued.key.id,
          clientId: issued.key.clientId,
          upgrades: id,
          actor: input.actor,
          permissions: issued.key.permissions.length,
        },
        'key upgraded to a Harvest v3 client',
      );
      return issued;
    },
    async abandonSuccession(successorId, input) {
      const key = await keys.abandonSuccession(successorId, input);
      if (key !== undefined)
        log.info(
          { event: 'key.replacement_abandoned', keyId: key.id, abandoned: successorId, actor: input.actor },
          'replace undone: its new key was not handed over',
        );
      return key;
    },
    async revokeDue() {
      const ids = await keys.revokeDue();
      for (const keyId of ids)
        log.info(
          { event: 'key.revoked', keyId, actor: 'system', scheduled: true },
          'key revoked (end of grace period)',
        );
      return ids;
    },
  };
}

export function logKeyImports(importKeys: Importer, logger: Logger): Importer {
  const log = logger.child({ component: 'keys' });
  return async (bytes, actor) => {
    const result = await importKeys(bytes, actor);
    for (const key of result.imported)
      log.info({ event: 'key.imported', keyId: key.id, actor, legacy: key.legacy }, 'key imported');
    return result;
  };
}
