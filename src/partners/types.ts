export interface Partner {
  id: string;
  name: string;
  contactSlackUserIds: string[];
  preset: string[];
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

export interface NewPartnerRecord {
  id: string;
  name: string;
  contactSlackUserIds: readonly string[];
  preset: readonly string[];
  createdBy: string;
}

export interface PartnerRepository {
  insert(record: NewPartnerRecord): Promise<void>;
  findById(id: string): Promise<Partner | undefined>;
  /** Case-insensitive. */
  findByName(name: string): Promise<Partner | undefined>;
  list(): Promise<Partner[]>;
  update(
    id: string,
    patch: { name?: string; contactSlackUserIds?: readonly string[]; preset?: readonly string[] },
  ): Promise<void>;
}
