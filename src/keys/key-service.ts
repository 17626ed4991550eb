import type { AuditSource } from '../audit/source.ts';
import type { AuditAction, AuditRepository } from '../audit/types.ts';
import type { Catalog } from '../catalog/types.ts';
import type { Partner, PartnerRepository } from '../partners/types.ts';
import type { Clock } from '../shared/clock.ts';
import { AppError } from '../shared/errors.ts';
import { newClientId, newKeyId } from '../shared/ids.ts';
import type { Transactional } from '../shared/transaction.ts';
import { defaultDescription, validateDescription } from './description.ts';
import { type Decision, evaluate } from './evaluate.ts';
import { resolveGrants } from '../catalog/resolve-grants.ts';
import { permissionDiff } from './grants.ts';
import type { ChangeNotifier, KeyRepository } from './key-repository.ts';
import { checkLifetime, type LifetimePolicy, latestExpiry } from './expiry.ts';
import { keySnapshot } from './key-snapshot.ts';
import { MAX_NETWORKS, validateNetworks } from '../shared/networks.ts';
import { type LegacyRule, legacyRule, replacementGrants } from './legacy-rule.ts';
import { type KeyState, keyState } from './key-state.ts';
import { type SecretFormat, secretHint } from './secret-format.ts';
import type { ApiKey, CredentialKind, IssuedKey, KeyFilter, KeyLinks } from './types.ts';

/** What the key lifecycle reads and writes inside one transaction. */
export interface KeyTransaction {
  keys: Pick<KeyRepository, 'findById' | 'insert' | 'updateIfVersion' | 'revoke' | 'enable' | 'scheduleRevocation'>;
  partners: Pick<PartnerRepository, 'findById' | 'findByName'>;
  audit: Pick<AuditRepository, 'append'>;
  changes: Pick<ChangeNotifier, 'keyChanged'>;
}

/** The key lifecycle's storage: what it reads outside a transaction, and the transaction. */
export interface KeyStore extends Transactional<KeyTransaction> {
  keys: Pick<
    KeyRepository,
    'findById' | 'findByDigest' | 'list' | 'dueForRevocation' | 'findByIds' | 'findReplacedBy' | 'expiringBetween'
  >;
  partners: Pick<PartnerRepository, 'findById' | 'findByName'>;
}

export interface KeyServiceDeps {
  store: KeyStore;
  catalog: Catalog;
  secretFormat: SecretFormat;
  digest: (secret: string) => Buffer;
  legacyCutoff: Date;
  /** KEY_MAX_LIFETIME_DAYS; absent: no maximum. */
  lifetime?: LifetimePolicy | undefined;
  now?: Clock;
}

/**
 * The surface a change comes through, for its audit row; absent: told by the actor (`defaultSource`). Set by callers
 * that act for someone else: an approved change runs as its requester but comes from `approvals`.
 */
export interface ChangeSource {
  source?: AuditSource | undefined;
}

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

export interface EditKeyInput extends ChangeSource {
  actor: string;
  /** The version the editor saw. Omitted: the current one (CLI edits are one atomic step). */
  expectedVersion?: number | undefined;
  description?: string | undefined;
  /** Replaces the whole permission set. */
  grants?: readonly string[] | undefined;
  add?: readonly string[] | undefined;
  remove?: readonly string[] | undefined;
  /** A new expiry (null: never, refused under a maximum lifetime); absent: unchanged. */
  expiresAt?: Date | null | undefined;
  /** Replaces the whole list of allowed networks (as typed; empty: any address). */
  networks?: readonly string[] | undefined;
  addNetworks?: readonly string[] | undefined;
  removeNetworks?: readonly string[] | undefined;
  /**
   * Ends a legacy key's implicit access: from then on it may call only its explicit grants, like any other key
   * (ignored for a key that is not legacy).
   */
  endLegacy?: boolean | undefined;
  /** The edit was proposed from the key's recorded use over this many days (trim, legacy migration): audited. */
  basedOnUsage?: { days: number } | undefined;
}

export interface EditResult {
  key: ApiKey;
  changed: boolean;
  added: string[];
  removed: string[];
  networksAdded: string[];
  networksRemoved: string[];
  /** The expiry changed: before and after (ISO, or null for never). */
  expiry?: ExpiryChange | undefined;
  /** The key was a legacy key and no longer is. */
  endedLegacy?: boolean | undefined;
}

