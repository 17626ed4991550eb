import { resolveGrants } from '../catalog/resolve-grants.ts';
import { MAX_NETWORKS, validateNetworks } from '../shared/networks.ts';
import { validateDescription } from './description.ts';
import { checkLifetime } from './expiry.ts';
import { permissionDiff } from './grants.ts';
import type { ChangeSource, KeyContext } from './key-context.ts';
import { recordChange, requireKey } from './key-records.ts';
import { alreadyReplaced, staleVersion } from './key-refusals.ts';
import type { ApiKey } from './types.ts';

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

/** Changing an existing key: its permissions, description, expiry, networks and legacy access. */
export function createKeyEditing(ctx: KeyContext) {
  const { store, catalog, lifetime, now } = ctx;

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

  return {
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
  };
}
