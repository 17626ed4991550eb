import { MAX_NETWORKS, validateNetworks } from '../shared/networks.ts';
import type { AuditRepository } from '../audit/types.ts';
import { resolveGrants } from '../catalog/resolve-grants.ts';
import type { Catalog } from '../catalog/types.ts';
import { AppError } from '../shared/errors.ts';
import { newPartnerId } from '../shared/ids.ts';
import type { Transactional } from '../shared/transaction.ts';
import type { Partner, PartnerRepository } from './types.ts';

const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/;

function validateName(value: string): string {
  const name = value.trim();
  if (name === '' || name.length > 80 || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new AppError('PARTNER_NAME_INVALID', 'Partner name must be 1–80 characters on one line', {
      field: 'name',
      facts: { max: 80 },
    });
  }
  return name;
}

function validateContacts(ids: readonly string[]): string[] {
  const bad = ids.filter((id) => !SLACK_USER_ID.test(id));
  if (bad.length > 0) {
    throw new AppError('SLACK_USER_INVALID', `Not a Slack user id: ${bad.join(', ')} (expected e.g. U012ABCDEF)`, {
      field: 'contacts',
      facts: { users: bad },
    });
  }
  return [...new Set(ids)];
}

function snapshot(partner: Partner): Record<string, unknown> {
  return {
    name: partner.name,
    contacts: partner.contactSlackUserIds,
    preset: partner.preset,
    defaultNetworks: partner.defaultNetworks,
  };
}

export interface PartnerEdit {
  actor: string;
  rename?: string | undefined;
  contacts?: readonly string[] | undefined;
  addContacts?: readonly string[] | undefined;
  removeContacts?: readonly string[] | undefined;
  preset?: readonly string[] | undefined;
  addPreset?: readonly string[] | undefined;
  removePreset?: readonly string[] | undefined;
  /** Replaces the default networks (as typed); or adds and removes some. */
  defaultNetworks?: readonly string[] | undefined;
  addNetworks?: readonly string[] | undefined;
  removeNetworks?: readonly string[] | undefined;
}

export type PartnerService = ReturnType<typeof createPartnerService>;

/** What a partner change writes inside one transaction. */
export interface PartnerTransaction {
  partners: Pick<PartnerRepository, 'findById' | 'findByName' | 'insert' | 'update' | 'setArchived'>;
  audit: Pick<AuditRepository, 'append'>;
  /**
   * A rename changes what every key of the partner answers (X-Partner), so enforcement is told to reload each one.
   * Named here in the partner's own terms: the key lifecycle builds on partners, not the other way round.
   */
  keys: { list(filter: { partnerId: string; limit: number }): Promise<{ keys: readonly { id: string }[] }> };
  changes: { keyChanged(keyId: string): Promise<void> };
}

/** Partners' storage: lookups outside a transaction, and the transaction. */
export interface PartnerStore extends Transactional<PartnerTransaction> {
  partners: Pick<PartnerRepository, 'findById' | 'findByName' | 'list'>;
}