export interface ExpiryChange {
  from: string | null;
  to: string | null;
  /** The key lives longer than before (or no longer expires): held like a permission change under approvals. */
  extended: boolean;
}

export type CheckResult =
  | { outcome: 'malformed'; reason: 'empty' | 'malformed' | 'checksum' }
  | { outcome: 'unknown' }
  /** A Harvest v3 client's secret: it buys access tokens, and is refused as an API key (as /authz does). */
  | { outcome: 'client_secret'; key: ApiKey }
  | { outcome: 'decided'; key: ApiKey; decision: Decision };

export interface PreparedCreate {
  description: string;
  partner: Partner | undefined;
  permissions: string[];
  /** The expiry the key will get (the maximum lifetime applied); null: never. */
  expiresAt: Date | null;
  allowedNetworks: string[];
}

export interface EditPreview {
  key: ApiKey;
  permissions: string[];
  description: string;
  descriptionChanged: boolean;
  added: string[];
  removed: string[];
  /** Set when the edit changes the key's expiry. */
  expiry: ExpiryChange | undefined;
  expiresAt: Date | null;
  allowedNetworks: string[];
  networksAdded: string[];
  networksRemoved: string[];
  /** The edit ends the key's legacy (implicit) access. */
  endsLegacy: boolean;
}

/** A key's upgrade to a Harvest v3 client: the client's permissions (legacy ones made explicit) and expiry. */
export interface UpgradePlan {
  key: ApiKey;
  permissions: string[];
  /** How many of them the key could call only as a legacy key. */
  fromLegacy: number;
  expiresAt: Date | null;
}

export type KeyService = ReturnType<typeof createKeyService>;

