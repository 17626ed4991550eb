export interface Partner {
  id: string;
  name: string;
  contactSlackUserIds: string[];
  preset: string[];
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  version: number;
  /** Set while archived: the partner is left out of pickers and lists; its keys and their history stay. */
  archivedAt: Date | null;
  archivedBy: string | null;
  /** Canonical networks a new key for this partner starts with (as its allowed networks). */
  defaultNetworks: string[];
}

export interface NewPartnerRecord {
  id: string;
  name: string;
  contactSlackUserIds: readonly string[];
  preset: readonly string[];
  createdBy: string;
  defaultNetworks?: readonly string[];
}

export interface PartnerRepository {
  insert(record: NewPartnerRecord): Promise<void>;
  findById(id: string): Promise<Partner | undefined>;
  /** Case-insensitive. */
  findByName(name: string): Promise<Partner | undefined>;
  /** By name; archived partners only with `includeArchived`. */
  list(options?: { includeArchived?: boolean }): Promise<Partner[]>;
  update(
    id: string,
    patch: {
      name?: string;
      contactSlackUserIds?: readonly string[];
      preset?: readonly string[];
      defaultNetworks?: readonly string[];
    },
  ): Promise<void>;
  /** Archives (`archived` set) or restores (null) the partner. */
  setArchived(id: string, archived: { at: Date; by: string } | null): Promise<void>;
}