export function createPartnerService(deps: { store: PartnerStore; catalog: Catalog }) {
  const { store, catalog } = deps;

  async function requirePartner(
    repos: { partners: Pick<PartnerRepository, 'findById' | 'findByName'> },
    nameOrId: string,
  ): Promise<Partner> {
    const partner = (await repos.partners.findByName(nameOrId)) ?? (await repos.partners.findById(nameOrId));
    if (partner === undefined) {
      throw new AppError('UNKNOWN_PARTNER', `No partner named "${nameOrId}"`, { facts: { partner: nameOrId } });
    }
    return partner;
  }

  return {
    async create(input: {
      actor: string;
      name: string;
      contacts?: readonly string[];
      preset?: readonly string[];
      defaultNetworks?: readonly string[] | undefined;
    }): Promise<Partner> {
      const name = validateName(input.name);
      const contacts = validateContacts(input.contacts ?? []);
      const preset = resolveGrants(catalog, input.preset ?? []);
      const defaultNetworks = validateNetworks(input.defaultNetworks ?? [], 'defaultNetworks');
      return store.transaction(async (repos) => {
        if ((await repos.partners.findByName(name)) !== undefined) {
          throw new AppError('PARTNER_EXISTS', `A partner named "${name}" already exists`, {
            field: 'name',
            facts: { partner: name },
          });
        }
        const id = newPartnerId();
        await repos.partners.insert({
          id,
          name,
          contactSlackUserIds: contacts,
          preset,
          createdBy: input.actor,
          defaultNetworks,
        });
        const partner = await requirePartner(repos, id);
        await repos.audit.append({
          actor: input.actor,
          action: 'partner.created',
          partnerId: id,
          after: snapshot(partner),
        });
        return partner;
      });
    },

    async edit(nameOrId: string, edit: PartnerEdit): Promise<Partner> {
      const rename = edit.rename === undefined ? undefined : validateName(edit.rename);
      const contactsBase = edit.contacts === undefined ? undefined : validateContacts(edit.contacts);
      const addContacts = validateContacts(edit.addContacts ?? []);
      const removeContacts = edit.removeContacts ?? [];
      const presetBase = edit.preset === undefined ? undefined : resolveGrants(catalog, edit.preset);
      const addPreset = resolveGrants(catalog, edit.addPreset ?? []);
      const removePreset = resolveGrants(catalog, edit.removePreset ?? []);
      const networksBase =
        edit.defaultNetworks === undefined ? undefined : validateNetworks(edit.defaultNetworks, 'defaultNetworks');
      const addNetworks = validateNetworks(edit.addNetworks ?? [], 'defaultNetworks');
      const removeNetworks = validateNetworks(edit.removeNetworks ?? [], 'defaultNetworks');
      return store.transaction(async (repos) => {
        const before = await requirePartner(repos, nameOrId);
        if (rename !== undefined && rename.toLowerCase() !== before.name.toLowerCase()) {
          if ((await repos.partners.findByName(rename)) !== undefined) {
            throw new AppError('PARTNER_EXISTS', `A partner named "${rename}" already exists`, {
              field: 'name',
              facts: { partner: rename },
            });
          }
        }
        const contacts = [...new Set([...(contactsBase ?? before.contactSlackUserIds), ...addContacts])].filter(
          (c) => !removeContacts.includes(c),
        );
        const preset = [...new Set([...(presetBase ?? before.preset), ...addPreset])]
          .filter((p) => !removePreset.includes(p))
          .sort();
        const defaultNetworks = [...new Set([...(networksBase ?? before.defaultNetworks), ...addNetworks])].filter(
          (n) => !removeNetworks.includes(n),
        );
        if (defaultNetworks.length > MAX_NETWORKS) validateNetworks(defaultNetworks, 'defaultNetworks');
        await repos.partners.update(before.id, {
          name: rename,
          contactSlackUserIds: contacts,
          preset,
          defaultNetworks,
        });
        const after = await requirePartner(repos, before.id);
        if (after.name !== before.name) {
          // The partner's name travels with every decision (X-Partner): tell the enforcement indexes to reload its keys.
          const { keys } = await repos.keys.list({ partnerId: before.id, limit: 10_000 });
          for (const key of keys) await repos.changes.keyChanged(key.id);
        }
        await repos.audit.append({
          actor: edit.actor,
          action: 'partner.edited',
          partnerId: before.id,
          before: snapshot(before),
          after: snapshot(after),
        });
        return after;
      });
    },

    /**
     * Archives a partner (`archived: false` restores it): it leaves pickers and lists, and no key can be created for
     * it; its existing keys keep working (revoke them separately) and keep their history.
     */
    async setArchived(nameOrId: string, input: { actor: string; archived: boolean }): Promise<Partner> {
      return store.transaction(async (repos) => {
        const before = await requirePartner(repos, nameOrId);
        if ((before.archivedAt !== null) === input.archived) return before;
        await repos.partners.setArchived(before.id, input.archived ? { at: new Date(), by: input.actor } : null);
        await repos.audit.append({
          actor: input.actor,
          action: input.archived ? 'partner.archived' : 'partner.unarchived',
          partnerId: before.id,
          before: snapshot(before),
        });
        return requirePartner(repos, before.id);
      });
    },

    get: (nameOrId: string) => requirePartner(store, nameOrId),
    /** Archived partners are left out unless asked for. */
    list: (options: { includeArchived?: boolean } = {}) => store.partners.list(options),
  };
}