export function createKeyService(deps: KeyServiceDeps) {
  const { store, catalog, secretFormat, digest } = deps;
  const now = deps.now ?? (() => new Date());
  const legacy = legacyRule(catalog, deps.legacyCutoff);
  const lifetime: LifetimePolicy = deps.lifetime ?? { maxLifetimeDays: null };

  async function requireKey(repos: { keys: Pick<KeyRepository, 'findById'> }, id: string): Promise<ApiKey> {
    const key = await repos.keys.findById(id);
    if (key === undefined) {
      // Only an id-shaped value is repeated: a key pasted where its id belongs must not end up in an error message.
      const shown = /^key_[0-9A-Za-z]{1,40}$/.test(id)
        ? id
        : '(the value given is not a key id: ids look like key_AbC123…)';
      throw new AppError('KEY_NOT_FOUND', `No key with id ${shown}`, {
        facts: { keyId: shown === id ? id : undefined },
      });
    }
    return key;
  }

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

  function planEdit(before: ApiKey, input: EditKeyInput): EditPreview {
    // The replacement copied this key's permissions; changes belong on it, not on the key being retired.
    if (before.replacedBy !== null) throw alreadyReplaced(before, now(), 'change its replacement instead');
    const description = input.description === undefined ? undefined : validateDescription(input.description);
    const replaceWith = input.grants === undefined ? undefined : resolveGrants(catalog, input.grants);
    const add = resolveGrants(catalog, input.add ?? []);
    const remove = resolveGrants(catalog, input.remove ?? []);
    const base = replaceWith ?? before.permissions;
    const permissions = [...new Set([...base, ...add])].filter((p) => !remove.includes(p)).sort();
    const diff = permissionDiff(before.permissions, permissions);
    const descriptionChanged = description !== undefined && description !== before.description;
    let expiry: ExpiryChange | undefined;
    let expiresAt = before.expiresAt;
    if (input.expiresAt !== undefined && input.expiresAt?.getTime() !== before.expiresAt?.getTime()) {
      // The cap counts from now: a key cannot be kept alive past the maximum by extending it.
      expiresAt = checkLifetime(lifetime, input.expiresAt, now());
      const extended =
        before.expiresAt !== null && (expiresAt === null || expiresAt.getTime() > before.expiresAt.getTime());
      expiry = { from: before.expiresAt?.toISOString() ?? null, to: expiresAt?.toISOString() ?? null, extended };
    }
    const networks = planNetworks(before, input);
    const endsLegacy = input.endLegacy === true && before.legacy;
    return {
      key: before,
      permissions,
      description: description ?? before.description,
      descriptionChanged,
      ...diff,
      ...networks,
      expiry,
      expiresAt,
      endsLegacy,
    };
  }

  /** The key's networks after an edit: the new list (or the old one with additions and removals), and the change. */
  function planNetworks(
    before: ApiKey,
    input: EditKeyInput,
  ): Pick<EditPreview, 'allowedNetworks' | 'networksAdded' | 'networksRemoved'> {
    const base = input.networks === undefined ? before.allowedNetworks : validateNetworks(input.networks);
    // Entries to remove are checked like any others (a typo should not look removed), then matched canonically.
    const remove = validateNetworks(input.removeNetworks ?? [], 'removeNetworks');
    const add = input.addNetworks === undefined ? [] : validateNetworks(input.addNetworks);
    const allowedNetworks = [...new Set([...base, ...add])].filter((n) => !remove.includes(n));
    // The count is checked on the result, so that at the limit one network can be swapped for another.
    if (allowedNetworks.length > MAX_NETWORKS) validateNetworks(allowedNetworks);
    return {
      allowedNetworks,
      networksAdded: allowedNetworks.filter((n) => !before.allowedNetworks.includes(n)),
      networksRemoved: before.allowedNetworks.filter((n) => !allowedNetworks.includes(n)),
    };
  }

  /**
   * The tail of every change to an existing key, inside its transaction: the audit row with before and after, and
   * the notification that makes every /authz instance reload the key. Returns the key as it now is.
   */
  async function recordChange(
    repos: KeyTransaction,
    change: {
      actor: string;
      action: AuditAction;
      before: ApiKey;
      details?: Record<string, unknown> | undefined;
      source: AuditSource | undefined;
    },
  ): Promise<ApiKey> {
    const after = await requireKey(repos, change.before.id);
    await repos.audit.append({
      source: change.source,
      actor: change.actor,
      action: change.action,
      keyId: after.id,
      partnerId: change.before.partnerId ?? undefined,
      before: keySnapshot(change.before),
      after: keySnapshot(after),
      details: change.details,
    });
    await repos.changes.keyChanged(after.id);
    return after;
  }

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
      legacy: clientId === null && createdAt < deps.legacyCutoff,
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

  /**
   * The expiry a re-enabled key gets: the one asked for (within the maximum), else its own while that is still ahead
   * and within the maximum, else the maximum (or never without one).
   */
  function enableExpiry(key: ApiKey, requested: Date | null | undefined, at: Date): Date | null {
    if (requested !== undefined) return checkLifetime(lifetime, requested, at);
    const latest = latestExpiry(lifetime, at);
    const own = key.expiresAt;
    if (own !== null && own.getTime() > at.getTime() && (latest === null || own.getTime() <= latest.getTime()))
      return own;
    return latest;
  }

  /** The key's own end, kept (an upgrade does not lengthen what was agreed), within the maximum lifetime from now. */
  function upgradeExpiry(own: Date | null, at: Date): Date | null {
    const latest = latestExpiry(lifetime, at);
    if (latest === null) return own;
    return own === null || own.getTime() > latest.getTime() ? latest : own;
  }

  /** What upgrading this key makes, refused when it cannot be upgraded: for the upgrade itself and its approval. */
  function planUpgrade(old: ApiKey, at: Date): UpgradePlan {
    if (old.kind !== 'key')
      throw upgradeRefused(old, 'already_client', `${old.id} is already a Harvest v3 client (${old.clientId})`);
    if (old.replacedBy !== null)
      throw alreadyReplaced(old, at, `upgrade ${old.replacedBy} instead, or leave ${old.id} to end`);
    if (keyState(old, at).kind !== 'active')
      throw upgradeRefused(old, 'not_usable', `${old.id} no longer works: only a working key is upgraded`);
    const grants = replacementGrants(legacy, old);
    return {
      key: old,
      permissions: grants.permissions,
      fromLegacy: grants.fromLegacy,
      expiresAt: upgradeExpiry(old.expiresAt, at),
    };
  }

  return {
    catalog,

    /** What "Upgrade to v3" would make of this key (refused as the upgrade would be), without writing. */
    async previewUpgrade(id: string): Promise<UpgradePlan> {
      return planUpgrade(await requireKey(store, id), now());
    },

    /** KEY_MAX_LIFETIME_DAYS, for the dialogs' and the CLI's choices. */
    lifetime(): LifetimePolicy {
      return lifetime;
    },

    /** Which keys are legacy keys and the endpoints they may call without grants: shown wherever a legacy key is. */
    legacyRule(): LegacyRule {
      return legacy;
    },

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

    /** The edit's outcome (new permission set and diff) without writing it, e.g. for an approval request. */
    async previewEdit(id: string, input: EditKeyInput): Promise<EditPreview> {
      return planEdit(await requireKey(store, id), input);
    },

    async edit(id: string, input: EditKeyInput): Promise<EditResult> {
      return store.transaction(async (repos) => {
        const before = await requireKey(repos, id);
        const version = input.expectedVersion ?? before.version;
        if (version !== before.version) throw staleVersion(before);
        const plan = planEdit(before, input);
        const { permissions, description, descriptionChanged, added, removed, expiry, expiresAt, endsLegacy } = plan;
        const diff = { added, removed };
        const networks = { networksAdded: plan.networksAdded, networksRemoved: plan.networksRemoved };
        const networksChanged = networks.networksAdded.length + networks.networksRemoved.length > 0;
        if (
          !descriptionChanged &&
          diff.added.length === 0 &&
          diff.removed.length === 0 &&
          !networksChanged &&
          expiry === undefined &&
          !endsLegacy
        ) {
          return { key: before, changed: false, ...diff, ...networks };
        }
        const updated = await repos.keys.updateIfVersion(id, version, {
          description: descriptionChanged ? description : undefined,
          permissions: diff.added.length + diff.removed.length > 0 ? permissions : undefined,
          ...(expiry === undefined ? {} : { expiresAt }),
          ...(networksChanged ? { allowedNetworks: plan.allowedNetworks } : {}),
          // The expiry read is the effective one (LEGACY_KEYS_EXPIRE_AT ends legacy keys): written down, so a key
          // that stops being legacy does not outlive the date legacy keys end.
          ...(endsLegacy ? { legacy: false, ...(expiry === undefined ? { expiresAt: before.expiresAt } : {}) } : {}),
        });
        if (!updated) throw staleVersion(before);
        const details = {
          ...diff,
          ...(networksChanged ? networks : {}),
          ...(expiry === undefined ? {} : { expiry }),
          ...(endsLegacy ? { endedLegacy: true } : {}),
          ...(input.basedOnUsage === undefined ? {} : { basedOnUsage: input.basedOnUsage }),
        };
        const after = await recordChange(repos, {
          actor: input.actor,
          source: input.source,
          action: 'key.edited',
          before,
          details,
        });
        return { key: after, changed: true, ...diff, ...networks, expiry, endedLegacy: endsLegacy };
      });
    },

    /** Idempotent: revoking a revoked key changes nothing and writes no second audit row. */
    async revoke(
      id: string,
      input: { actor: string; reason?: string | undefined } & ChangeSource,
    ): Promise<{ key: ApiKey; changed: boolean }> {
      const reason = input.reason?.trim() || null;
      if (reason !== null && reason.length > 500)
        throw new AppError('REASON_INVALID', 'Reason is too long: at most 500 characters', {
          field: 'reason',
          facts: { problem: 'too_long', max: 500 },
        });
      // PostgreSQL text cannot hold NUL: refused here in words rather than as a failed query.
      if (reason?.includes('\u0000'))
        throw new AppError('REASON_INVALID', 'Reason contains a NUL character: type it again as plain text', {
          field: 'reason',
          facts: { problem: 'nul' },
        });
      return store.transaction(async (repos) => {
        const before = await requireKey(repos, id);
        const changed = await repos.keys.revoke(id, { by: input.actor, at: now(), reason });
        if (!changed) return { key: before, changed: false };
        const after = await recordChange(repos, {
          actor: input.actor,
          source: input.source,
          action: 'key.revoked',
          before,
          details: { reason },
        });
        return { key: after, changed: true };
      });
    },

    /** Re-enable: also cancels a revocation scheduled by replace. Idempotent like revoke. */
    async enable(
      id: string,
      input: { actor: string; expiresAt?: Date | null | undefined } & ChangeSource,
    ): Promise<{ key: ApiKey; changed: boolean }> {
      return store.transaction(async (repos) => {
        const before = await requireKey(repos, id);
        const at = now();
        const expiresAt = enableExpiry(before, input.expiresAt, at);
        const changed = await repos.keys.enable(id, { now: at, expiresAt });
        if (!changed) return { key: before, changed: false };
        const expiry =
          expiresAt?.getTime() === before.expiresAt?.getTime()
            ? undefined
            : { from: before.expiresAt?.toISOString() ?? null, to: expiresAt?.toISOString() ?? null };
        const after = await recordChange(repos, {
          actor: input.actor,
          source: input.source,
          action: 'key.enabled',
          before,
          details: expiry === undefined ? undefined : { expiry },
        });
        return { key: after, changed: true };
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
        const revokeAt = new Date(now().getTime() + grace * 1000);
        // Records the successor either way; with a grace period it is also when enforcement stops honouring the key.
        // Refused (and the new key rolled back) when a concurrent replace recorded its successor first.
        if (!(await repos.keys.scheduleRevocation(id, revokeAt, issued.key.id))) {
          throw alreadyReplaced(await requireKey(repos, id), now(), 'replace that key instead');
        }
        if (grace === 0) {
          await repos.keys.revoke(id, { by: input.actor, at: revokeAt, reason: `replaced by ${issued.key.id}` });
        }
        const after = await recordChange(repos, {
          actor: input.actor,
          source: input.source,
          action: 'key.replaced',
          before: old,
          details: { replacedBy: issued.key.id, revokeAt: revokeAt.toISOString() },
        });
        return { ...issued, old: after };
      });
    },

    /**
     * "Upgrade to v3": a Harvest v3 client with the key's permissions (a legacy key's implicit ones made explicit),
     * partner, networks and expiry; the key keeps working for the grace period (default 7 days) and then stops, like
     * a replaced key (its successor is the client). Audited as a replacement whose details say `upgrade`.
     */
    async upgrade(
      id: string,
      input: { actor: string; graceSeconds?: number | undefined } & ChangeSource,
    ): Promise<IssuedKey & { old: ApiKey; fromLegacy: number }> {
      const grace = input.graceSeconds ?? DEFAULT_UPGRADE_GRACE_SECONDS;
      checkGrace(grace);
      return store.transaction(async (repos) => {
        const old = await requireKey(repos, id);
        const at = now();
        const plan = planUpgrade(old, at);
        const partner = old.partnerId === null ? undefined : await repos.partners.findById(old.partnerId);
        const issued = await issue(
          repos,
          {
            actor: input.actor,
            source: input.source,
            description: old.description,
            partner,
            permissions: plan.permissions,
            expiresAt: plan.expiresAt,
            allowedNetworks: old.allowedNetworks,
            client: 'new',
          },
          { upgrades: old.id },
        );
        const revokeAt = new Date(at.getTime() + grace * 1000);
        if (!(await repos.keys.scheduleRevocation(id, revokeAt, issued.key.id))) {
          throw alreadyReplaced(await requireKey(repos, id), now(), 'upgrade that key instead');
        }
        if (grace === 0) {
          await repos.keys.revoke(id, { by: input.actor, at: revokeAt, reason: `upgraded to ${issued.key.clientId}` });
        }
        const after = await recordChange(repos, {
          actor: input.actor,
          source: input.source,
          action: 'key.replaced',
          before: old,
          details: {
            replacedBy: issued.key.id,
            revokeAt: revokeAt.toISOString(),
            upgrade: 'oauth_client',
            clientId: issued.key.clientId,
            fromLegacy: plan.fromLegacy,
          },
        });
        return { ...issued, old: after, fromLegacy: plan.fromLegacy };
      });
    },

    /** Turns replace's scheduled revocations into recorded ones; enforcement already treats them as revoked. */
    async revokeDue(): Promise<string[]> {
      const due = await store.keys.dueForRevocation(now());
      const done: string[] = [];
      for (const key of due) {
        await store.transaction(async (repos) => {
          const changed = await repos.keys.revoke(key.id, {
            by: 'system',
            at: key.revokeAt ?? now(),
            reason: key.replacedBy === null ? 'scheduled revocation' : `replaced by ${key.replacedBy}`,
          });
          if (!changed) return;
          // The service's own sweep beside enforcement, which already stopped honouring the key at revokeAt.
          await recordChange(repos, {
            actor: 'system',
            source: 'authz',
            action: 'key.revoked',
            before: key,
            details: { reason: 'grace period ended', replacedBy: key.replacedBy },
          });
          done.push(key.id);
        });
      }
      return done;
    },

    /**
     * The keys whose end is within `windowMs` from now, soonest first: what expiry reminders are about. Only a key's
     * own expiry counts. A replaced key is left out, its grace end too: whoever replaced it chose that end and handed
     * over the successor, and neither Replace nor Extend applies to it any more.
     */
    async expiringWithin(windowMs: number): Promise<ApiKey[]> {
      const at = now();
      return store.keys.expiringBetween(at, new Date(at.getTime() + windowMs));
    },

    async get(id: string): Promise<ApiKey> {
      return requireKey(store, id);
    },

    async list(filter: KeyFilter = {}): Promise<{ keys: ApiKey[]; total: number }> {
      return store.keys.list(filter);
    },

    /** The keys with these ids, by id (unknown ids are left out): names for notices that only hold ids. */
    async getMany(ids: readonly string[]): Promise<Map<string, ApiKey>> {
      const keys = await store.keys.findByIds([...new Set(ids)]);
      return new Map(keys.map((k) => [k.id, k]));
    },

    /** Each key's replacement links, both ways, by key id: two queries for a whole page of keys. */
    async links(keys: readonly ApiKey[]): Promise<Map<string, KeyLinks>> {
      const successorIds = [...new Set(keys.flatMap((k) => (k.replacedBy === null ? [] : [k.replacedBy])))];
      const [successors, predecessors] = await Promise.all([
        store.keys.findByIds(successorIds),
        store.keys.findReplacedBy(keys.map((k) => k.id)),
      ]);
      const byId = new Map(successors.map((k) => [k.id, k]));
      const byReplacement = new Map(predecessors.map((k) => [k.replacedBy, k]));
      const links = new Map<string, KeyLinks>();
      for (const key of keys) {
        const replacedBy = key.replacedBy === null ? undefined : byId.get(key.replacedBy);
        const replaces = byReplacement.get(key.id);
        if (replacedBy !== undefined || replaces !== undefined) links.set(key.id, { replacedBy, replaces });
      }
      return links;
    },

    /** The database-backed decision, for the CLI and tests; `/authz` answers the same from memory. */
    async check(secret: string, method: string, path: string): Promise<CheckResult> {
      const format = secretFormat.check(secret);
      if (!format.ok) return { outcome: 'malformed', reason: format.reason };
      const key = await store.keys.findByDigest(digest(secret));
      if (key === undefined) return { outcome: 'unknown' };
      if (key.clientId !== null) return { outcome: 'client_secret', key };
      return {
        outcome: 'decided',
        key,
        decision: evaluate(catalog, { ...key, permissions: new Set(key.permissions) }, method, path, now()),
      };
    },
  };
}

