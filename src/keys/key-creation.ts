import { resolveGrants } from '../catalog/resolve-grants.ts';
import type { Partner } from '../partners/types.ts';
import { AppError } from '../shared/errors.ts';
import { defaultDescription, validateDescription } from './description.ts';
import { checkLifetime } from './expiry.ts';
import type { ChangeSource, KeyContext } from './key-context.ts';
import type { IssueKey } from './key-issue.ts';
import { requireKey } from './key-records.ts';
import { alreadyReplaced, checkGrace } from './key-refusals.ts';
import type { KeyTransaction } from './key-store.ts';
import { endForSuccessor } from './key-succession.ts';
import { validateNetworks } from '../shared/networks.ts';
import { replacementGrants } from './legacy-rule.ts';
import type { ApiKey, CredentialKind, IssuedKey } from './types.ts';

export interface CreateKeyInput extends ChangeSource {
  actor: string;
  /** 'oauth_client': a Harvest v3 client (a new client id, its secret handled like a key's); default 'key'. */
  kind?: CredentialKind | undefined;
  partner?: string | undefined;
  description?: string | undefined;
  /** Grant strings (`GET /v1/users` or labels); unioned with the partner's preset when `applyPreset` is on. */
  grants?: readonly string[] | undefined;
  /** Defaults to true: the seed assigns a picked partner's permissions automatically. */
  applyPreset?: boolean | undefined;
  /** When the key stops by itself: null never (refused under a maximum lifetime); absent: the maximum, or never. */
  expiresAt?: Date | null | undefined;
  /** Networks the key may be used from, as typed (validateNetworks); unioned with the partner's defaults with the preset. */
  allowedNetworks?: readonly string[] | undefined;
}

export interface PreparedCreate {
  description: string;
  partner: Partner | undefined;
  permissions: string[];
  /** The expiry the key will get (the maximum lifetime applied); null: never. */
  expiresAt: Date | null;
  allowedNetworks: string[];
}

/** Creating a key (or client) and replacing one with a new secret. */
export function createKeyCreation(ctx: KeyContext, issue: IssueKey) {
  const { store, catalog, legacy, lifetime, now } = ctx;

  async function requirePartner(repos: Pick<KeyTransaction, 'partners'>, name: string): Promise<Partner> {
    const partner = (await repos.partners.findByName(name)) ?? (await repos.partners.findById(name));
    if (partner === undefined) {
      throw new AppError('UNKNOWN_PARTNER', `No partner named "${name}"`, {
        field: 'partner',
        facts: { partner: name },
      });
    }
    return partner;
  }

  async function resolveCreate(
    repos: Pick<KeyTransaction, 'partners'>,
    input: CreateKeyInput,
  ): Promise<PreparedCreate> {
    const explicit = resolveGrants(catalog, input.grants ?? []);
    const partner = input.partner === undefined ? undefined : await requirePartner(repos, input.partner);
    if (partner !== undefined && partner.archivedAt !== null) {
      throw new AppError('PARTNER_ARCHIVED', `Partner "${partner.name}" is archived: no new keys are created for it`, {
        field: 'partner',
        facts: { partner: partner.name },
      });
    }
    const description = validateDescription(
      input.description ?? (partner === undefined ? '' : defaultDescription(partner.name, catalog.name)),
    );
    const preset = partner !== undefined && input.applyPreset !== false ? partner.preset : [];
    const permissions = [...new Set([...preset, ...explicit])].filter((id) => catalog.byId.has(id)).sort();
    const expiresAt = checkLifetime(lifetime, input.expiresAt, now());
    const defaults = partner !== undefined && input.applyPreset !== false ? partner.defaultNetworks : [];
    const allowedNetworks = validateNetworks([...defaults, ...(input.allowedNetworks ?? [])]);
    return { description, partner, permissions, expiresAt, allowedNetworks };
  }

  return {
    /** Validates a create without writing: what an approver will be shown and what will run. */
    async prepareCreate(input: CreateKeyInput): Promise<PreparedCreate> {
      return resolveCreate(store, input);
    },

    async create(input: CreateKeyInput): Promise<IssuedKey> {
      return store.transaction(async (repos) => {
        const { description, partner, permissions, expiresAt, allowedNetworks } = await resolveCreate(repos, input);
        const client = input.kind === 'oauth_client' ? 'new' : undefined;
        return issue(
          repos,
          {
            actor: input.actor,
            source: input.source,
            description,
            partner,
            permissions,
            expiresAt,
            allowedNetworks,
            client,
          },
          undefined,
        );
      });
    },

    /**
     * The seed's lost-key path: a new key with the same description, partner and permissions; the old one is
     * revoked now, or stops working after a grace period so the integration can switch over. A legacy key's
     * implicit permissions become explicit grants, so the replacement keeps working exactly as the old one did.
     */
    async replace(
      id: string,
      input: {
        actor: string;
        graceSeconds?: number | undefined;
        expiresAt?: Date | null | undefined;
      } & ChangeSource,
    ): Promise<IssuedKey & { old: ApiKey }> {
      const expiresAt = checkLifetime(lifetime, input.expiresAt, now());
      const grace = input.graceSeconds ?? 0;
      checkGrace(grace);
      return store.transaction(async (repos) => {
        const old = await requireKey(repos, id);
        if (old.replacedBy !== null)
          throw alreadyReplaced(old, now(), `replace ${old.replacedBy} instead, or revoke ${old.id} to end it now`);
        const partner = old.partnerId === null ? undefined : await repos.partners.findById(old.partnerId);
        const { permissions } = replacementGrants(legacy, old);
        const issued = await issue(
          repos,
          // The replacement is limited to the same networks: replacing a key never lifts its limits.
          {
            actor: input.actor,
            source: input.source,
            description: old.description,
            partner,
            permissions,
            expiresAt,
            allowedNetworks: old.allowedNetworks,
            // A client stays the same client: its id is kept, and the old secret works until the grace ends.
            client: old.clientId === null ? undefined : { clientId: old.clientId },
          },
          { replaces: old.id },
        );
        const after = await endForSuccessor(repos, now, {
          old,
          successorId: issued.key.id,
          revokeAt: new Date(now().getTime() + grace * 1000),
          grace,
          actor: input.actor,
          source: input.source,
          reason: `replaced by ${issued.key.id}`,
          advice: 'replace that key instead',
        });
        return { ...issued, old: after };
      });
    },
  };
}