/** "Upgrade to v3" keeps the old key working this long by default, so the partner can switch over. */
export const DEFAULT_UPGRADE_GRACE_SECONDS = 7 * 24 * 3600;

function checkGrace(grace: number): void {
  if (!Number.isFinite(grace) || grace < 0 || grace > 90 * 24 * 3600) {
    throw new AppError('GRACE_INVALID', 'Grace period must be between 0 and 90 days', {
      field: 'grace',
      facts: { maxDays: 90 },
    });
  }
}

function upgradeRefused(key: ApiKey, problem: 'already_client' | 'not_usable', sentence: string): AppError {
  return new AppError('UPGRADE_REFUSED', sentence, { facts: { keyId: key.id, problem } });
}

/** A key is replaced at most once, so its successor and scheduled end are never overwritten. */
export function alreadyReplaced(key: ApiKey, now: Date, advice: string): AppError {
  const end = replacedKeyEnd(keyState(key, now));
  return new AppError('KEY_REPLACED', `Key ${key.id} was already replaced by ${key.replacedBy} (${end}): ${advice}`, {
    facts: {
      keyId: key.id,
      replacedBy: key.replacedBy ?? undefined,
      revoked: key.status === 'revoked',
      revokeAt: key.revokeAt?.toISOString(),
    },
  });
}

function replacedKeyEnd(state: KeyState): string {
  switch (state.kind) {
    case 'active':
      return 'it was kept active';
    case 'stopping':
      return `it stops working at ${state.at.toISOString()}`;
    case 'revoked':
      // A grace period that ran out before the sweep recorded the revocation: named by when it ended.
      return state.graceEnded && state.at !== null ? `it stops working at ${state.at.toISOString()}` : 'it is revoked';
    case 'expired':
      return `it expired at ${state.at.toISOString()}`;
    default:
      return state satisfies never;
  }
}

function staleVersion(current: ApiKey): AppError {
  return new AppError(
    'STALE_VERSION',
    `Key ${current.id} was changed by someone else since you opened it (now at version ${current.version}): reload it and make your change again`,
    { facts: { keyId: current.id, version: current.version } },
  );
}
